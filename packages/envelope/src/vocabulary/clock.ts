/**
 * The SDK's one clock. Every package that reads the time or waits takes a `Clock` option and
 * never calls `Date.now()` or `setTimeout` itself, so tests hand in a fake and drive time by hand
 * (TTL expiry, retry schedules, SMTP timeouts run instantly and exactly).
 */

/** An opaque handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = unknown;

/** The time source and its timers. */
export interface Clock {
  /** Milliseconds since the Unix epoch, as `Date.now()`; `new Date(clock.now())` is a date. */
  now(): number;
  /** Calls `callback` once after `ms` milliseconds. */
  setTimeout(callback: () => void, ms: number): TimerHandle;
  /** Cancels a pending callback; a handle that already ran or was cleared is ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/**
 * The machine's clock and Node's timers. Each timer is `unref`ed: a pending timeout of an idle
 * server or client never keeps the process alive on its own.
 */
export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  setTimeout(callback: () => void, ms: number): TimerHandle {
    const timer = setTimeout(callback, ms);
    timer.unref();
    return timer;
  },
  clearTimeout(handle: TimerHandle): void {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
});

/**
 * Resolves after `ms` milliseconds of `clock` time, or rejects with the signal's reason when
 * `signal` aborts first. The timer is cleared on abort, so nothing is left pending.
 */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clock.clearTimeout(handle);
      reject(signal?.reason);
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
