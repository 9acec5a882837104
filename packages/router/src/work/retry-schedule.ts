/**
 * Domino's transfer retry schedule (seed 000, TN #1089949, Configuration Settings "Transfer
 * Controls: Initial transfer retry interval", default 15 minutes): the first retry comes after
 * one interval, the second after two, and every later one after three.
 */

/** The default initial transfer retry interval: 15 minutes. */
export const DEFAULT_TRANSFER_RETRY_INTERVAL_MS = 15 * 60 * 1000;

/**
 * How long to wait after the `failures`-th failed attempt (1 for the first failure) before the
 * next one: 1x, 2x, then 3x the interval.
 */
export function retryDelayMs(failures: number, intervalMs: number): number {
  const n = Math.max(1, Math.floor(failures));
  return intervalMs * Math.min(n, 3);
}
