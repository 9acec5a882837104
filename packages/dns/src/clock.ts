/**
 * The resolver's default clock: an instance of the SDK's `Clock` (envelope's `systemClock` time),
 * whose timers stay ref'd. envelope's `systemClock` unrefs its timers so an idle server never
 * holds a process alive; a lookup is not idle. After an early SERVFAIL the resolver waits out the
 * rest of the attempt's window with nothing but that timer pending, and a script awaiting the
 * lookup would exit under it (unsettled top-level await). Every wait is bounded by the retry budget.
 */
import { type Clock, systemClock, type TimerHandle } from '@mailroute/envelope';

/** `systemClock.now` with Node's timers left ref'd. */
export const lookupClock: Clock = Object.freeze({
  now: systemClock.now,
  setTimeout: (callback: () => void, ms: number): TimerHandle => setTimeout(callback, ms),
  clearTimeout(handle: TimerHandle): void {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
});
