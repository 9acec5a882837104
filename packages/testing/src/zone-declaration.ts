/**
 * The fake zone's declaration, written as data, and its validation. A mistake in a declaration is
 * a mistake in the test, so it is refused at once with an error naming the name, the record type
 * and the index of each bad record, rather than turning into a puzzling NXDOMAIN later.
 */
import { isIP } from 'node:net';
import { normalizeName } from '@mailroute/dns/wire';
import { MailrouteError } from '@mailroute/envelope';

/**
 * How a whole name fails: `NXDOMAIN` (no such name), `SERVFAIL`, `REFUSED`, `TIMEOUT` (never
 * answers until the resolver gives up) or `TRUNCATED` (the answer had the TC bit and no TCP
 * answer followed; the resolver treats it as a bad response and retries).
 */
export type ZoneFailure = 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED' | 'TIMEOUT' | 'TRUNCATED';

/** How one record type of a name fails while its other types answer (NXDOMAIN is per name only). */
export type ZoneTypeFailure = Exclude<ZoneFailure, 'NXDOMAIN'>;

/** An MX record as `[preference, exchange]`; `[0, '.']` is a null MX (RFC 7505). */
export type ZoneMx = readonly [preference: number, exchange: string];

/**
 * The records at one name. Each type is a list of records or a {@link ZoneTypeFailure}; a name
 * declared as `{}` exists with no records (every question is NODATA).
 */
export interface ZoneRecords {
  /** TTL in seconds of every record here; default 300. */
  readonly ttl?: number;
  /** IPv4 addresses. */
  readonly A?: readonly string[] | ZoneTypeFailure;
  /** IPv6 addresses. */
  readonly AAAA?: readonly string[] | ZoneTypeFailure;
  /** Mail exchangers, `[preference, host]`. */
  readonly MX?: readonly ZoneMx[] | ZoneTypeFailure;
  /** Text records; a string array is one record split into character-strings (each at most 255 octets). */
  readonly TXT?: readonly (string | readonly string[])[] | ZoneTypeFailure;
  /** Pointer targets (declare them at the reverse name, or use `ptr` keys: see {@link ZoneDeclaration}). */
  readonly PTR?: readonly string[] | ZoneTypeFailure;
  /** An alias: the name has no other records. */
  readonly CNAME?: string;
}

/**
 * A zone: names (any case, trailing dot optional) to their records or to a failure. IP addresses
 * may be used as names for PTR records: `'192.0.2.1': { PTR: ['mail.example.com'] }` is stored at
 * `1.2.0.192.in-addr.arpa`. `*.zone.example` is a wildcard (RFC 4592): it answers for names
 * below its parent that do not exist otherwise.
 */
export type ZoneDeclaration = Readonly<Record<string, ZoneRecords | ZoneFailure>>;

/** One problem of a declaration, with where it is. */
export interface ZoneProblem {
  /** Where: `'example.com' MX[1]`. */
  readonly at: string;
  /** What is wrong. */
  readonly message: string;
}

/** A checked, normalised name of the zone. */
export interface CheckedName {
  readonly failure?: ZoneFailure;
  readonly ttl: number;
  readonly A?: readonly string[] | ZoneTypeFailure;
  readonly AAAA?: readonly string[] | ZoneTypeFailure;
  readonly MX?: readonly { readonly preference: number; readonly exchange: string }[] | ZoneTypeFailure;
  readonly TXT?: readonly (readonly string[])[] | ZoneTypeFailure;
  readonly PTR?: readonly string[] | ZoneTypeFailure;
  readonly CNAME?: string;
}

const NAME_FAILURES: readonly string[] = ['NXDOMAIN', 'SERVFAIL', 'REFUSED', 'TIMEOUT', 'TRUNCATED'];
const TYPE_FAILURES: readonly string[] = ['SERVFAIL', 'REFUSED', 'TIMEOUT', 'TRUNCATED'];
const KEYS: readonly string[] = ['ttl', 'A', 'AAAA', 'MX', 'TXT', 'PTR', 'CNAME'];

/** The error a bad declaration throws: code `TESTING_BAD_ZONE`, every problem listed. */
export class ZoneDeclarationError extends MailrouteError {
  /** Every problem found, in declaration order. */
  readonly problems: readonly ZoneProblem[];
  constructor(problems: readonly ZoneProblem[]) {
    super(
      'TESTING_BAD_ZONE',
      `bad zone declaration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  ${p.at}: ${p.message}`).join('\n'),
    );
    this.name = 'ZoneDeclarationError';
    this.problems = problems;
  }
}

function show(value: unknown): string {
  try {
    return typeof value === 'string' ? `'${value}'` : (JSON.stringify(value) ?? String(value));
  } catch {
    return String(value);
  }
}

/** Host names in records: a domain name, or `.` / `''` for the root where the type allows it. */
function hostName(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const n = normalizeName(value);
  return n === undefined || isIP(n) !== 0 ? undefined : n;
}

/** The owner name a declaration key stands for: an IP address becomes its reverse name. */
export function ownerName(key: string): string | undefined {
  const ip = isIP(key);
  if (ip === 4) return `${key.split('.').reverse().join('.')}.in-addr.arpa`;
  if (ip === 6) {
    const hex = expandIPv6(key);
    return hex === undefined ? undefined : `${[...hex].reverse().join('.')}.ip6.arpa`;
  }
  return normalizeName(key);
}

function expandIPv6(address: string): string | undefined {
  const [head, tail] = address.toLowerCase().split('::') as [string, string | undefined];
  const groups = (s: string | undefined) => (s ? s.split(':') : []);
  const h = groups(head);
  const t = groups(tail);
  if (h.some((g) => g.includes('.')) || t.some((g) => g.includes('.'))) return undefined; // v4-mapped: rare in tests
  const fill = tail === undefined ? [] : new Array<string>(8 - h.length - t.length).fill('0');
  const all = [...h, ...fill, ...t];
  return all.length === 8 ? all.map((g) => g.padStart(4, '0')).join('') : undefined;
}

/** Checks a declaration; throws {@link ZoneDeclarationError} listing every problem. */
export function checkDeclaration(declaration: ZoneDeclaration): Map<string, CheckedName> {
  const problems: ZoneProblem[] = [];
  const out = new Map<string, CheckedName>();
  if (declaration === null || typeof declaration !== 'object' || Array.isArray(declaration)) {
    throw new ZoneDeclarationError([
      { at: 'zone', message: `must be an object of names, got ${show(declaration)}` },
    ]);
  }
  for (const [key, value] of Object.entries(declaration)) {
    const at = `'${key}'`;
    const owner = ownerName(key);
    if (owner === undefined) {
      problems.push({ at, message: 'is not a domain name or an IP address' });
      continue;
    }
    if (owner.split('.').some((label, i) => label.includes('*') && (i > 0 || label !== '*'))) {
      problems.push({ at, message: 'a wildcard is a whole first label only (`*.example.com`)' });
      continue;
    }
    if (out.has(owner)) {
      problems.push({ at, message: `declares ${owner} a second time` });
      continue;
    }
    if (typeof value === 'string') {
      if (NAME_FAILURES.includes(value)) out.set(owner, { failure: value as ZoneFailure, ttl: 300 });
      else
        problems.push({ at, message: `unknown failure ${show(value)} (one of ${NAME_FAILURES.join(', ')})` });
      continue;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      problems.push({ at, message: `must be a record object or a failure word, got ${show(value)}` });
      continue;
    }
    const before = problems.length;
    const checked = checkRecords(at, value, problems);
    if (problems.length === before) out.set(owner, checked);
  }
  if (problems.length > 0) throw new ZoneDeclarationError(problems);
  return out;
}

function checkRecords(at: string, value: ZoneRecords, problems: ZoneProblem[]): CheckedName {
  const bad = (where: string, message: string) => problems.push({ at: `${at} ${where}`, message });
  for (const k of Object.keys(value)) {
    if (!KEYS.includes(k)) bad(k, `unknown record type (the zone knows ${KEYS.join(', ')})`);
  }
  const ttl = value.ttl ?? 300;
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > 2 ** 31 - 1)
    bad('ttl', `must be an integer 0 to 2^31-1, got ${show(ttl)}`);

  // Each type: a failure word, or a list whose every entry passes `each` (which returns the normal form).
  const list = <I, O>(type: string, raw: unknown, each: (item: I, where: string) => O | undefined) => {
    if (raw === undefined) return undefined;
    if (typeof raw === 'string') {
      if (TYPE_FAILURES.includes(raw)) return raw as ZoneTypeFailure;
      bad(type, `must be a list of records or one of ${TYPE_FAILURES.join(', ')}, got ${show(raw)}`);
      return undefined;
    }
    if (!Array.isArray(raw)) {
      bad(type, `must be a list of records, got ${show(raw)}`);
      return undefined;
    }
    const items: O[] = [];
    raw.forEach((item: I, i) => {
      const v = each(item, `${type}[${i}]`);
      if (v !== undefined) items.push(v);
    });
    return items;
  };

  const A = list<unknown, string>('A', value.A, (ip, where) => {
    if (typeof ip === 'string' && isIP(ip) === 4) return ip;
    bad(where, `must be an IPv4 address, got ${show(ip)}`);
    return undefined;
  });
  const AAAA = list<unknown, string>('AAAA', value.AAAA, (ip, where) => {
    if (typeof ip === 'string' && isIP(ip) === 6) return ip.toLowerCase();
    bad(where, `must be an IPv6 address, got ${show(ip)}`);
    return undefined;
  });
  const MX = list<unknown, { preference: number; exchange: string }>('MX', value.MX, (mx, where) => {
    if (!Array.isArray(mx) || mx.length !== 2) {
      bad(where, `must be [preference, host], got ${show(mx)}`);
      return undefined;
    }
    const [preference, exchange] = mx as [unknown, unknown];
    if (
      typeof preference !== 'number' ||
      !Number.isInteger(preference) ||
      preference < 0 ||
      preference > 65535
    ) {
      bad(where, `preference must be an integer 0 to 65535, got ${show(preference)}`);
      return undefined;
    }
    if (exchange === '.' || exchange === '') return { preference, exchange: '' };
    const host = hostName(exchange);
    if (host === undefined) {
      bad(where, `exchange must be a host name (not an IP address), got ${show(exchange)}`);
      return undefined;
    }
    return { preference, exchange: host };
  });
  const TXT = list<unknown, readonly string[]>('TXT', value.TXT, (txt, where) => {
    const strings = typeof txt === 'string' ? [txt] : txt;
    if (!Array.isArray(strings) || strings.length === 0 || strings.some((s) => typeof s !== 'string')) {
      bad(where, `must be a string or a non-empty list of strings, got ${show(txt)}`);
      return undefined;
    }
    // A single string longer than 255 octets is what users write for long DKIM keys: split it
    // into character-strings as a zone file would. An explicit list must already fit.
    if (typeof txt === 'string') return splitTxt(txt);
    const long = (strings as string[]).findIndex((s) => Buffer.byteLength(s) > 255);
    if (long !== -1) {
      bad(where, `character-string ${long} is over 255 octets`);
      return undefined;
    }
    return [...(strings as string[])];
  });
  const PTR = list<unknown, string>('PTR', value.PTR, (target, where) => {
    const host = hostName(target);
    if (host === undefined) bad(where, `must be a host name, got ${show(target)}`);
    return host;
  });
  let CNAME: string | undefined;
  if (value.CNAME !== undefined) {
    CNAME = hostName(value.CNAME);
    if (CNAME === undefined) bad('CNAME', `must be a host name, got ${show(value.CNAME)}`);
    const others = KEYS.filter(
      (k) => k !== 'CNAME' && k !== 'ttl' && (value as Record<string, unknown>)[k] !== undefined,
    );
    if (others.length > 0)
      bad('CNAME', `a name with a CNAME has no other records (found ${others.join(', ')})`);
  }
  return {
    ttl,
    ...(A === undefined ? {} : { A }),
    ...(AAAA === undefined ? {} : { AAAA }),
    ...(MX === undefined ? {} : { MX }),
    ...(TXT === undefined ? {} : { TXT }),
    ...(PTR === undefined ? {} : { PTR }),
    ...(CNAME === undefined ? {} : { CNAME }),
  };
}

function splitTxt(text: string): string[] {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= 255) return [text];
  const out: string[] = [];
  for (let i = 0; i < bytes.length; i += 255) out.push(bytes.subarray(i, i + 255).toString('utf8'));
  return out;
}
