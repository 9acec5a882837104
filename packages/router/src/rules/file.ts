/**
 * The rules file (JSON) and its watcher. Domino keeps the rules in the Configuration Settings
 * document and the Server task reloads them when it sees a change (about every five minutes);
 * here a JSON file is polled with an injected clock, and a broken new version is logged and
 * ignored: the last good rules stay in force.
 *
 * The file is `{ "maxRules"?: number, "rules": [ MailRule, ... ] }` or just the array of rules.
 */
import { readFile, stat } from 'node:fs/promises';
import {
  type Clock,
  failed,
  type Logger,
  ok,
  type Result,
  silentLogger,
  systemClock,
} from '@mailroute/envelope';
import {
  type CompiledMailRules,
  type CompileMailRulesOptions,
  compileMailRules,
  type MailRulesReason,
  rulesReason,
} from './compile.js';

/** Reads a rules file's text and state; injectable for tests. */
export interface RulesFileSystem {
  stat(path: string): Promise<{ readonly mtimeMs: number; readonly size: number }>;
  readFile(path: string): Promise<string>;
}

const nodeFileSystem: RulesFileSystem = {
  stat: (path) => stat(path),
  readFile: (path) => readFile(path, 'utf8'),
};

/** Parses and compiles the rules file's text. A `maxRules` in the file is used unless `options.maxRules` is given. */
export function parseMailRulesJson(
  text: string,
  options: CompileMailRulesOptions = {},
): Result<CompiledMailRules, MailRulesReason> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return failed(rulesReason('ROUTER_RULES_BAD_JSON', [`file: not JSON (${(error as Error).message})`]));
  }
  if (Array.isArray(data)) return compileMailRules(data, options);
  if (typeof data !== 'object' || data === null)
    return failed(rulesReason('ROUTER_RULES_INVALID', ['file: must be an object with "rules" or an array']));
  const o = data as Record<string, unknown>;
  const problems = Object.keys(o)
    .filter((k) => k !== 'rules' && k !== 'maxRules')
    .map((k) => `${k}: unknown field`);
  if (problems.length > 0) return failed(rulesReason('ROUTER_RULES_INVALID', problems));
  if (o.maxRules !== undefined && typeof o.maxRules !== 'number')
    return failed(rulesReason('ROUTER_RULES_BAD_OPTION', ['maxRules: must be a number']));
  return compileMailRules(o.rules, {
    ...(o.maxRules === undefined ? {} : { maxRules: o.maxRules as number }),
    ...options,
  });
}

/** Reads and compiles a rules file. */
export async function loadMailRulesFile(
  path: string,
  options: CompileMailRulesOptions & { readonly fs?: RulesFileSystem } = {},
): Promise<Result<CompiledMailRules, MailRulesReason>> {
  let text: string;
  try {
    text = await (options.fs ?? nodeFileSystem).readFile(path);
  } catch (error) {
    return failed({
      ...rulesReason('ROUTER_RULES_UNREADABLE', [`${path}: ${(error as Error).message}`]),
      temporary: true,
    });
  }
  return parseMailRulesJson(text, options);
}

/** Where the Router reads its current rules: a fixed set, or a watcher. */
export interface MailRulesSource {
  /** The rules in force now. */
  current(): CompiledMailRules;
}

/** Options of {@link watchMailRulesFile}. */
export interface WatchMailRulesOptions extends CompileMailRulesOptions {
  readonly path: string;
  /** How often the file is looked at. Default 5 minutes (Domino's Server task checks the Configuration Settings about every five minutes). */
  readonly pollIntervalMs?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly fs?: RulesFileSystem;
  /** Called after new rules took effect. */
  readonly onReload?: (rules: CompiledMailRules) => void;
}

/** A rules file being watched. */
export interface MailRulesWatcher extends MailRulesSource {
  /** Reloads now if the file changed; resolves true when new rules took effect. */
  check(): Promise<boolean>;
  /** How many times rules took effect (1 after the first load). */
  readonly generation: number;
  /** The reason the last changed version was refused, while the last good rules are in force. */
  readonly lastError: MailRulesReason | undefined;
  /** Stops polling. */
  close(): void;
}

/**
 * Loads the rules file and watches it. Fails (nothing watched) when the first load fails: a
 * server should not start without the rules it was given. Later broken versions are logged at
 * error and ignored.
 */
export async function watchMailRulesFile(
  options: WatchMailRulesOptions,
): Promise<Result<MailRulesWatcher, MailRulesReason>> {
  const fs = options.fs ?? nodeFileSystem;
  const clock = options.clock ?? systemClock;
  const logger = (options.logger ?? silentLogger).child({ component: 'mail-rules', path: options.path });
  const pollIntervalMs = options.pollIntervalMs ?? 5 * 60_000;
  if (!Number.isSafeInteger(pollIntervalMs) || pollIntervalMs < 1)
    return failed(
      rulesReason('ROUTER_RULES_BAD_OPTION', ['pollIntervalMs: must be a whole number of 1 or more']),
    );
  const compileOptions = options.maxRules === undefined ? {} : { maxRules: options.maxRules };
  const signature = async (): Promise<string | undefined> => {
    try {
      const s = await fs.stat(options.path);
      return `${s.mtimeMs}:${s.size}`;
    } catch {
      return undefined;
    }
  };
  const firstSignature = await signature();
  const first = await loadMailRulesFile(options.path, { ...compileOptions, fs });
  if (!first.ok) return first;
  let rules = first.value;
  let seen = firstSignature;
  let generation = 1;
  let lastError: MailRulesReason | undefined;
  let timer: unknown;
  let closed = false;
  let checking: Promise<boolean> | undefined;
  logger.info({ rules: rules.rules.length }, 'Mail rules loaded');

  const checkOnce = async (): Promise<boolean> => {
    const now = await signature();
    if (now === seen) return false;
    if (now === undefined) {
      if (lastError?.code !== 'ROUTER_RULES_UNREADABLE') {
        lastError = rulesReason('ROUTER_RULES_UNREADABLE', [`${options.path}: gone`]);
        logger.error(
          { problems: lastError.problems },
          'Mail rules file unreadable; the last good rules stay in force',
        );
      }
      return false;
    }
    const next = await loadMailRulesFile(options.path, { ...compileOptions, fs });
    seen = now;
    if (!next.ok) {
      lastError = next.reason;
      logger.error(
        { code: next.reason.code, problems: next.reason.problems },
        'Mail rules file refused; the last good rules stay in force',
      );
      return false;
    }
    rules = next.value;
    generation++;
    lastError = undefined;
    logger.info({ rules: rules.rules.length, generation }, 'Mail rules reloaded');
    options.onReload?.(rules);
    return true;
  };
  const check = (): Promise<boolean> => {
    // One check at a time: a timer firing during a manual check joins it.
    checking ??= checkOnce().finally(() => {
      checking = undefined;
    });
    return checking;
  };
  const arm = (): void => {
    if (closed) return;
    timer = clock.setTimeout(() => {
      void check()
        .catch((error: unknown) => logger.error({ error: String(error) }, 'Mail rules check failed'))
        .finally(arm);
    }, pollIntervalMs);
  };
  arm();
  return ok({
    current: () => rules,
    check,
    get generation() {
      return generation;
    },
    get lastError() {
      return lastError;
    },
    close() {
      closed = true;
      if (timer !== undefined) clock.clearTimeout(timer);
    },
  });
}

/** A fixed rule set as a {@link MailRulesSource}. */
export function staticMailRules(rules: CompiledMailRules): MailRulesSource {
  return { current: () => rules };
}
