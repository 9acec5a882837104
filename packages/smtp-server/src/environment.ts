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

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const POOL_OCTETS = 4096;

/**
 * Makes an id source of random 12-character upper-case base32 ids (60 bits), like a queue id.
 * Random octets are drawn from the system in pools of 4 KiB: one system call per 512 ids
 * instead of one per id (it showed in the benchmark's profile). Each source owns its pool.
 */
export function createRandomIds(): IdSource {
  let pool = randomBytes(POOL_OCTETS);
  let offset = 0;
  return () => {
    if (offset + 8 > POOL_OCTETS) {
      pool = randomBytes(POOL_OCTETS);
      offset = 0;
    }
    let lo = pool.readUInt32LE(offset);
    let hi = pool.readUInt32LE(offset + 4);
    offset += 8;
    let out = '';
    for (let i = 0; i < 6; i++) {
      out += BASE32[lo & 31];
      lo >>>= 5;
    }
    for (let i = 0; i < 6; i++) {
      out += BASE32[hi & 31];
      hi >>>= 5;
    }
    return out;
  };
}

/** A logger that drops everything. */
export const silentLogger: Logger = Object.freeze({
  debug() {},
  info() {},
  warn() {},
  error() {},
});
