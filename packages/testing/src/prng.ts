/**
 * A seeded source of random numbers for bounded fuzz tests and shuffles: the same seed gives the
 * same sequence on every run and every machine, so a failing case can be replayed from its seed.
 * mulberry32: 32 bits of state, fast, good enough for test data (not for anything secret).
 */
import { type RandomSource, seededRandomSource } from '@mailroute/envelope';

/** A seeded generator with the helpers fuzz tests keep rewriting. */
export interface SeededRandom {
  /** The next number in [0, 1). Pass `random.next` wherever a `RandomSource` (envelope's `() => number`) is taken. */
  readonly next: RandomSource;
  /** The seed it started from, to print beside a failure. */
  readonly seed: number;
  /** An integer in [min, max] (both included). Throws RangeError when max < min. */
  int(min: number, max: number): number;
  /** One element of a non-empty list. Throws RangeError on an empty list. */
  pick<T>(list: readonly T[]): T;
  /** `length` random octets. */
  bytes(length: number): Buffer;
  /** True with probability `p` (0 to 1). */
  chance(p: number): boolean;
}

/**
 * mulberry32 over an unsigned 32-bit seed: the function the SDK's own fuzz tests use. It is
 * `@mailroute/envelope`'s `seededRandomSource` (one implementation in the repository; the router's
 * conformance suite, below this package, needs it too).
 */
export const prng: (seed: number) => RandomSource = seededRandomSource;

/** A {@link SeededRandom} started from `seed` (any number; it is taken modulo 2^32). */
export function seededRandom(seed: number): SeededRandom {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${String(seed)}`);
  const next = prng(seed);
  const int = (min: number, max: number): number => {
    if (!Number.isInteger(min) || !Number.isInteger(max) || max < min) {
      throw new RangeError(`int(min, max) needs integers with min <= max, got ${min}, ${max}`);
    }
    return min + Math.floor(next() * (max - min + 1));
  };
  return {
    next,
    seed,
    int,
    pick<T>(list: readonly T[]): T {
      if (list.length === 0) throw new RangeError('pick() needs a non-empty list');
      return list[int(0, list.length - 1)] as T;
    },
    bytes(length: number): Buffer {
      if (!Number.isInteger(length) || length < 0)
        throw new RangeError(`bytes(length): bad length ${length}`);
      const out = Buffer.allocUnsafe(length);
      for (let i = 0; i < length; i++) out[i] = Math.floor(next() * 256);
      return out;
    },
    chance(p: number): boolean {
      return next() < p;
    },
  };
}
