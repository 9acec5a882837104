/**
 * Coalescing of identical work in flight: the first caller starts it, later callers join it, and
 * the shared work is cancelled only when every waiter has given up (an aborting caller must not
 * cancel the answer others are waiting for).
 */
import { setMaxListeners } from 'node:events';
import { raceAbort } from './abort.js';

/**
 * A shared signal is listened to by every sub-lookup of the work (an MX resolution asks A and AAAA for
 * up to 100 hosts); each listener is removed when its lookup settles, so a high bound is not a leak.
 */
const SHARED_SIGNAL_LISTENERS = 1000;

interface Flight<T> {
  readonly promise: Promise<T>;
  readonly controller: AbortController;
  waiters: number;
}

/** A map of shared promises by key. */
export class InflightMap<T> {
  readonly #flights = new Map<string, Flight<T>>();

  /** True when work for `key` is in flight (the caller will join it). */
  has(key: string): boolean {
    return this.#flights.has(key);
  }

  /** Join the work for `key`, starting it with `start` when none is in flight. */
  run(key: string, start: (signal: AbortSignal) => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    let flight = this.#flights.get(key);
    if (!flight) {
      const controller = new AbortController();
      setMaxListeners(SHARED_SIGNAL_LISTENERS, controller.signal);
      const promise = start(controller.signal).finally(() => {
        this.#flights.delete(key);
      });
      // Every waiter may have gone (aborted); the shared promise must never be an unhandled rejection.
      promise.catch(() => {});
      flight = { promise, controller, waiters: 0 };
      this.#flights.set(key, flight);
    }
    return join(flight, signal);
  }
}

function join<T>(flight: Flight<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) {
    flight.waiters = Number.POSITIVE_INFINITY; // a waiter that cannot abort keeps the work alive
    return flight.promise;
  }
  flight.waiters++;
  const onAbort = () => {
    flight.waiters--;
    if (flight.waiters <= 0) flight.controller.abort(signal.reason);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  const out = raceAbort(flight.promise, signal);
  const detach = () => signal.removeEventListener('abort', onAbort);
  out.then(detach, detach);
  return out;
}
