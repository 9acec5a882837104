/**
 * gateway.json's operator settings (issue 17): the server mail rules file, the mail journal, and
 * the routing log levels. Domino keeps the rules in the Configuration Settings document (Router/SMTP
 * - Restrictions and Controls - Rules) and re-reads them when they change; here they are a JSON file
 * of the configuration directory that the running gateway polls. `checkMailRulesFile` lets
 * `check-config` and `start` refuse a broken file with its problems named.
 */
import { isAbsolute, resolve } from 'node:path';
import type { DebugRouter, LogMailRouting } from '@mailroute/router';
import { loadMailRulesFile } from '@mailroute/router';
import type { FieldReader } from './config-fields.js';
import { ConfigError } from './config-types.js';

/** gateway.json `mailRules`: the rules file and how often it is looked at. */
export interface MailRulesSettings {
  /** The rules file, relative to the configuration directory (or absolute). */
  readonly file: string;
  /**
   * How often the file is checked for a change, in ms. Default 120000: Domino's SMTP task looks at
   * its configuration every 2 minutes (`SMTP_Config_Update_Interval`), the Server task at the
   * rules about every 5.
   */
  readonly checkIntervalMs: number;
  /** The most rules the file may hold (Domino: 100, adjustable in notes.ini); default 100. */
  readonly maxRules: number;
}

/** gateway.json `journaling` (Router/SMTP - Advanced - Journaling, "Mail journaling database"). */
export interface JournalingSettings {
  /** The journal store's folder, relative to the data directory (or absolute); default `mailjrn`. */
  readonly folder: string;
}

/** gateway.json `routingLog`: Domino's logging level of the Router and notes.ini `DebugRouter`. */
export interface RoutingLogSettings {
  /** `Log_MailRouting`: 10 minimal, 20 normal (default), 30 informational, 40 verbose. */
  readonly logMailRouting: LogMailRouting;
  /** `DebugRouter`: 0 (default) off, 1, 2 or 3: the Router's debug records whatever the level. */
  readonly debugRouter: DebugRouter;
}

/** The three settings together. */
export interface OperatorSettings {
  /** Undefined: no server mail rules. */
  readonly mailRules: MailRulesSettings | undefined;
  readonly journaling: JournalingSettings;
  readonly routingLog: RoutingLogSettings;
}

/** The gateway.json fields this file reads. */
export const OPERATOR_FIELDS = ['mailRules', 'journaling', 'routingLog'] as const;

/** The defaults when gateway.json names none. */
export const DEFAULT_OPERATOR_SETTINGS: OperatorSettings = {
  mailRules: undefined,
  journaling: { folder: 'mailjrn' },
  routingLog: { logMailRouting: 20, debugRouter: 0 },
};

/** Reads `mailRules`, `journaling` and `routingLog` of gateway.json. */
export function readOperatorSettings(r: FieldReader, o: Record<string, unknown>): OperatorSettings {
  let mailRules: MailRulesSettings | undefined;
  if (o['mailRules'] !== undefined) {
    const m = r.object(o['mailRules'], 'mailRules');
    r.known(m, 'mailRules', ['file', 'checkIntervalMs', 'maxRules']);
    mailRules = {
      file: r.string(m, 'file', 'mailRules'),
      checkIntervalMs: r.integer(m, 'checkIntervalMs', 'mailRules', 120_000, 50, 86_400_000),
      maxRules: r.integer(m, 'maxRules', 'mailRules', 100, 1, 10_000),
    };
  }
  const j = r.object(o['journaling'], 'journaling');
  r.known(j, 'journaling', ['folder']);
  const l = r.object(o['routingLog'], 'routingLog');
  r.known(l, 'routingLog', ['logMailRouting', 'debugRouter']);
  const level = r.integer(l, 'logMailRouting', 'routingLog', 20, 10, 40);
  if (![10, 20, 30, 40].includes(level))
    r.fail('routingLog.logMailRouting', `must be 10, 20, 30 or 40, got ${level}`);
  return {
    mailRules,
    journaling: { folder: r.string(j, 'folder', 'journaling', 'mailjrn') },
    routingLog: {
      logMailRouting: ([10, 20, 30, 40].includes(level) ? level : 20) as LogMailRouting,
      debugRouter: r.integer(l, 'debugRouter', 'routingLog', 0, 0, 3) as DebugRouter,
    },
  };
}

/** The rules file's absolute path. */
export function mailRulesPath(configDir: string, settings: MailRulesSettings): string {
  return isAbsolute(settings.file) ? settings.file : resolve(configDir, settings.file);
}

/** The journal store's absolute folder. */
export function journalFolder(dataDir: string, settings: JournalingSettings): string {
  return isAbsolute(settings.folder) ? settings.folder : resolve(dataDir, settings.folder);
}

/** Loads the rules file once: its problems as configuration errors naming the file (none when fine). */
export async function checkMailRulesFile(
  configDir: string,
  settings: MailRulesSettings | undefined,
): Promise<ConfigError[]> {
  if (settings === undefined) return [];
  const loaded = await loadMailRulesFile(mailRulesPath(configDir, settings), { maxRules: settings.maxRules });
  if (loaded.ok) return [];
  return loaded.reason.problems.map((p) => new ConfigError(settings.file, '', p));
}

/** A `--log-mail-routing` / `--debug-router` value, or an error text. */
export function parseRoutingLogFlag(
  flag: 'log-mail-routing' | 'debug-router',
  text: string,
): LogMailRouting | DebugRouter | string {
  const allowed = flag === 'log-mail-routing' ? ['10', '20', '30', '40'] : ['0', '1', '2', '3'];
  return allowed.includes(text)
    ? (Number(text) as LogMailRouting | DebugRouter)
    : `--${flag} must be one of ${allowed.join(', ')}, got ${JSON.stringify(text)}`;
}
