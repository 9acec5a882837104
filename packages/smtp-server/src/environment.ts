/**
 * The non-deterministic things a server needs, as interfaces: the clock, timers, queue ids and
 * the logger. The server never reads the clock or starts a timer except through these, so tests
 * hand in fakes and drive time by hand.
 */
import { randomBytes } from 'node:crypto';

/** Reads the current time. */
export interface Clock {
  /** Now. */
  now(): Date;
}

/** An opaque handle returned by {@link Timers.setTimeout}. */
export type TimerHandle = unknown;

/** Schedules callbacks; the session uses it for the RFC 5321 4.5.3.2 timeouts. */
export interface Timers {
  /** Runs `callback` once after `ms` milliseconds. */
  setTimeout(callback: () => void, ms: number): TimerHandle;
  /** Cancels a pending callback; a handle that already ran or was cleared is ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/**
 * A pino-compatible logger: each method takes a context object and a message. A pino logger
 * (or a child of one) can be passed as it is.
 */
export interface Logger {
  /** Detail: commands, replies and protocol data, per `SMTPDebug`/`SMTPDebugIO`. */
  debug(context: object, message: string): void;
  /** Session starts and ends, TLS, authentication. */
  info(context: object, message: string): void;
  /** Refused connections, timeouts, limits reached. */
  warn(context: object, message: string): void;
  /** Backend failures and broken invariants. */
  error(context: object, message: string): void;
}

/** Makes the id of a session or of a message (used in the Received header and the 250 reply). */
export type IdSource = () => string;

/** The clock of the machine. */
export const systemClock: Clock = Object.freeze({ now: () => new Date() });

/** Node's timers; each timer is `unref`ed so an idle server never holds the process alive alone. */
export const systemTimers: Timers = Object.freeze({
  setTimeout(callback: () => void, ms: number): TimerHandle {
    const t = setTimeout(callback, ms);
    t.unref();
    return t;
  },
  clearTimeout(handle: TimerHandle): void {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
});

/** Random 12-character upper-case base32 ids (60 bits), like a queue id. */
export const randomIds: IdSource = () => {
  const bytes = randomBytes(8);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let out = '';
  let acc = 0n;
  for (const b of bytes) acc = (acc << 8n) | BigInt(b);
  for (let i = 0; i < 12; i++) {
    out += alphabet[Number(acc & 31n)];
    acc >>= 5n;
  }
  return out;
};

/** A logger that drops everything. */
export const silentLogger: Logger = Object.freeze({
  debug() {},
  info() {},
  warn() {},
  error() {},
});
