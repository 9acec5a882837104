/** The query name of a DNS list lookup (RFC 5782 2.1 for IPv4, 2.4 for IPv6). */
import { normalizeDomainName, parseHostAddress } from './names.js';

/**
 * `dnsListQueryName('192.0.2.99', 'bl.example')` is `99.2.0.192.bl.example`; an IPv6 address
 * gives its 32 nibbles in reverse order. IPv4-mapped IPv6 is queried as IPv4. Undefined when the
 * IP or the zone is not valid.
 */
export function dnsListQueryName(ip: string, zone: string): string | undefined {
  const address = parseHostAddress(ip);
  const name = normalizeDomainName(zone);
  if (address === undefined || !name.ok) return undefined;
  if (address.v4 !== undefined) {
    const v = address.v4;
    return `${v & 255}.${(v >>> 8) & 255}.${(v >>> 16) & 255}.${v >>> 24}.${name.value}`;
  }
  const nibbles: string[] = [];
  const groups = address.v6!;
  for (let i = 7; i >= 0; i--) {
    for (let shift = 0; shift < 16; shift += 4) nibbles.push(((groups[i] >>> shift) & 15).toString(16));
  }
  return `${nibbles.join('.')}.${name.value}`;
}
