/**
 * IP address text: strict IPv4 dotted quads and IPv6 (RFC 4291 2.2) with their canonical
 * RFC 5952 form. Address literals in paths, HELO arguments and policy lists all go through here,
 * so `[192.0.2.1]`, `[IPv6:::ffff:192.0.2.1]` and a CIDR entry compare the same way.
 */

/** Options of {@link parseIPv4}. */
export interface IPv4Options {
  /**
   * Accept leading zeros (`192.000.002.010`, read as decimal). RFC 5321 4.1.3 defines the IPv4
   * address literal with `Snum = 1*3DIGIT`, so a literal may carry them; elsewhere (policy lists,
   * socket addresses) they are ambiguous (octal in some parsers) and refused. Default false.
   */
  readonly leadingZeros?: boolean;
}

/**
 * Parses a dotted-quad IPv4 address (each part 0-255, at most three digits, no leading zeros
 * unless `options.leadingZeros`) to a 32-bit number.
 */
export function parseIPv4(text: string, options?: IPv4Options): number | undefined {
  const zeros = options?.leadingZeros === true;
  const n = text.length;
  if (n < 7 || n > 15) return undefined;
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return undefined;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      // A leading zero ("010") is ambiguous (octal in some parsers): refuse it.
      if (digits === 1 && part === 0 && !zeros) return undefined;
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return undefined;
    } else {
      return undefined;
    }
  }
  if (dots !== 3 || digits === 0) return undefined;
  return value * 256 + part;
}

/** Formats a 32-bit number as a dotted quad. */
export function formatIPv4(value: number): string {
  return `${(value >>> 24) & 255}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/**
 * Parses IPv6 text (hex groups, one `::`, an optional trailing dotted quad) to eight 16-bit groups.
 * Zone indices (`%eth0`) are refused: they mean nothing outside one host.
 */
export function parseIPv6(text: string): Uint16Array | undefined {
  if (text.length < 2 || text.length > 45) return undefined;
  const groups = new Uint16Array(8);
  const head: number[] = [];
  const tail: number[] = [];
  let target = head;
  let i = 0;
  const n = text.length;
  if (text.startsWith('::')) {
    target = tail;
    i = 2;
    if (i === n) return groups;
  } else if (text.charCodeAt(0) === 58) {
    return undefined;
  }
  while (i < n) {
    // A dotted quad may end the address, standing for the last two groups.
    const rest = text.slice(i);
    if (rest.includes('.') && !rest.includes(':')) {
      const v4 = parseIPv4(rest);
      if (v4 === undefined) return undefined;
      target.push(v4 >>> 16, v4 & 0xffff);
      i = n;
      break;
    }
    let value = 0;
    let digits = 0;
    while (i < n) {
      const c = text.charCodeAt(i);
      const h = hexValue(c);
      if (h < 0) break;
      value = value * 16 + h;
      if (++digits > 4) return undefined;
      i++;
    }
    if (digits === 0) return undefined;
    target.push(value);
    if (i === n) break;
    if (text.charCodeAt(i) !== 58) return undefined;
    i++;
    if (i < n && text.charCodeAt(i) === 58) {
      if (target === tail) return undefined; // a second "::"
      target = tail;
      i++;
      if (i === n) break;
    } else if (i === n) {
      return undefined; // a trailing single ":"
    }
  }
  const total = head.length + tail.length;
  if (target === head ? total !== 8 : total > 7) return undefined;
  for (let k = 0; k < head.length; k++) groups[k] = head[k];
  for (let k = 0; k < tail.length; k++) groups[8 - tail.length + k] = tail[k];
  return groups;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** True when the groups are an IPv4-mapped IPv6 address, `::ffff:a.b.c.d`. */
export function isIPv4Mapped(groups: Uint16Array): boolean {
  return (
    groups[0] === 0 &&
    groups[1] === 0 &&
    groups[2] === 0 &&
    groups[3] === 0 &&
    groups[4] === 0 &&
    groups[5] === 0xffff
  );
}

/** Formats eight groups in the canonical text form of RFC 5952 (lowercase, longest zero run as `::`). */
export function formatIPv6(groups: Uint16Array): string {
  let bestStart = -1;
  let bestLen = 1; // RFC 5952 4.2.2: a single zero group is not shortened
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (isIPv4Mapped(groups)) {
    return `::ffff:${formatIPv4(groups[6] * 65536 + groups[7])}`;
  }
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      out += i === 0 ? '::' : ':';
      i += bestLen - 1;
      continue;
    }
    out += groups[i].toString(16);
    if (i < 7) out += ':';
  }
  return out;
}

/** A parsed IP address: its family and canonical text. */
export interface IpAddress {
  /** 4 or 6. An IPv4-mapped IPv6 address is reported as family 4 with its dotted quad. */
  readonly family: 4 | 6;
  /** Canonical text: dotted quad, or RFC 5952 IPv6. */
  readonly address: string;
}

/**
 * Parses IPv4 or IPv6 text to its canonical form. IPv4-mapped IPv6 (`::ffff:192.0.2.1`) is
 * reported as the IPv4 address it maps, so policy lists written for IPv4 match dual-stack peers.
 */
export function parseIp(text: string): IpAddress | undefined {
  const v4 = parseIPv4(text);
  if (v4 !== undefined) return { family: 4, address: text };
  const v6 = parseIPv6(text);
  if (v6 === undefined) return undefined;
  if (isIPv4Mapped(v6)) return { family: 4, address: formatIPv4(v6[6] * 65536 + v6[7]) };
  return { family: 6, address: formatIPv6(v6) };
}
