/**
 * A fake DNS zone declared as data, in the manner of mailauth's `dns-zone` test helper: it tells
 * "no such name" (NXDOMAIN) from "no record of this type" (NODATA, including empty non-terminals),
 * follows CNAMEs inside the zone, answers SERVFAIL or REFUSED, times out or truncates where the
 * declaration says so, and records every question so a test asserts the exact lookups made.
 *
 * It is a `DnsTransport` of `@mailroute/dns`, so the real resolver (caches, retries, MX ordering,
 * typed errors) runs over it; {@link FakeZone.resolver}, {@link FakeZone.keyLookup} and
 * {@link FakeZone.policyDns} hand the same zone to the SDK's other resolver-shaped options.
 */
import type { KeyLookup } from '@mailroute/dkim';
import {
  createResolver,
  type DnsTransport,
  isDnsError,
  type MailResolver,
  type ResolverOptions,
} from '@mailroute/dns';
import type { DnsQuestion, DnsRecord, TransportAnswer } from '@mailroute/dns/wire';
import {
  type AddressAnswer,
  type DnsListAnswer,
  dnsListQueryName,
  type PolicyDns,
  type PtrAnswer,
} from '@mailroute/relay-policy';
import {
  type CheckedName,
  checkDeclaration,
  ownerName,
  type ZoneDeclaration,
  type ZoneFailure,
  type ZoneRecords,
} from './zone-declaration.js';

/** One question the zone was asked. */
export interface ZoneQuery {
  /** The record type. */
  readonly type: DnsQuestion['type'];
  /** The name, lower case without the trailing dot. */
  readonly name: string;
}

/** Resolver options for {@link FakeZone.resolver}; the transport is the zone. */
export type FakeResolverOptions = Omit<ResolverOptions, 'transport' | 'servers'>;

/** A fake zone: a DNS transport with a question log and adapters for the SDK's resolver options. */
export interface FakeZone extends DnsTransport {
  /** Every question asked, in order. */
  readonly queries: readonly ZoneQuery[];
  /** The questions as `"TYPE name"` strings (`"MX example.com"`), in order: handy for `deepEqual`. */
  queryLog(): string[];
  /** Forgets the questions asked so far. */
  clearQueries(): void;
  /** Declares (or replaces) one name while the test runs; validated like the declaration. */
  set(name: string, records: ZoneRecords | ZoneFailure): void;
  /** Removes a name: it becomes NXDOMAIN (or NODATA when names below it exist). */
  remove(name: string): void;
  /**
   * A `@mailroute/dns` resolver over this zone. Defaults differ from the resolver's own so a
   * TIMEOUT fails fast: `retryCount` 1 and `retryBaseWaitMs` 200 (pass a FakeClock as `clock`
   * to drive the wait by hand instead). Other options as given.
   */
  resolver(options?: FakeResolverOptions): MailResolver;
  /** The TXT lookup `@mailroute/dkim`'s verifier takes, over {@link FakeZone.resolver} (caches off). */
  keyLookup(options?: FakeResolverOptions): KeyLookup;
  /** The DNS facts `@mailroute/relay-policy`'s gatherer takes, over {@link FakeZone.resolver}. */
  policyDns(options?: FakeResolverOptions): PolicyDns;
}

/** How many CNAMEs the zone follows, like an authoritative server's chain limit. */
const MAX_CHAIN = 8;

/**
 * Makes a fake zone. Throws `ZoneDeclarationError` (code `TESTING_BAD_ZONE`) naming every bad
 * name and record. The declaration is copied; later edits to the object are not seen (use
 * {@link FakeZone.set}).
 */
export function createFakeZone(declaration: ZoneDeclaration = {}): FakeZone {
  const names = checkDeclaration(declaration);
  const queries: ZoneQuery[] = [];

  const exists = (name: string): boolean => {
    if (names.has(name)) return names.get(name)?.failure !== 'NXDOMAIN';
    for (const n of names.keys()) if (n.endsWith(`.${name}`)) return true; // empty non-terminal
    return false;
  };

  // RFC 4592, simply: a name that does not exist takes the records of `*.<closest encloser>`,
  // where the closest encloser is its nearest existing ancestor; a wildcard further up does not apply.
  const wildcard = (name: string): CheckedName | undefined => {
    const labels = name.split('.');
    for (let i = 1; i < labels.length; i++) {
      const encloser = labels.slice(i).join('.');
      const source = names.get(`*.${encloser}`);
      if (source !== undefined) return source;
      if (exists(encloser)) return undefined;
    }
    return undefined;
  };

  const answer = (question: DnsQuestion, name0: string): TransportAnswer | 'hang' => {
    const records: DnsRecord[] = [];
    let name = name0;
    for (let hop = 0; hop <= MAX_CHAIN; hop++) {
      const entry = names.get(name) ?? (exists(name) ? undefined : wildcard(name));
      if (entry === undefined || entry.failure === 'NXDOMAIN') {
        if (records.length > 0 && entry === undefined && exists(name)) return { rcode: 'NOERROR', records };
        // A dangling alias is NXDOMAIN with the CNAMEs that led there (RFC 6604: the rcode is the last name's).
        if (!exists(name)) return { rcode: 'NXDOMAIN', records };
        return records.length > 0 ? { rcode: 'NOERROR', records } : { rcode: 'NODATA', records: [] };
      }
      const failure = entry.failure ?? typeFailure(entry, question.type);
      if (failure !== undefined) return failed(failure);
      if (entry.CNAME !== undefined && question.type !== 'CNAME') {
        records.push({ type: 'CNAME', name, ttl: entry.ttl, target: entry.CNAME });
        name = entry.CNAME;
        continue;
      }
      records.push(...recordsAt(name, entry, question.type));
      if (records.length === 0) return { rcode: 'NODATA', records: [] };
      return { rcode: 'NOERROR', records };
    }
    return { rcode: 'SERVFAIL', records: [], detail: `CNAME chain longer than ${MAX_CHAIN}` };
  };

  const zone: FakeZone = {
    get queries() {
      return queries;
    },
    queryLog: () => queries.map((q) => `${q.type} ${q.name}`),
    clearQueries() {
      queries.length = 0;
    },
    set(name, records) {
      const checked = checkDeclaration({ [name]: records });
      for (const [owner, entry] of checked) names.set(owner, entry);
    },
    remove(name) {
      const owner = ownerName(name);
      if (owner !== undefined) names.delete(owner);
    },
    query(question, { signal }) {
      const name = ownerName(question.name) ?? question.name.toLowerCase();
      queries.push({ type: question.type, name });
      return new Promise((resolve, reject) => {
        if (signal.aborted) return reject(signal.reason);
        const result = answer(question, name);
        if (result !== 'hang') return resolve(result);
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      });
    },
    resolver(options = {}) {
      return createResolver({ retryCount: 1, retryBaseWaitMs: 200, ...options, transport: zone });
    },
    keyLookup(options = {}) {
      const resolver = zone.resolver({ noHitCacheTtlSeconds: 0, maxTtlSeconds: 0, ...options });
      return (name) => resolver.resolveTxt(name);
    },
    policyDns(options = {}) {
      return dnsAdapter(zone.resolver(options));
    },
  };
  return zone;
}

function typeFailure(entry: CheckedName, type: DnsQuestion['type']): ZoneFailure | undefined {
  const value = type === 'CNAME' ? undefined : entry[type];
  return typeof value === 'string' ? value : undefined;
}

function failed(failure: ZoneFailure): TransportAnswer | 'hang' {
  switch (failure) {
    case 'TIMEOUT':
      return 'hang';
    case 'TRUNCATED':
      // What the wire transport reports for a TC answer it could not complete over TCP.
      return { rcode: 'BADRESPONSE', records: [], detail: 'truncated answer (TC set) and no TCP answer' };
    default:
      return { rcode: failure, records: [] };
  }
}

function recordsAt(name: string, entry: CheckedName, type: DnsQuestion['type']): DnsRecord[] {
  const ttl = entry.ttl;
  const list = <T>(v: readonly T[] | string | undefined): readonly T[] => (Array.isArray(v) ? v : []);
  switch (type) {
    case 'A':
      return list(entry.A).map((address) => ({ type, name, ttl, address }));
    case 'AAAA':
      return list(entry.AAAA).map((address) => ({ type, name, ttl, address }));
    case 'MX':
      return list(entry.MX).map((mx) => ({
        type,
        name,
        ttl,
        preference: mx.preference,
        exchange: mx.exchange,
      }));
    case 'TXT':
      return list(entry.TXT).map((strings) => ({ type, name, ttl, strings }));
    case 'PTR':
      return list(entry.PTR).map((target) => ({ type, name, ttl, target }));
    case 'CNAME':
      return entry.CNAME === undefined ? [] : [{ type, name, ttl, target: entry.CNAME }];
  }
}

/** A DNS failure that will not change on a retry (NXDOMAIN, NODATA, null MX, ...). */
function isLastingDnsFailure(error: unknown): boolean {
  return isDnsError(error) && !error.temporary;
}

/** relay-policy's DNS facts over a mail resolver: not-found is `none`, anything else `temperror`. */
function dnsAdapter(resolver: MailResolver): PolicyDns {
  const guard = async <T>(run: () => Promise<T>, none: T, temp: T): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      return isLastingDnsFailure(error) ? none : temp;
    }
  };
  return {
    lookupPtr: (ip) =>
      guard<PtrAnswer>(
        async () => {
          const names = await resolver.resolvePtr(ip);
          return names.length > 0 ? { result: 'found', names } : { result: 'none' };
        },
        { result: 'none' },
        { result: 'temperror' },
      ),
    lookupAddresses: (name) =>
      guard<AddressAnswer>(
        async () => {
          const v4 = await resolver
            .resolveA(name)
            .catch((e: unknown) => (isLastingDnsFailure(e) ? [] : Promise.reject(e)));
          const v6 = await resolver
            .resolveAaaa(name)
            .catch((e: unknown) => (isLastingDnsFailure(e) ? [] : Promise.reject(e)));
          const addresses = [...v4, ...v6];
          return addresses.length > 0 ? { result: 'found', addresses } : { result: 'none' };
        },
        { result: 'none' },
        { result: 'temperror' },
      ),
    domainExists: async (domain) => {
      // An MX (usable or not), or an MX-less domain's own address, which resolveMx falls back to.
      try {
        await resolver.resolveMx(domain);
        return 'found';
      } catch (error) {
        if (!isLastingDnsFailure(error)) return 'temperror';
        const code = (error as { code?: string }).code;
        return code === 'ENOTFOUND' || code === 'ENODATA' || code === 'EBADNAME' ? 'none' : 'found';
      }
    },
    queryDnsList: (ip, site) =>
      guard<DnsListAnswer>(
        async () => {
          const query = dnsListQueryName(ip, site);
          if (query === undefined) return { site, result: 'temperror' as const };
          const codes = await resolver.resolveA(query);
          return codes.length > 0 ? { site, result: 'listed', codes } : { site, result: 'none' };
        },
        { site, result: 'none' },
        { site, result: 'temperror' },
      ),
  };
}
