/**
 * A declarative in-memory zone for tests and offline use. It tells "no such name" (NXDOMAIN) from
 * "no record of this type" (NODATA, including empty non-terminals), follows CNAMEs inside the zone the
 * way an authoritative server does, can be told to fail a name (SERVFAIL, REFUSED, never answer), and
 * records every question it is asked so a test can assert the exact lookups made.
 */
import { normalizeName } from './names.js';
import type { DnsQuestion, DnsRecord, DnsTransport, Rcode, TransportAnswer } from './types.js';

/** The records at one name of a {@link StaticZone}. */
export interface StaticZoneEntry {
  /** TTL in seconds for every record here; default 300. */
  readonly ttl?: number;
  /** IPv4 addresses. */
  readonly A?: readonly string[];
  /** IPv6 addresses. */
  readonly AAAA?: readonly string[];
  /** Mail exchangers; `exchange: '.'` or `''` with preference 0 is a null MX. */
  readonly MX?: readonly { readonly preference: number; readonly exchange: string }[];
  /** Text records; a string array is one record split into several character-strings. */
  readonly TXT?: readonly (string | readonly string[])[];
  /** Pointer targets. */
  readonly PTR?: readonly string[];
  /** Alias target (a name with a CNAME has no other records). */
  readonly CNAME?: string;
  /** Make every question about this name fail this way; `TIMEOUT` never answers until aborted. */
  readonly fail?: 'SERVFAIL' | 'REFUSED' | 'TIMEOUT';
}

/** Names (any case, trailing dot optional) to their records. */
export type StaticZone = Readonly<Record<string, StaticZoneEntry>>;

/** The static transport, with the log of questions it was asked. */
export interface StaticTransport extends DnsTransport {
  /** Every question asked, in order, as `"TYPE name"` (for example `"MX example.com"`). */
  readonly queries: readonly string[];
}

/** How many CNAMEs the zone follows before giving up, like an authoritative server's chain limit. */
const MAX_CHAIN = 8;

function bare(name: string): string {
  return (normalizeName(name) ?? name.toLowerCase()).replace(/\.$/, '');
}

function recordsAt(name: string, entry: StaticZoneEntry, type: DnsQuestion['type']): DnsRecord[] {
  const ttl = entry.ttl ?? 300;
  switch (type) {
    case 'A':
      return (entry.A ?? []).map((address) => ({ type, name, ttl, address }));
    case 'AAAA':
      return (entry.AAAA ?? []).map((address) => ({ type, name, ttl, address }));
    case 'MX':
      return (entry.MX ?? []).map((mx) => ({
        type,
        name,
        ttl,
        preference: mx.preference,
        exchange: mx.exchange === '.' ? '' : bare(mx.exchange),
      }));
    case 'TXT':
      return (entry.TXT ?? []).map((t) => ({
        type,
        name,
        ttl,
        strings: typeof t === 'string' ? [t] : [...t],
      }));
    case 'PTR':
      return (entry.PTR ?? []).map((t) => ({ type, name, ttl, target: bare(t) }));
    case 'CNAME':
      return entry.CNAME === undefined ? [] : [{ type, name, ttl, target: bare(entry.CNAME) }];
  }
}

/** Build a transport that answers from `zone`. The zone is copied; later edits to it are not seen. */
export function createStaticTransport(zone: StaticZone): StaticTransport {
  const names = new Map<string, StaticZoneEntry>();
  for (const [name, entry] of Object.entries(zone)) names.set(bare(name), { ...entry });
  const queries: string[] = [];

  const exists = (name: string): boolean => {
    if (names.has(name)) return true;
    for (const n of names.keys()) if (n.endsWith(`.${name}`)) return true; // empty non-terminal
    return false;
  };

  const answer = (question: DnsQuestion): TransportAnswer | 'hang' => {
    const records: DnsRecord[] = [];
    let name = bare(question.name);
    for (let hop = 0; hop <= MAX_CHAIN; hop++) {
      const entry = names.get(name);
      if (entry?.fail === 'TIMEOUT') return 'hang';
      if (entry?.fail) return { rcode: entry.fail as Rcode, records: [] };
      if (!entry) {
        if (records.length > 0) return { rcode: 'NOERROR', records };
        return { rcode: exists(name) ? 'NODATA' : 'NXDOMAIN', records: [] };
      }
      if (entry.CNAME !== undefined && question.type !== 'CNAME') {
        const [cname] = recordsAt(name, entry, 'CNAME');
        records.push(cname!);
        name = (cname as { target: string }).target;
        continue;
      }
      records.push(...recordsAt(name, entry, question.type));
      return records.length === 0 ? { rcode: 'NODATA', records: [] } : { rcode: 'NOERROR', records };
    }
    return { rcode: 'NOERROR', records }; // chain too long: return what we have, the resolver bounds it too
  };

  return {
    queries,
    query(question, { signal }) {
      queries.push(`${question.type} ${bare(question.name)}`);
      return new Promise((resolve, reject) => {
        if (signal.aborted) return reject(signal.reason);
        const result = answer(question);
        if (result !== 'hang') return resolve(result);
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      });
    },
  };
}
