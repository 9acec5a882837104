/**
 * MX resolution: from a mail domain to the ordered list of hosts and addresses a client should try.
 */
import type { RandomSource } from '@mailroute/envelope';
import { type AddressDeps, lookupAddresses } from './addresses.js';
import { ExpiringCache } from './answer-cache.js';
import { InflightMap } from './coalesce.js';
import { DnsError, isDnsError } from './errors.js';
import { planMx, type SkippedMx, shuffleEqualPreferences } from './mx.js';
import { addressLiteral, normalizeName } from './names.js';
import type { MxRecord } from './types.js';

/** One exchange with its addresses. */
export interface MxHost {
  /** Host name (or the address literal for a literal domain). */
  readonly exchange: string;
  /** MX preference; 0 for an implicit MX. */
  readonly preference: number;
  /** IPv4 addresses then IPv6 addresses; empty when the lookup failed. */
  readonly addresses: readonly string[];
  /** Why this host has no addresses, when it has none. */
  readonly error?: DnsError;
}

/** The result of `resolveMx`. */
export interface MxResolution {
  /** The mail domain, lower case. */
  readonly domain: string;
  /** True when the domain has no MX and its own address is used (RFC 5321 section 5.1), or it is a literal. */
  readonly implicit: boolean;
  /** Hosts in the order to try: by preference, equal preferences shuffled. */
  readonly hosts: readonly MxHost[];
  /** Every address of `hosts`, in the order to try, without repeats. */
  readonly addresses: readonly string[];
  /** MX records not used, and why. */
  readonly skipped: readonly SkippedMx[];
}

interface CachedMx {
  readonly resolution: MxResolution;
  /** False when no two hosts share a preference: the order is fixed and the value is returned as is. */
  readonly shuffles: boolean;
  readonly expiresAt: number;
}

/** What MX resolution needs from the resolver. */
export interface MxDeps extends AddressDeps {
  readonly random: RandomSource;
  readonly now: () => number;
  readonly maxMxHosts: number;
  readonly minTtlSeconds: number;
}

/** MX resolution with its own cache of whole resolutions (the cached-lookup hot path). */
export class MxResolver {
  readonly #d: MxDeps;
  readonly #cache: ExpiringCache<CachedMx>;
  readonly #inflight = new InflightMap<MxResolution>();

  /** Build one over the resolver's parts. */
  constructor(deps: MxDeps, cacheSize: number) {
    this.#d = deps;
    this.#cache = new ExpiringCache<CachedMx>(cacheSize);
  }

  /** Resolve `domain`; see {@link MxResolution}. */
  resolve(domain: string, signal?: AbortSignal): Promise<MxResolution> {
    const d = this.#d;
    // Hot path: cache keys are normalized names, so a caller passing one hits without re-validating it.
    const quick = this.#cache.get(domain, d.now());
    if (quick) return this.#hit(domain, quick, signal);
    const literal = addressLiteral(domain);
    if (literal !== undefined) {
      const host = { exchange: domain.trim(), preference: 0, addresses: [literal] };
      return Promise.resolve({
        domain: domain.trim(),
        implicit: true,
        hosts: [host],
        addresses: [literal],
        skipped: [],
      });
    }
    const name = normalizeName(domain);
    if (name !== undefined) {
      const hit = this.#cache.get(name, d.now());
      if (hit) return this.#hit(name, hit, signal);
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (name === undefined) return this.#resolveUncached(domain, signal);
    // Identical resolutions in flight are shared, so 10,000 callers cost one set of lookups.
    if (this.#inflight.has(name)) {
      d.stats.lookups++;
      d.stats.coalesced++;
      d.engine.emit('coalesced', name, 'MX');
    }
    return this.#inflight
      .run(name, (shared) => this.#resolveUncached(name, shared), signal)
      .then((r) => this.#order(r));
  }

  #hit(name: string, hit: CachedMx, signal: AbortSignal | undefined): Promise<MxResolution> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const d = this.#d;
    d.stats.lookups++;
    d.stats.cacheHits++;
    d.engine.emit('cache-hit', name, 'MX');
    return Promise.resolve(hit.shuffles ? this.#order(hit.resolution) : hit.resolution);
  }

  #order(r: MxResolution): MxResolution {
    if (r.hosts.length < 2) return r;
    const hosts = shuffleEqualPreferences(r.hosts, this.#d.random);
    return { ...r, hosts, addresses: uniqueAddresses(hosts) };
  }

  async #resolveUncached(domain: string, signal?: AbortSignal): Promise<MxResolution> {
    const d = this.#d;
    const started = d.now();
    let records: readonly MxRecord[] = [];
    let ttl = Number.POSITIVE_INFINITY;
    let implicit = false;
    try {
      const mx = await d.engine.lookup(domain, 'MX', signal);
      records = mx.records.filter((r): r is MxRecord => r.type === 'MX');
      ttl = mx.ttl;
    } catch (e) {
      // No MX records at an existing name: the domain's own address is the implicit MX.
      if (!(isDnsError(e) && e.code === 'ENODATA')) throw e;
      implicit = true;
    }
    const plan = implicit
      ? { nullMx: false, candidates: [{ exchange: domain, preference: 0 }], skipped: [] }
      : planMx(records, d.maxMxHosts);
    if (plan.nullMx) {
      d.stats.notFound++;
      throw new DnsError('ENULLMX', { qname: domain, qtype: 'MX', rcode: 'NOERROR' });
    }
    const hosts = await Promise.all(
      plan.candidates.map(async (c): Promise<MxHost & { ttl: number }> => {
        const [v4, v6] = await Promise.allSettled([
          lookupAddresses(d, c.exchange, 'A', signal),
          lookupAddresses(d, c.exchange, 'AAAA', signal),
        ]);
        const addresses: string[] = [];
        let hostTtl = Number.POSITIVE_INFINITY;
        const errors: unknown[] = [];
        for (const r of [v4, v6]) {
          if (r.status === 'fulfilled') {
            for (const rec of r.value.records) if ('address' in rec) addresses.push(rec.address);
            hostTtl = Math.min(hostTtl, r.value.ttl);
          } else errors.push(r.reason);
        }
        if (signal?.aborted) throw signal.reason;
        for (const err of errors) if (!isDnsError(err)) throw err;
        const typed = errors as DnsError[];
        // Both families failed: report the temporary failure if there was one, it may still resolve later.
        const error = addresses.length > 0 ? undefined : (typed.find((x) => x.temporary) ?? typed[0]);
        return error ? { ...c, addresses, error, ttl: hostTtl } : { ...c, addresses, ttl: hostTtl };
      }),
    );
    const usable = hosts.filter((h) => h.addresses.length > 0);
    if (usable.length === 0) {
      const temp = hosts.find((h) => h.error?.temporary)?.error;
      if (temp) {
        d.stats.temporaryFailures++;
        throw new DnsError(temp.code, {
          qname: domain,
          qtype: 'MX',
          rcode: temp.rcode,
          attempts: temp.attempts,
          detail: `no MX host resolved: ${temp.message}`,
        });
      }
      d.stats.notFound++;
      throw new DnsError('ENOUSABLEMX', {
        qname: domain,
        qtype: 'MX',
        rcode: implicit ? 'NODATA' : 'NOERROR',
      });
    }
    for (const h of hosts) ttl = Math.min(ttl, h.ttl);
    const ordered = hosts.map(({ ttl: _t, ...h }) => h);
    const resolution: MxResolution = {
      domain,
      implicit,
      hosts: ordered,
      addresses: uniqueAddresses(ordered),
      skipped: plan.skipped,
    };
    // A resolution with a temporary host failure is not kept: the next lookup should try that host again.
    const partial = hosts.some((h) => h.error?.temporary === true);
    const keep = Math.max(ttl, d.minTtlSeconds);
    if (!partial && Number.isFinite(keep) && keep > 0) {
      const shuffles = new Set(ordered.map((h) => h.preference)).size < ordered.length;
      this.#cache.set(domain, { resolution, shuffles, expiresAt: started + keep * 1000 }, d.now());
    }
    return resolution;
  }
}

function uniqueAddresses(hosts: readonly MxHost[]): string[] {
  const seen = new Set<string>();
  for (const h of hosts) for (const a of h.addresses) seen.add(a);
  return [...seen];
}
