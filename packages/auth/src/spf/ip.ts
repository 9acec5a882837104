/**
 * Client addresses as SPF sees them: IPv4 or IPv6 as bytes, with IPv4-mapped IPv6 addresses
 * (::ffff:192.0.2.1) treated as the IPv4 address (RFC 7208 section 5, "ip4" and "a" mechanisms),
 * and prefix matching for the CIDR lengths of ip4, ip6, a and mx.
 */
import { formatIPv4, formatIPv6, isIPv4Mapped, parseIPv4, parseIPv6 } from '@mailroute/envelope';

/** An address reduced to its family and bytes. */
export interface ClientIp {
  /** 4 or 6 (a mapped IPv4 address is 4). */
  readonly family: 4 | 6;
  /** 4 or 16 bytes. */
  readonly bytes: Uint8Array;
  /** The address as text: dotted quad, or the RFC 5952 form of IPv6. */
  readonly text: string;
}

/** A 32-bit IPv4 value as 4 bytes. */
function v4Bytes(value: number): Uint8Array {
  return Uint8Array.of((value >>> 24) & 255, (value >>> 16) & 255, (value >>> 8) & 255, value & 255);
}

function v4(value: number): ClientIp {
  return { family: 4, bytes: v4Bytes(value), text: formatIPv4(value) };
}

/**
 * Parse an address (envelope's strict IPv4 and IPv6 parsers); undefined when it is neither. An
 * IPv4-mapped IPv6 address is its IPv4 address.
 */
export function parseClientIp(text: string): ClientIp | undefined {
  const t = text.trim();
  const value = parseIPv4(t);
  if (value !== undefined) return v4(value);
  const groups = parseIPv6(t);
  if (groups === undefined) return undefined;
  if (isIPv4Mapped(groups)) return v4(groups[6]! * 65536 + groups[7]!);
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[i * 2] = g >> 8;
    bytes[i * 2 + 1] = g & 0xff;
  });
  return { family: 6, bytes, text: formatIPv6(groups) };
}

/** True when the first `prefix` bits of `a` and `b` (same length) are equal. */
export function samePrefix(a: Uint8Array, b: Uint8Array, prefix: number): boolean {
  if (a.length !== b.length) return false;
  let bits = prefix;
  for (let i = 0; i < a.length && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((a[i]! & mask) !== (b[i]! & mask)) return false;
  }
  return true;
}

/** True when the address `candidate` (text from DNS) is in `client`'s family and within `prefix` bits of it. */
export function addressMatches(client: ClientIp, candidate: string, prefix: number): boolean {
  const c = parseClientIp(candidate);
  if (!c || c.family !== client.family) return false;
  return samePrefix(client.bytes, c.bytes, prefix);
}

/** The "i" macro's form: dotted quad, or 32 dot-separated nibbles for IPv6 (RFC 7208 section 7.3). */
export function ipMacroForm(client: ClientIp): string {
  if (client.family === 4) return client.text;
  return Array.from(client.bytes)
    .flatMap((b) => [(b >> 4).toString(16), (b & 0xf).toString(16)])
    .join('.');
}
