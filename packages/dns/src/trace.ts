/**
 * The debug trace (Domino's `Debug_TCP_Resolver`) and the statistics counters.
 */
import type { Rcode, RecordType } from './types.js';

/** What happened, in the order it happened. */
export type DnsTraceKind =
  | 'cache-hit'
  | 'negative-hit'
  | 'coalesced'
  | 'query'
  | 'answer'
  | 'timeout'
  | 'retry-wait'
  | 'hosts-table';

/** One trace event. */
export interface DnsTraceEvent {
  /** What happened. */
  readonly kind: DnsTraceKind;
  /** The name concerned. */
  readonly qname: string;
  /** The record type concerned. */
  readonly qtype: RecordType;
  /** Clock time in ms. */
  readonly at: number;
  /** Attempt number (0 = first) for query, answer, timeout and retry-wait. */
  readonly attempt?: number;
  /** The rcode of an answer. */
  readonly rcode?: Rcode;
  /** Wait in ms (retry-wait) or other detail. */
  readonly waitMs?: number;
  /** Free text from the transport. */
  readonly detail?: string;
}

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
  /** Lookups that ended in a permanent not-found (including negative-cache hits). */
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
