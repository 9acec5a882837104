import type { Clock } from './types.js';

/**
 * The real clock: `Date.now()` and the global timers. Timers stay ref'd: a script awaiting a lookup
 * that is in a retry wait must not exit under it, and every wait is bounded anyway.
 */
export function createSystemClock(): Clock {
  return {
    now: () => Date.now(),
    setTimeout: (callback, ms) => setTimeout(callback, ms),
    clearTimeout(handle) {
      clearTimeout(handle as ReturnType<typeof setTimeout>);
    },
  };
}
