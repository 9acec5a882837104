/**
 * Resolver options, their defaults (Domino's where Domino has a setting) and their validation.
 * A bad limit is an error, never "no limit": a NaN retry count or cache size would otherwise
 * turn into an unbounded loop or an unbounded cache.
 */
import type { Clock, Logger, RandomSource } from '@mailroute/envelope';
import type { HostsTable } from './hosts.js';
import type { DnsTransport } from './types.js';

/**
 * Domino's "Host name lookup" (Configuration Settings > Router/SMTP > Basics):
 * "Dynamic then local", "Local then dynamic", "Dynamic only", "Local only".
 */
export type HostLookupOrder = 'dns-then-local' | 'local-then-dns' | 'dns-only' | 'local-only';

/** Options of {@link createResolver}. Every field is optional. */
export interface ResolverOptions {
  /** Where answers come from. Default: the wire transport ({@link createUdpTransport}) to `servers`. */
  readonly transport?: DnsTransport;
  /** Servers for the default transport (`"192.0.2.1"`, `"127.0.0.1:5353"`); default: the system's (`dns.getServers()`). */
  readonly servers?: readonly string[];
  /**
   * Time and timers (envelope's `Clock`, epoch ms); default the system clock with ref'd timers, so
   * a script awaiting a lookup in a retry wait does not exit under it.
   */
  readonly clock?: Clock;
  /** Random source for shuffling MX hosts of equal preference; default `Math.random`. */
  readonly random?: RandomSource;
  /**
   * Number of upstream attempts per question (notes.ini `RouterDNSQueryRetryCount`, default 4, Domino
   * recommends 2). Integer 1..10.
   */
  readonly retryCount?: number;
  /**
   * The first attempt's wait in ms; each later attempt waits twice as long as the one before
   * (Domino: "each attempt doubles the wait time starting with 1 sec"). Default 1000. Tests scale it down.
   */
  readonly retryBaseWaitMs?: number;
  /**
   * Seconds to remember NXDOMAIN/NODATA answers (notes.ini `MailDomainNoHitCacheTimeToLive`, default 1800;
   * 0 turns the negative cache off).
   */
  readonly noHitCacheTtlSeconds?: number;
  /** Lowest TTL honoured for positive answers, in seconds; default 0 (a TTL of 0 is not cached). */
  readonly minTtlSeconds?: number;
  /** Highest TTL honoured for positive answers, in seconds; default 86400 (one day). */
  readonly maxTtlSeconds?: number;
  /** Most entries in each cache (answers, MX resolutions); default 10000. */
  readonly cacheMaxEntries?: number;
  /** Domino's "Host name lookup" order for A/AAAA lookups; default `'dns-then-local'`. */
  readonly hostLookupOrder?: HostLookupOrder;
  /** The local hosts table; default empty (see the README: use `loadHostsFile()` for `/etc/hosts`). */
  readonly hosts?: HostsTable;
  /** Most MX hosts resolved to addresses for one domain; default 20. */
  readonly maxMxHosts?: number;
  /**
   * Where per-query events go (notes.ini `Debug_TCP_Resolver=1`), at debug level: a pino logger or
   * any envelope `Logger`. Each record has `event` (`query`, `answer`, `timeout`, `retry-wait`,
   * `cache-hit`, `negative-hit`, `coalesced`, `hosts-table`), `qname`, `qtype`, `at` (clock ms) and,
   * where they apply, `attempt`, `rcode`, `waitMs`, `detail`. Default silent; what it throws is ignored.
   */
  readonly logger?: Logger;
}

/** Options with every default applied. */
export interface ResolvedOptions {
  /** See {@link ResolverOptions.retryCount}. */
  readonly retryCount: number;
  /** See {@link ResolverOptions.retryBaseWaitMs}. */
  readonly retryBaseWaitMs: number;
  /** See {@link ResolverOptions.noHitCacheTtlSeconds}. */
  readonly noHitCacheTtlSeconds: number;
  /** See {@link ResolverOptions.minTtlSeconds}. */
  readonly minTtlSeconds: number;
  /** See {@link ResolverOptions.maxTtlSeconds}. */
  readonly maxTtlSeconds: number;
  /** See {@link ResolverOptions.cacheMaxEntries}. */
  readonly cacheMaxEntries: number;
  /** See {@link ResolverOptions.hostLookupOrder}. */
  readonly hostLookupOrder: HostLookupOrder;
  /** See {@link ResolverOptions.maxMxHosts}. */
  readonly maxMxHosts: number;
}

/** The defaults, Domino's where Domino has a setting. */
export const DEFAULT_OPTIONS: ResolvedOptions = Object.freeze({
  retryCount: 4,
  retryBaseWaitMs: 1000,
  noHitCacheTtlSeconds: 1800,
  minTtlSeconds: 0,
  maxTtlSeconds: 86400,
  cacheMaxEntries: 10000,
  hostLookupOrder: 'dns-then-local',
  maxMxHosts: 20,
});

const ORDERS: readonly HostLookupOrder[] = ['dns-then-local', 'local-then-dns', 'dns-only', 'local-only'];

function integer(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

/** Apply defaults and validate; throws RangeError naming the bad option. */
export function resolveOptions(o: ResolverOptions): ResolvedOptions {
  const minTtlSeconds = integer(
    'minTtlSeconds',
    o.minTtlSeconds,
    DEFAULT_OPTIONS.minTtlSeconds,
    0,
    2 ** 31 - 1,
  );
  const maxTtlSeconds = integer(
    'maxTtlSeconds',
    o.maxTtlSeconds,
    DEFAULT_OPTIONS.maxTtlSeconds,
    0,
    2 ** 31 - 1,
  );
  if (maxTtlSeconds < minTtlSeconds) throw new RangeError('maxTtlSeconds must not be below minTtlSeconds');
  const order = o.hostLookupOrder ?? DEFAULT_OPTIONS.hostLookupOrder;
  if (!ORDERS.includes(order)) throw new RangeError(`hostLookupOrder must be one of ${ORDERS.join(', ')}`);
  return {
    // 10 attempts already wait 1023 base units (17 minutes at 1 s): beyond that no message should wait.
    retryCount: integer(
      'retryCount (RouterDNSQueryRetryCount)',
      o.retryCount,
      DEFAULT_OPTIONS.retryCount,
      1,
      10,
    ),
    retryBaseWaitMs: integer('retryBaseWaitMs', o.retryBaseWaitMs, DEFAULT_OPTIONS.retryBaseWaitMs, 1, 60000),
    noHitCacheTtlSeconds: integer(
      'noHitCacheTtlSeconds (MailDomainNoHitCacheTimeToLive)',
      o.noHitCacheTtlSeconds,
      DEFAULT_OPTIONS.noHitCacheTtlSeconds,
      0,
      2 ** 31 - 1,
    ),
    minTtlSeconds,
    maxTtlSeconds,
    cacheMaxEntries: integer(
      'cacheMaxEntries',
      o.cacheMaxEntries,
      DEFAULT_OPTIONS.cacheMaxEntries,
      1,
      10_000_000,
    ),
    hostLookupOrder: order,
    maxMxHosts: integer('maxMxHosts', o.maxMxHosts, DEFAULT_OPTIONS.maxMxHosts, 1, 100),
  };
}

/** The longest a lookup can wait on upstream in ms: the sum of every attempt's wait, base * (2^count - 1). */
export function totalRetryBudgetMs(retryCount: number, retryBaseWaitMs: number): number {
  return retryBaseWaitMs * (2 ** retryCount - 1);
}
