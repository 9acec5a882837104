/**
 * The running gateway's server mail rules: the file gateway.json names, loaded at start (a broken
 * file stops the start, as `check-config` would refuse it) and polled every `checkIntervalMs`; a
 * changed file takes effect without a restart, a broken change is logged with its problems and
 * the last good rules stay in force (the Router's `watchMailRulesFile`).
 */
import { type Logger, MailrouteError } from '@mailroute/envelope';
import { type MailRulesWatcher, watchMailRulesFile } from '@mailroute/router';
import { mailRulesPath, type OperatorSettings } from './config-mail-rules.js';
import { componentLogger } from './log-lines.js';

/** Loads and watches the rules file; undefined when gateway.json names none. */
export async function openMailRules(
  configDir: string,
  settings: OperatorSettings,
  logger: Logger,
): Promise<MailRulesWatcher | undefined> {
  const rules = settings.mailRules;
  if (rules === undefined) return undefined;
  const path = mailRulesPath(configDir, rules);
  const watched = await watchMailRulesFile({
    path,
    pollIntervalMs: rules.checkIntervalMs,
    maxRules: rules.maxRules,
    logger: componentLogger(logger, 'mail-rules'),
  });
  if (!watched.ok)
    throw new MailrouteError(
      'gateway.mailRulesInvalid',
      `server mail rules ${path}: ${watched.reason.problems.join('; ')}`,
    );
  return watched.value;
}
