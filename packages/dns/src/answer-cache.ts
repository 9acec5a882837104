/**
 * The positive and negative answer cache over lru-cache. Expiry is checked against the injected clock
 * (not lru-cache's own timers), so tests of TTL expiry are exact and no timer keeps a process alive.
 */
import { LRUCache } from 'lru-cache';
import type { DnsRecord, Rcode } from './types.js';

/** A cached positive answer: the records of the asked type, after following CNAMEs. */
export interface PositiveEntry {
  /** Discriminator. */
  readonly kind: 'positive';
  /** Records of the asked type. */
  readonly records: readonly DnsRecord[];
  /** Clock time (ms) after which the entry is stale. */
  readonly expiresAt: number;
}

/** A cached not-found answer (NXDOMAIN or NODATA). */
export interface NegativeEntry {
  /** Discriminator. */
  readonly kind: 'negative';
  /** NXDOMAIN or NODATA. */
  readonly rcode: Rcode;
  /** The code of the error thrown on a hit. */
  readonly code: 'ENOTFOUND' | 'ENODATA';
  /** Clock time (ms) after which the entry is stale. */
  readonly expiresAt: number;
  /**
   * The error hits reject with, made at the first hit and shared by the later ones: a relay host
   * with no AAAA record is asked on every transfer, and a new error (with its stack trace) each
   * time was a measurable share of a relayed message's cost.
   */
  hitError?: Error;
}

/** An entry of the answer cache. */
export type CacheEntry = PositiveEntry | NegativeEntry;

/** A bounded map whose entries expire by the injected clock. */
export class ExpiringCache<V extends { readonly expiresAt: number }> {
  readonly #lru: LRUCache<string, V>;

  /** A cache of at most `max` entries. */
  constructor(max: number) {
    this.#lru = new LRUCache<string, V>({ max });
  }

  /** The live entry for `key` at time `now`; stale entries are dropped. */
  get(key: string, now: number): V | undefined {
    const v = this.#lru.get(key);
    if (v === undefined) return undefined;
    if (v.expiresAt <= now) {
      this.#lru.delete(key);
      return undefined;
    }
    return v;
  }

  /** Store an entry (entries already stale are not stored). */
  set(key: string, value: V, now: number): void {
    if (value.expiresAt > now) this.#lru.set(key, value);
  }

  /** Number of entries held (stale ones included until touched). */
  get size(): number {
    return this.#lru.size;
  }

  /** Drop everything. */
  clear(): void {
    this.#lru.clear();
  }
}
