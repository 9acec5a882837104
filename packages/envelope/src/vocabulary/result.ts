/**
 * The SDK's one result: a value, or a reason (with a reply where one applies). Bad input is data,
 * not an exception: functions that may fail on their input return a `Result` and never throw.
 */
import type { Reason } from './errors.js';

/** Success: the value. */
export interface Ok<T> {
  readonly ok: true;
  readonly value: T;
}

/** Failure: why, as a {@link Reason} (a string `code`, a message, `temporary`, maybe a reply). */
export interface Failed<R extends Reason = Reason> {
  readonly ok: false;
  readonly reason: R;
}

/** A value, or the reason there is none. Check `ok` before using `value`. */
export type Result<T, R extends Reason = Reason> = Ok<T> | Failed<R>;

/** Wraps a value as a success. */
export function ok<T>(value: T): Ok<T> {
  return { ok: true, value };
}

/** Wraps a reason as a failure. */
export function failed<R extends Reason>(reason: R): Failed<R> {
  return { ok: false, reason };
}
