/**
 * Address (A/AAAA) lookups in Domino's "Host name lookup" order: DNS and the local hosts table.
 */
import { DnsError, isDnsError } from './errors.js';
import type { HostsTable } from './hosts.js';
import type { LookupEngine, LookupResult } from './lookup.js';
import { normalizeName, normalizeRawName } from './names.js';
import type { HostLookupOrder } from './options.js';
import type { MutableStats } from './stats.js';

/** What an address lookup needs. */
export interface AddressDeps {
  readonly engine: LookupEngine;
  readonly hosts: HostsTable;
  readonly order: HostLookupOrder;
  readonly stats: MutableStats;
}

/** TTL reported for answers from the hosts table (it has none; the table is the caller's data). */
const HOSTS_TTL = 0;

/**
 * Addresses of `name` for `type`, in the configured order. With "DNS then local", a DNS failure of
 * either kind falls back to the table; if the table has nothing, the DNS error is thrown (so a
 * temporary DNS failure stays temporary).
 */
export async function lookupAddresses(
  d: AddressDeps,
  name: string,
  type: 'A' | 'AAAA',
  signal?: AbortSignal,
  rawName = false,
): Promise<LookupResult> {
  const qname = rawName ? normalizeRawName(name) : normalizeName(name);
  const local = (): LookupResult | undefined => {
    if (qname === undefined) return undefined;
    const addresses = d.hosts.lookup(qname, type);
    if (addresses.length === 0) return undefined;
    d.stats.hostsTableHits++;
    d.engine.emit('hosts-table', qname, type);
    return {
      records: addresses.map((address) => ({ type, name: qname, ttl: HOSTS_TTL, address })),
      ttl: HOSTS_TTL,
    };
  };
  const dns = () => d.engine.lookup(name, type, signal, rawName);
  switch (d.order) {
    case 'dns-only':
      return dns();
    case 'local-only': {
      const l = local();
      if (l) return l;
      throw new DnsError('ENOTFOUND', {
        qname: qname ?? name,
        qtype: type,
        rcode: 'NXDOMAIN',
        detail: 'not in the local hosts table',
      });
    }
    case 'local-then-dns':
      return local() ?? dns();
    case 'dns-then-local':
      try {
        return await dns();
      } catch (e) {
        if (!isDnsError(e)) throw e;
        const l = local();
        if (l) return l;
        throw e;
      }
  }
}
