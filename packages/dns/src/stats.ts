/**
 * The statistics counters (Domino's `show stat` style); the per-query detail goes to the logger.
 */

/** Counters since the resolver was created (Domino's `show stat` style). */
export interface DnsStats {
  /** Calls to the resolver's lookup methods, counting each record lookup they make. */
  readonly lookups: number;
  /** Questions sent upstream (every attempt counts). */
  readonly queries: number;
  /** Answers served from the positive caches. */
  readonly cacheHits: number;
  /** Not-found answers served from the negative cache. */
  readonly negativeHits: number;
  /** Lookups that joined an identical query already in flight. */
  readonly coalesced: number;
  /** Attempts that got no answer within their wait. */
  readonly timeouts: number;
  /** Attempts after the first. */
  readonly retries: number;
  /** Lookups that ended in a temporary failure. */
  readonly temporaryFailures: number;
  /** Lookups that ended in a not-found that will not change (including negative-cache hits). */
  readonly notFound: number;
  /** Address lookups answered from the local hosts table. */
  readonly hostsTableHits: number;
}

/** Mutable counters behind {@link DnsStats}; one per resolver instance. */
export type MutableStats = { -readonly [K in keyof DnsStats]: number };

/** Fresh zeroed counters. */
export function newStats(): MutableStats {
  return {
    lookups: 0,
    queries: 0,
    cacheHits: 0,
    negativeHits: 0,
    coalesced: 0,
    timeouts: 0,
    retries: 0,
    temporaryFailures: 0,
    notFound: 0,
    hostsTableHits: 0,
  };
}
