import type { Clock } from './types.js';

/**
 * The real clock: `Date.now()` and the global timers. Timers are unref'd so a pending retry wait
 * never keeps a process alive on its own.
 */
export function createSystemClock(): Clock {
  return {
    now: () => Date.now(),
    setTimeout(callback, ms) {
      const t = setTimeout(callback, ms);
      t.unref?.();
      return t;
    },
    clearTimeout(handle) {
      clearTimeout(handle as ReturnType<typeof setTimeout>);
    },
  };
}
