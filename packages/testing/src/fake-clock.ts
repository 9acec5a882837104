/**
 * A clock that moves only when the test says so, in the SDK's shared `Clock` shape
 * (`@mailroute/envelope`): every option that takes a clock takes this one, so TTL expiry, retry
 * schedules and SMTP timeouts run instantly and exactly.
 */
import type { Clock, TimerHandle } from '@mailroute/envelope';

interface Timer {
  readonly id: number;
  readonly at: number;
  readonly callback: () => void;
}

/** Options of {@link FakeClock}. */
export interface FakeClockOptions {
  /** The starting time, epoch milliseconds or a Date. Default 2026-11-21T10:00:00Z. */
  readonly start?: number | Date;
  /** Most timers {@link FakeClock.runAll} fires before it gives up (a timer that re-arms itself). Default 10000. */
  readonly maxTimersPerRun?: number;
}

/** The default start: a fixed date, so Received headers and logs in tests are reproducible. */
export const FAKE_CLOCK_START_MS = Date.UTC(2026, 10, 21, 10, 0, 0);

/** Lets every pending promise callback (and I/O callback) run once. */
export function flushPromises(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A manual clock. `now()` is epoch ms; timers fire in due order (equal times in the order they
 * were set) when the test calls {@link FakeClock.advance}, {@link FakeClock.tick} or
 * {@link FakeClock.runAll}.
 */
export class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  #timers: Timer[] = [];
  readonly #maxTimersPerRun: number;
  /** Every delay passed to `setTimeout`, in order: a test asserts a retry schedule with it. */
  readonly delays: number[] = [];

  constructor(options: FakeClockOptions = {}) {
    const start = options.start ?? FAKE_CLOCK_START_MS;
    this.#now = typeof start === 'number' ? start : start.getTime();
    if (!Number.isFinite(this.#now)) throw new RangeError(`start must be a valid time, got ${String(start)}`);
    const max = options.maxTimersPerRun ?? 10000;
    if (!Number.isInteger(max) || max <= 0) {
      throw new RangeError(`maxTimersPerRun must be a positive integer, got ${String(max)}`);
    }
    this.#maxTimersPerRun = max;
  }

  /** Milliseconds since the Unix epoch. */
  now(): number {
    return this.#now;
  }

  /** Schedules `callback` at `now() + ms` (a negative or NaN delay counts as 0, as in Node). */
  setTimeout(callback: () => void, ms: number): TimerHandle {
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const id = ++this.#seq;
    this.delays.push(ms);
    this.#timers.push({ id, at: this.#now + delay, callback });
    return id;
  }

  /** Cancels a timer; unknown or fired handles are ignored. */
  clearTimeout(handle: TimerHandle): void {
    this.#timers = this.#timers.filter((t) => t.id !== handle);
  }

  /** How many timers are waiting. */
  get pending(): number {
    return this.#timers.length;
  }

  /** When the next timer is due (epoch ms), or undefined when none waits. */
  get nextDueMs(): number | undefined {
    return this.#next(Number.POSITIVE_INFINITY)?.at;
  }

  /**
   * Moves time forward by `ms` synchronously, firing due timers in order. Promise callbacks
   * scheduled by a timer do not run in between: use {@link FakeClock.advance} for async code.
   */
  tick(ms: number): void {
    const target = this.#target(ms);
    for (let fired = 0; ; fired++) {
      const due = this.#next(target);
      if (due === undefined) break;
      this.#guard(fired);
      this.#fire(due);
    }
    this.#now = target;
  }

  /**
   * Moves time forward by `ms`, firing due timers in order and letting promises settle before
   * and after each one, so code that awaits between timers (a retry loop) runs as it would.
   */
  async advance(ms: number): Promise<void> {
    const target = this.#target(ms);
    await flushPromises();
    for (let fired = 0; ; fired++) {
      const due = this.#next(target);
      if (due === undefined) break;
      this.#guard(fired);
      this.#fire(due);
      await flushPromises();
    }
    this.#now = target;
    await flushPromises();
  }

  /**
   * Fires every timer, including those set by the timers it fires, moving time to each one's due
   * time, with promises settling in between. Throws RangeError past `maxTimersPerRun` timers
   * (code that re-arms a timer forever would otherwise hang the test).
   */
  async runAll(): Promise<void> {
    await flushPromises();
    for (let fired = 0; ; fired++) {
      const due = this.#next(Number.POSITIVE_INFINITY);
      if (due === undefined) break;
      this.#guard(fired);
      this.#fire(due);
      await flushPromises();
    }
  }

  /** Sets the time (epoch ms or a Date) without firing anything; it cannot go backwards. */
  setTime(time: number | Date): void {
    const ms = typeof time === 'number' ? time : time.getTime();
    if (!Number.isFinite(ms) || ms < this.#now) {
      throw new RangeError(`setTime cannot move the clock backwards or to an invalid time (${String(time)})`);
    }
    this.#now = ms;
  }

  #target(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`time moves forward only: got ${String(ms)} ms`);
    return this.#now + ms;
  }

  #guard(fired: number): void {
    if (fired >= this.#maxTimersPerRun) {
      throw new RangeError(
        `more than ${this.#maxTimersPerRun} timers fired in one run: a timer that re-arms itself forever?`,
      );
    }
  }

  #next(limit: number): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.#timers) {
      if (t.at > limit) continue;
      if (best === undefined || t.at < best.at || (t.at === best.at && t.id < best.id)) best = t;
    }
    return best;
  }

  #fire(timer: Timer): void {
    this.#timers = this.#timers.filter((t) => t !== timer);
    if (timer.at > this.#now) this.#now = timer.at;
    timer.callback();
  }
}
