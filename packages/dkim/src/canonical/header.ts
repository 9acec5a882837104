/** A header canonicalization algorithm of RFC 6376 section 3.4. */
export type HeaderCanonicalization = 'simple' | 'relaxed';

/**
 * One header field as it appears in the message. Text is kept as latin1 so every byte survives
 * (8-bit and UTF-8 headers are hashed byte for byte); folding line ends are normalized to CRLF.
 */
export interface RawHeaderField {
  /** The field name as written. */
  readonly name: string;
  /** The field name in ASCII lower case, for matching. */
  readonly key: string;
  /** The whole field, name, colon and value with its folding, without the final CRLF. */
  readonly raw: string;
}

/** The value part of a field: everything after the first colon. */
export function fieldValue(field: RawHeaderField): string {
  return field.raw.slice(field.raw.indexOf(':') + 1);
}

/** Lower-cases ASCII letters only: a header name is ASCII, and other bytes must not change. */
export function asciiLower(s: string): string {
  // toLowerCase is exact for ASCII; only text with other characters needs the careful path.
  return NON_ASCII.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s.toLowerCase();
}

const NON_ASCII = /[^\x00-\x7f]/;
// A value needing more than a trim: a fold, a tab, or a run of spaces.
const FOLDED_OR_WIDE = /[\t\n]| {2}/;

/**
 * Canonicalizes one header field (RFC 6376 3.4.1 / 3.4.2), with the trailing CRLF unless
 * `withCrlf` is false (the DKIM-Signature field being signed or verified is hashed without it).
 */
export function canonicalizeHeader(
  raw: string,
  canonicalization: HeaderCanonicalization,
  withCrlf = true,
): string {
  const end = withCrlf ? '\r\n' : '';
  if (canonicalization === 'simple') return raw + end;
  const colon = raw.indexOf(':');
  // relaxed: lower-case name, no WSP around the colon, unfold, WSP runs become one SP, trim the value.
  const name = asciiLower(raw.slice(0, colon).replace(/[ \t]+$/, ''));
  let value = raw.slice(colon + 1);
  // Most values are one line with single spaces: then trimming is all there is to do.
  if (FOLDED_OR_WIDE.test(value)) value = value.replace(/\r?\n/g, '').replace(/[ \t]+/g, ' ');
  const from = value.charCodeAt(0) === 0x20 ? 1 : 0;
  const to =
    value.length > from && value.charCodeAt(value.length - 1) === 0x20 ? value.length - 1 : value.length;
  value = value.slice(from, to);
  return `${name}:${value}${end}`;
}

/**
 * Picks the header fields named by an h= list: for each name, the last instance not yet used
 * (RFC 6376 5.4.2); a name with no instance left contributes nothing (the over-signing case).
 */
export function selectHeaders(fields: readonly RawHeaderField[], names: readonly string[]): RawHeaderField[] {
  const byKey = new Map<string, RawHeaderField[]>();
  for (const f of fields) {
    const list = byKey.get(f.key);
    if (list) list.push(f);
    else byKey.set(f.key, [f]);
  }
  const used = new Map<string, number>();
  const out: RawHeaderField[] = [];
  for (const n of names) {
    const key = asciiLower(n);
    const list = byKey.get(key);
    if (!list) continue;
    const taken = used.get(key) ?? 0;
    if (taken >= list.length) continue;
    used.set(key, taken + 1);
    out.push(list[list.length - 1 - taken]!);
  }
  return out;
}
