/**
 * Client addresses as SPF sees them: IPv4 or IPv6 as bytes, with IPv4-mapped IPv6 addresses
 * (::ffff:192.0.2.1) treated as the IPv4 address (RFC 7208 section 5, "ip4" and "a" mechanisms),
 * and prefix matching for the CIDR lengths of ip4, ip6, a and mx.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** An address reduced to its family and bytes. */
export interface ClientIp {
  /** 4 or 6 (a mapped IPv4 address is 4). */
  readonly family: 4 | 6;
  /** 4 or 16 bytes. */
  readonly bytes: Uint8Array;
  /** The address as text: dotted quad, or the RFC 5952 form of IPv6. */
  readonly text: string;
}

function v4Bytes(text: string): Uint8Array {
  return Uint8Array.from(text.split('.').map(Number));
}

function v6Bytes(text: string): Uint8Array {
  let t = text;
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(t);
  const extra: number[] = [];
  if (tail) {
    extra.push(...v4Bytes(tail[1]!));
    t = t.slice(0, tail.index);
    if (t.endsWith(':') && !t.endsWith('::')) t = t.slice(0, -1);
  }
  const [head, rest] = t.includes('::') ? t.split('::') : [t, undefined];
  const h = head ? head.split(':').filter((g) => g !== '') : [];
  const r = rest ? rest.split(':').filter((g) => g !== '') : [];
  const groups = 8 - extra.length / 2;
  const all = [...h, ...Array<string>(rest === undefined ? 0 : groups - h.length - r.length).fill('0'), ...r];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    const v = Number.parseInt(g, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  });
  extra.forEach((b, i) => {
    out[12 + i] = b;
  });
  return out;
}

/** Parse an address; undefined when it is neither IPv4 nor IPv6. */
export function parseIp(text: string): ClientIp | undefined {
  const t = text.trim();
  if (isIPv4(t)) return { family: 4, bytes: v4Bytes(t), text: t };
  if (!isIPv6(t)) return undefined;
  const bytes = v6Bytes(t);
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (mapped) {
    const v4 = bytes.slice(12);
    return { family: 4, bytes: v4, text: Array.from(v4).join('.') };
  }
  return { family: 6, bytes, text: ipv6Text(bytes) };
}

/** RFC 5952 text of 16 bytes (lower case, longest zero run compressed). */
function ipv6Text(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
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
  const c = parseIp(candidate);
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
