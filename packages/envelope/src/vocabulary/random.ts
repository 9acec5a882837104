/**
 * The SDK's one seeded source of numbers. Options that take randomness (the dns resolver's
 * `random`, which orders MX hosts of equal preference) take a `RandomSource`, the shape of
 * `Math.random`, as timers come from a `Clock`. A test or a conformance suite that must repeat
 * exactly hands in `seededRandomSource(seed)`. It lives here, at the bottom of the house, because
 * code below `@mailroute/testing` needs it too (the router's MailBox conformance suite ships in
 * its src); `@mailroute/testing` re-exports it as `prng` and builds its fuzz helpers on it.
 */

/** A source of numbers in [0, 1), the shape `Math.random` has. */
export type RandomSource = () => number;

/**
 * mulberry32 over an unsigned 32-bit seed (any number, taken modulo 2^32): the same sequence for
 * the same seed on every run and machine. 32 bits of state, fast, good enough for test data and
 * tie-breaking; never for anything secret (use `node:crypto` there).
 */
export function seededRandomSource(seed: number): RandomSource {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
