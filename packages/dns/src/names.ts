/**
 * Domain-name normalisation and the reverse names used by PTR and DNSBL lookups.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** Longest presentation-form name without the trailing dot (RFC 1035 section 2.3.4: 255 octets on the wire). */
const MAX_NAME_LENGTH = 253;
/** Longest label (RFC 1035 section 2.3.4). */
const MAX_LABEL_LENGTH = 63;

/**
 * Lower-case a domain name and drop one trailing dot; `undefined` when it cannot be a domain name
 * (empty, an empty label, a label over 63 octets, over 253 characters, or with whitespace/control
 * characters that no query may carry).
 */
export function normalizeName(name: string): string | undefined {
  let n = name.toLowerCase();
  if (n.endsWith('.')) n = n.slice(0, -1);
  if (n.length === 0 || Buffer.byteLength(n, 'utf8') > MAX_NAME_LENGTH) return undefined;
  if (/[\s\x00-\x1f\x7f]/.test(n)) return undefined;
  for (const label of n.split('.')) {
    const len = Buffer.byteLength(label, 'utf8');
    if (len === 0 || len > MAX_LABEL_LENGTH) return undefined;
  }
  return n;
}

/**
 * {@link normalizeName} for a name that is queried exactly as it was built, such as an SPF
 * domain-spec after macro expansion (RFC 7208 section 4.8 uses the expansion as-is, and
 * RFC 2181 section 11 lets a label hold any octet): spaces and other printable octets are kept.
 * Still refused: an empty name or label, a label over 63 octets, a name over 253, and control
 * characters (CR, LF, NUL and the rest), which no lookup needs and which would reach log lines.
 * Only lookups that ask for it (`LookupOptions.rawName`) use this; every other caller keeps the
 * stricter {@link normalizeName}.
 */
export function normalizeRawName(name: string): string | undefined {
  let n = name.toLowerCase();
  if (n.endsWith('.')) n = n.slice(0, -1);
  if (n.length === 0 || Buffer.byteLength(n, 'utf8') > MAX_NAME_LENGTH) return undefined;
  if (/[\x00-\x1f\x7f]/.test(n)) return undefined;
  for (const label of n.split('.')) {
    const len = Buffer.byteLength(label, 'utf8');
    if (len === 0 || len > MAX_LABEL_LENGTH) return undefined;
  }
  return n;
}

/** Expand an IPv6 address to its 32 hex nibbles, most significant first. */
function ipv6Nibbles(address: string): string[] {
  let text = address;
  // An embedded IPv4 tail (::ffff:192.0.2.1) becomes two hextets.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const o = v4[1]!.split('.').map(Number);
    text = `${text.slice(0, v4.index)}${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const missing = 8 - headParts.length - tailParts.length;
  const groups = [...headParts, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...tailParts];
  return groups.flatMap((g) => g.padStart(4, '0').split(''));
}

/**
 * The name queried for an address under `zone`: reversed octets for IPv4 (RFC 5782 section 2.1),
 * reversed nibbles for IPv6 (section 2.4). `zone` defaults to the reverse tree (in-addr.arpa / ip6.arpa).
 * Returns `undefined` for anything that is not an IP address.
 */
export function reverseName(address: string, zone?: string): string | undefined {
  if (isIPv4(address)) {
    return `${address.split('.').reverse().join('.')}.${zone ?? 'in-addr.arpa'}`;
  }
  if (isIPv6(address)) {
    return `${ipv6Nibbles(address.toLowerCase()).reverse().join('.')}.${zone ?? 'ip6.arpa'}`;
  }
  return undefined;
}

/**
 * An RFC 5321 address literal (`[192.0.2.1]` or `[IPv6:2001:db8::1]`) as a plain address, else `undefined`.
 */
export function addressLiteral(domain: string): string | undefined {
  const m = /^\[(?:ipv6:)?([^\]]+)\]$/i.exec(domain.trim());
  if (!m) return undefined;
  const inner = m[1]!;
  if (/^ipv6:/i.test(domain.trim().slice(1)) ? isIPv6(inner) : isIPv4(inner)) return inner.toLowerCase();
  return undefined;
}

/** True when an MX exchange is written as an IP address, which RFC 5321 section 5.1 does not allow. */
export function looksLikeIpAddress(name: string): boolean {
  const n = name.replace(/^\[|\]$/g, '');
  return isIPv4(n) || isIPv6(n) || /^ipv6:/i.test(n);
}
