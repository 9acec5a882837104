/**
 * Domains and address literals of RFC 5321 4.1.2, with internationalized domain names
 * (RFC 6531) converted to A-labels by Node's WHATWG `url.domainToASCII` (UTS #46).
 *
 * Why not the `punycode` npm package: measured here, it turned `BÜCHER.example` into
 * `xn--BCHER-2pa` (no case mapping, no full-width folding), and `import 'punycode'` silently
 * loads Node's deprecated core module instead. UTS #46 mapping is what browsers and registries do.
 */
import { domainToASCII, domainToUnicode } from 'node:url';
import { formatIPv4, formatIPv6, isIPv4Mapped, parseIPv4, parseIPv6 } from './ip.js';
import type { Reason } from './vocabulary/errors.js';
import type { Failed, Result } from './vocabulary/result.js';

/** A domain name. */
export interface DomainName {
  readonly kind: 'domain';
  /** The name in A-label form, lowercase, without a trailing dot: what DNS and comparisons use. */
  readonly ascii: string;
  /** The name in U-label form (equal to `ascii` when the name has no IDN label). */
  readonly unicode: string;
}

/** An address literal: `[192.0.2.1]` or `[IPv6:2001:db8::1]`. */
export interface AddressLiteral {
  readonly kind: 'literal';
  /** 4 or 6 as written (an IPv4-mapped IPv6 literal stays family 6 here; see `ip`). */
  readonly family: 4 | 6;
  /** The address in canonical text (dotted quad, or RFC 5952 IPv6; IPv4-mapped shown as dotted quad). */
  readonly ip: string;
  /** The literal in canonical form with brackets, e.g. `[IPv6:2001:db8::1]`. */
  readonly ascii: string;
  /** Same as `ascii`; present so a literal and a name can be used alike. */
  readonly unicode: string;
}

/** The domain part of a mailbox: a name or an address literal. */
export type MailDomain = DomainName | AddressLiteral;

/** RFC 1035 / RFC 5321 limits, in octets of the A-label form. */
export const MAX_LABEL_OCTETS = 63;
/** Longest domain name in presentation form without the trailing dot (255 on the wire, RFC 1035 2.3.4). */
export const MAX_DOMAIN_OCTETS = 253;

/** Why a domain was refused; the caller turns it into the reply that fits the command. */
export type DomainProblem =
  | 'empty'
  | 'syntax'
  | 'label-too-long'
  | 'too-long'
  | 'idn-invalid'
  | 'non-ascii'
  | 'literal-syntax'
  | 'literal-tag';

/** Options for {@link parseDomain}. */
export interface DomainOptions {
  /**
   * Accept U-labels (non-ASCII). RFC 6531 allows them only in an SMTPUTF8 transaction; without it
   * a non-ASCII domain is refused with `non-ascii`. Default false.
   */
  readonly allowUtf8?: boolean;
  /**
   * Accept `_` in labels. Not valid in RFC 5321 domains, but common in HELO names of real hosts;
   * the HELO parser turns it on. Default false.
   */
  readonly allowUnderscore?: boolean;
}

/**
 * Why {@link parseDomain} refused a domain: `problem` for the caller's switch, `code`
 * `DOMAIN_` plus the problem in upper case (`DOMAIN_TOO_LONG`), the described problem as `message`.
 */
export interface DomainReason extends Reason {
  readonly problem: DomainProblem;
}

/** Result of {@link parseDomain}: the domain, or why not. */
export type DomainResult = Result<MailDomain, DomainReason>;

function refuse(problem: DomainProblem): Failed<DomainReason> {
  return {
    ok: false,
    reason: {
      code: `DOMAIN_${problem.toUpperCase().replace(/-/g, '_')}`,
      message: describeDomainProblem(problem),
      temporary: false,
      problem,
    },
  };
}

const LETTER_DIGIT = new Uint8Array(128);
for (let c = 48; c <= 57; c++) LETTER_DIGIT[c] = 1;
for (let c = 65; c <= 90; c++) LETTER_DIGIT[c] = 1;
for (let c = 97; c <= 122; c++) LETTER_DIGIT[c] = 1;

/**
 * Parses a domain or an address literal as it appears after `@` in a path or as a HELO argument.
 * Never throws.
 */
export function parseDomain(text: string, options: DomainOptions = {}): DomainResult {
  if (text.length === 0) return refuse('empty');
  // No valid name is longer than this even in U-labels; refuse before any conversion work.
  if (text.length > 4 * MAX_DOMAIN_OCTETS) return refuse('too-long');
  if (text.charCodeAt(0) === 91) return parseAddressLiteral(text);
  let ascii = true;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 127) {
      ascii = false;
      break;
    }
  }
  if (ascii) return parseAsciiDomain(text, options.allowUnderscore === true);
  if (options.allowUtf8 !== true) return refuse('non-ascii');
  // UTS #46 maps case, full-width letters and ideographic full stops, then encodes A-labels.
  const converted = domainToASCII(text);
  if (converted === '') return refuse('idn-invalid');
  const checked = parseAsciiDomain(converted, options.allowUnderscore === true);
  if (!checked.ok) return checked;
  return {
    ok: true,
    value: { kind: 'domain', ascii: checked.value.ascii, unicode: domainToUnicode(converted) },
  };
}

function parseAsciiDomain(text: string, allowUnderscore: boolean): DomainResult {
  const n = text.length;
  if (n > MAX_DOMAIN_OCTETS) return refuse('too-long');
  let labelStart = 0;
  let hasUpper = false;
  let hasAce = false;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? text.charCodeAt(i) : 46;
    if (c === 46) {
      const len = i - labelStart;
      if (len === 0) return refuse('syntax'); // empty label, leading/trailing/double dot
      if (len > MAX_LABEL_OCTETS) return refuse('label-too-long');
      // sub-domain = Let-dig [Ldh-str]: no hyphen at either end of a label.
      if (text.charCodeAt(labelStart) === 45 || text.charCodeAt(i - 1) === 45) return refuse('syntax');
      // "xn--" marks an A-label, to be checked and decoded below.
      if (len >= 4 && text.charCodeAt(labelStart + 2) === 45 && text.charCodeAt(labelStart + 3) === 45) {
        if (text.slice(labelStart, labelStart + 2).toLowerCase() === 'xn') hasAce = true;
      }
      labelStart = i + 1;
    } else if (c < 128 && LETTER_DIGIT[c] === 1) {
      if (c >= 65 && c <= 90) hasUpper = true;
    } else if (c === 45 || (c === 95 && allowUnderscore)) {
      // hyphen inside a label; underscore only where allowed
    } else {
      return refuse('syntax');
    }
  }
  const lower = hasUpper ? text.toLowerCase() : text;
  if (!hasAce) return { ok: true, value: { kind: 'domain', ascii: lower, unicode: lower } };
  // An A-label must decode; domainToASCII refuses malformed Punycode by returning ''.
  if (domainToASCII(lower) === '') return refuse('idn-invalid');
  return { ok: true, value: { kind: 'domain', ascii: lower, unicode: domainToUnicode(lower) } };
}

/** Parses `[192.0.2.1]` or `[IPv6:...]` (RFC 5321 4.1.3). General literals with other tags are refused. */
export function parseAddressLiteral(text: string): DomainResult {
  if (text.length < 3 || text.charCodeAt(0) !== 91 || text.charCodeAt(text.length - 1) !== 93) {
    return refuse('literal-syntax');
  }
  const inner = text.slice(1, -1);
  // RFC 5321 Snum = 1*3DIGIT: `[192.000.002.010]` is a valid literal; `ip` and `ascii` give the
  // canonical dotted quad, so comparisons and policy lists see `192.0.2.10`.
  const v4 = parseIPv4(inner, { leadingZeros: true });
  if (v4 !== undefined) {
    const ip = formatIPv4(v4);
    return { ok: true, value: { kind: 'literal', family: 4, ip, ascii: `[${ip}]`, unicode: `[${ip}]` } };
  }
  const colon = inner.indexOf(':');
  if (colon < 0) return refuse('literal-syntax');
  if (inner.slice(0, colon).toLowerCase() !== 'ipv6') return refuse('literal-tag');
  const groups = parseIPv6(inner.slice(colon + 1));
  if (groups === undefined) return refuse('literal-syntax');
  const canonical = formatIPv6(groups);
  const ip = isIPv4Mapped(groups) ? formatIPv4(groups[6] * 65536 + groups[7]) : canonical;
  return {
    ok: true,
    value: { kind: 'literal', family: 6, ip, ascii: `[IPv6:${canonical}]`, unicode: `[IPv6:${canonical}]` },
  };
}

/** Human-readable text for a domain problem, used in reply text. */
export function describeDomainProblem(problem: DomainProblem): string {
  switch (problem) {
    case 'empty':
      return 'missing domain';
    case 'syntax':
      return 'invalid domain name';
    case 'label-too-long':
      return `domain label longer than ${MAX_LABEL_OCTETS} octets`;
    case 'too-long':
      return `domain longer than ${MAX_DOMAIN_OCTETS} octets`;
    case 'idn-invalid':
      return 'invalid internationalized domain name';
    case 'non-ascii':
      return 'non-ASCII domain requires SMTPUTF8';
    case 'literal-syntax':
      return 'invalid address literal';
    case 'literal-tag':
      return 'unsupported address literal tag';
  }
}
