/**
 * IP entries of the Domino lists: `[192.168.1.4]`, wildcards `[192.168.1.*]` (any octet may be a
 * whole `*`), octet ranges `[192.168.1.1-50]` and `[192.168.1-10.*]`, CIDR `[10.0.0.0/8]`, IPv6
 * `[2001:db8::1]`, `[IPv6:2001:db8::/32]`, and IPv4-mapped IPv6 prefixes
 * (`[::ffff:10.0.0.0/104]`) folded into IPv4.
 */
import { isIPv4Mapped, ok, parseIPv4, parseIPv6, type Result } from '@mailroute/envelope';
import { badEntry } from './names.js';

/** A parsed IP entry. */
export type IpEntry =
  | { readonly family: 4; readonly address: number; readonly mask: number; readonly hostBitsSet: boolean }
  | {
      readonly family: 6;
      readonly groups: Uint16Array;
      readonly prefix: number;
      readonly hostBitsSet: boolean;
    };

/** Result of parsing an IP entry (without its brackets). */
export type IpEntryResult = Result<IpEntry>;

/** Most single entries an octet-range entry may stand for; wider ranges should be CIDR. */
export const MAX_RANGE_ENTRIES = 65_536;

type V4Entry = Extract<IpEntry, { family: 4 }>;

/**
 * Parses an IPv4 entry with octet ranges (`192.168.1.1-50`, `10.1-3.*.*`) into the single
 * entries it stands for (a range is expanded octet value by octet value, at most
 * {@link MAX_RANGE_ENTRIES}). Entries without a range give one entry.
 */
export function parseIpEntries(inner: string): Result<IpEntry[]> {
  const text = inner.trim();
  if (!text.includes('-') || text.includes(':') || text.includes('/')) {
    if (text.includes('-') && text.includes('/'))
      return badEntry('a range cannot be combined with a CIDR prefix');
    const one = parseIpEntry(text);
    return one.ok ? ok([one.value]) : one;
  }
  const parts = text.split('.');
  if (parts.length !== 4) return badEntry('an IPv4 range needs four parts, e.g. [192.168.1.1-50]');
  let entries: V4Entry[] = [{ family: 4, address: 0, mask: 0, hostBitsSet: false }];
  for (const part of parts) {
    let low: number;
    let high: number;
    let fixed = true;
    if (part === '*') {
      low = 0;
      high = 0;
      fixed = false;
    } else {
      const m = /^(0|[1-9]\d{0,2})(?:-(0|[1-9]\d{0,2}))?$/.exec(part);
      if (m === null) return badEntry(`bad octet "${part}": use a number, a range like 1-50, or "*"`);
      low = Number(m[1]);
      high = m[2] === undefined ? low : Number(m[2]);
      if (high > 255 || low > high) return badEntry(`bad octet range "${part}"`);
    }
    if (entries.length * (high - low + 1) > MAX_RANGE_ENTRIES)
      return badEntry(`the range stands for more than ${MAX_RANGE_ENTRIES} entries; use CIDR`);
    const next: V4Entry[] = [];
    for (const e of entries)
      for (let v = low; v <= high; v++)
        next.push({
          family: 4,
          address: ((e.address * 256 + (fixed ? v : 0)) >>> 0) as number,
          mask: (e.mask * 256 + (fixed ? 255 : 0)) >>> 0,
          hostBitsSet: false,
        });
    entries = next;
  }
  return ok(entries);
}

const PREFIX_RE = /^\d{1,3}$/;

function maskOf(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

/** True when the text (without brackets) looks like an IP entry rather than a host name. */
export function looksLikeIp(text: string): boolean {
  if (text.includes(':')) return true;
  return /^[0-9*][0-9*-]*(\.[0-9*][0-9*-]*){1,3}(\/\d+)?$/.test(text);
}

/** Parses the inside of a bracketed IP entry. */
export function parseIpEntry(inner: string): IpEntryResult {
  let text = inner.trim();
  if (text.length === 0) return badEntry('empty IP entry');
  if (text.length > 5 && text.slice(0, 5).toLowerCase() === 'ipv6:') text = text.slice(5);
  const slash = text.indexOf('/');
  if (slash >= 0) return parseCidr(text.slice(0, slash), text.slice(slash + 1));
  if (text.includes('*')) return parseWildcard(text);
  const v4 = parseIPv4(text);
  if (v4 !== undefined)
    return { ok: true, value: { family: 4, address: v4, mask: 0xffffffff, hostBitsSet: false } };
  const v6 = parseIPv6(text);
  if (v6 === undefined) return badEntry('not an IPv4 or IPv6 address');
  return fromV6(v6, 128);
}

function parseCidr(addressText: string, prefixText: string): IpEntryResult {
  if (!PREFIX_RE.test(prefixText)) return badEntry(`bad CIDR prefix length "${prefixText}"`);
  const prefix = Number(prefixText);
  const v4 = parseIPv4(addressText);
  if (v4 !== undefined) {
    if (prefix > 32) return badEntry(`CIDR prefix /${prefix} is longer than 32 bits`);
    const mask = maskOf(prefix);
    return {
      ok: true,
      value: { family: 4, address: (v4 & mask) >>> 0, mask, hostBitsSet: (v4 & ~mask) >>> 0 !== 0 },
    };
  }
  const v6 = parseIPv6(addressText);
  if (v6 === undefined) return badEntry('bad CIDR: the address part is not an IP address');
  if (prefix > 128) return badEntry(`CIDR prefix /${prefix} is longer than 128 bits`);
  return fromV6(v6, prefix);
}

function fromV6(groups: Uint16Array, prefix: number): IpEntryResult {
  let hostBitsSet = false;
  const masked = new Uint16Array(8);
  for (let i = 0; i < 8; i++) {
    const keep = Math.max(0, Math.min(16, prefix - i * 16));
    const m = keep === 0 ? 0 : (0xffff << (16 - keep)) & 0xffff;
    masked[i] = groups[i] & m;
    if (masked[i] !== groups[i]) hostBitsSet = true;
  }
  // An IPv4-mapped prefix covering at least the mapping itself is an IPv4 entry.
  if (prefix >= 96 && isIPv4Mapped(masked)) {
    const mask = maskOf(prefix - 96);
    return {
      ok: true,
      value: { family: 4, address: (masked[6] * 65536 + masked[7]) >>> 0, mask, hostBitsSet },
    };
  }
  return { ok: true, value: { family: 6, groups: masked, prefix, hostBitsSet } };
}

function parseWildcard(text: string): IpEntryResult {
  const parts = text.split('.');
  if (parts.length !== 4) return badEntry('an IPv4 wildcard needs four parts, e.g. [192.168.1.*]');
  let address = 0;
  let mask = 0;
  for (const part of parts) {
    address *= 256;
    mask *= 256;
    if (part === '*') continue;
    if (!/^(0|[1-9]\d{0,2})$/.test(part) || Number(part) > 255)
      return badEntry(`bad octet "${part}": use a number 0-255 or a whole "*"`);
    address += Number(part);
    mask += 255;
  }
  return { ok: true, value: { family: 4, address: address >>> 0, mask: mask >>> 0, hostBitsSet: false } };
}
