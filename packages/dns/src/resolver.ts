/**
 * The mail resolver: the public face over the lookup engine, the address order, MX resolution and DNSBL.
 */
import { getServers } from 'node:dns';
import { silentLogger } from '@mailroute/envelope';
import { lookupAddresses } from './addresses.js';
import { lookupClock } from './clock.js';
import { type DnsblResult, queryDnsbl } from './dnsbl.js';
import { emptyHostsTable } from './hosts.js';
import { LookupEngine } from './lookup.js';
import { type MxResolution, MxResolver } from './mx-resolution.js';
import { reverseName } from './names.js';
import { type ResolverOptions, resolveOptions, totalRetryBudgetMs } from './options.js';
import { type DnsStats, newStats } from './stats.js';
import { createUdpTransport } from './udp-transport.js';

/** Per-call options of every lookup. */
export interface LookupOptions {
  /** Cancels the lookup at any point; it then rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /**
   * Query the name as it is given (A, AAAA, TXT and the PTR records of a name): labels may hold
   * spaces and other printable octets, as an SPF domain-spec after macro expansion may (RFC 7208
   * section 4.8). Control characters, empty and over-long labels are still refused. Default false:
   * names with whitespace are refused as `bad-name` without a query.
   */
  readonly rawName?: boolean;
}

/** The mail resolver returned by {@link createResolver}. */
export interface MailResolver {
  /**
   * The hosts and addresses to try for mail to `domain` (RFC 5321 section 5.1). Throws a
   * `DnsError`: `ENULLMX`, `ENOTFOUND`, `ENOUSABLEMX`, `EBADNAME`, or a temporary one.
   */
  resolveMx(domain: string, options?: LookupOptions): Promise<MxResolution>;
  /** IPv4 addresses of `name`, in the configured host name lookup order. */
  resolveA(name: string, options?: LookupOptions): Promise<string[]>;
  /** IPv6 addresses of `name`, in the configured host name lookup order. */
  resolveAaaa(name: string, options?: LookupOptions): Promise<string[]>;
  /** Names for an IP address (the reverse name is built for you), or PTR records of a name. */
  resolvePtr(addressOrName: string, options?: LookupOptions): Promise<string[]>;
  /** TXT records of `name`, each record's character-strings joined (as SPF and DKIM read them). */
  resolveTxt(name: string, options?: LookupOptions): Promise<string[]>;
  /** Ask the block list at `zone` about `address` (IPv4 or IPv6). */
  queryDnsbl(address: string, zone: string, options?: LookupOptions): Promise<DnsblResult>;
  /** A snapshot of the counters. */
  stats(): DnsStats;
  /** The longest a single record lookup waits on upstream before failing, in ms. */
  readonly retryBudgetMs: number;
  /** Release the transport's resources. */
  close(): void;
}

/**
 * Create a mail resolver. Without a `transport`, queries go over the wire transport to `servers`
 * (or the system's servers). Throws RangeError on an invalid option.
 */
export function createResolver(options: ResolverOptions = {}): MailResolver {
  const resolved = resolveOptions(options);
  const clock = options.clock ?? lookupClock;
  // The silent default is dropped here, so a resolver nobody listens to builds no log records.
  const logger = options.logger === silentLogger ? undefined : options.logger;
  const transport = options.transport ?? createUdpTransport({ servers: options.servers ?? getServers() });
  const stats = newStats();
  const engine = new LookupEngine({ transport, clock, options: resolved, stats, logger });
  const addressDeps = {
    engine,
    hosts: options.hosts ?? emptyHostsTable,
    order: resolved.hostLookupOrder,
    stats,
  };
  const mx = new MxResolver(
    {
      ...addressDeps,
      random: options.random ?? Math.random,
      now: () => clock.now(),
      maxMxHosts: resolved.maxMxHosts,
      minTtlSeconds: resolved.minTtlSeconds,
    },
    resolved.cacheMaxEntries,
  );
  const addresses = async (name: string, type: 'A' | 'AAAA', o?: LookupOptions) => {
    const r = await lookupAddresses(addressDeps, name, type, o?.signal, o?.rawName === true);
    return r.records.flatMap((x) => ('address' in x ? [x.address] : []));
  };

  return {
    resolveMx: (domain, o) => mx.resolve(domain, o?.signal),
    resolveA: (name, o) => addresses(name, 'A', o),
    resolveAaaa: (name, o) => addresses(name, 'AAAA', o),
    async resolvePtr(addressOrName, o) {
      const name = reverseName(addressOrName.trim()) ?? addressOrName;
      const r = await engine.lookup(name, 'PTR', o?.signal, o?.rawName === true);
      return r.records.flatMap((x) => ('target' in x ? [x.target] : []));
    },
    async resolveTxt(name, o) {
      const r = await engine.lookup(name, 'TXT', o?.signal, o?.rawName === true);
      return r.records.flatMap((x) => ('strings' in x ? [x.strings.join('')] : []));
    },
    queryDnsbl: (address, zone, o) => queryDnsbl(engine, address, zone, o?.signal),
    stats: () => ({ ...stats }),
    retryBudgetMs: totalRetryBudgetMs(resolved.retryCount, resolved.retryBaseWaitMs),
    close: () => transport.close?.(),
  };
}
