/**
 * The SDK's one logger: the shape of pino's, so a pino logger (or a child of one) is passed as it
 * is, and anything else that has these five methods works too. Every package logs a context
 * object and a message; none logs AUTH secrets, passwords, private keys or message bodies.
 */

/** A pino-compatible logger. */
export interface Logger {
  /** Detail: protocol conversations, decisions with their traces. */
  debug(context: object, message: string): void;
  /** Normal events: sessions, deliveries, transfers. */
  info(context: object, message: string): void;
  /** Something refused, retried or degraded. */
  warn(context: object, message: string): void;
  /** Failures and broken invariants. */
  error(context: object, message: string): void;
  /** A logger that adds `bindings` to every context it logs. */
  child(bindings: object): Logger;
}

/** A logger that drops everything: the default of every package. */
export const silentLogger: Logger = Object.freeze({
  debug() {},
  info() {},
  warn() {},
  error() {},
  child(): Logger {
    return silentLogger;
  },
});

/** The levels of {@link Logger}, lowest first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** One line written by {@link createLineLogger}: the level, the message and the merged context. */
export interface LogRecord {
  readonly level: LogLevel;
  readonly message: string;
  readonly context: Readonly<Record<string, unknown>>;
}

const LEVEL_RANK: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * A small logger for programs without pino: each record at or above `level` goes to `write`
 * (for example one JSON line to stderr). Children merge their bindings into each context.
 */
export function createLineLogger(write: (record: LogRecord) => void, level: LogLevel = 'info'): Logger {
  const floor = LEVEL_RANK[level];
  const make = (bindings: Readonly<Record<string, unknown>>): Logger => {
    const emit =
      (lvl: LogLevel) =>
      (context: object, message: string): void => {
        if (LEVEL_RANK[lvl] < floor) return;
        write({ level: lvl, message, context: { ...bindings, ...(context as Record<string, unknown>) } });
      };
    return {
      debug: emit('debug'),
      info: emit('info'),
      warn: emit('warn'),
      error: emit('error'),
      child: (more: object) => make({ ...bindings, ...(more as Record<string, unknown>) }),
    };
  };
  return make({});
}
