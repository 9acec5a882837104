import { domainToASCII } from 'node:url';
import {
  isDotString,
  type Mailbox,
  parseAddressLiteral,
  parseForwardPath,
  parseIp,
} from '@mailroute/envelope';

/**
 * Domains and Internet addresses as routing compares them. Internet addresses and address
 * literals are read by the envelope package's parser, so the SMTP layer and routing agree on
 * every address (one parser: quoting, literals, IDN); Notes names and Notes addresses are read by
 * `@mailroute/envelope/notes-name`, the parser the itemizer uses too.
 */

/**
 * The common case without allocation or regular expressions: a plain ASCII host name. Returns the
 * normalized name, undefined when invalid, or null when the slow path (IDNA, literals, blanks,
 * trailing dot) must decide.
 */
function plainAsciiDomain(d: string): string | undefined | null {
  const n = d.length;
  if (n === 0 || n > 253) return null;
  let upper = false;
  let prev = 46; // as if preceded by a dot: catches a leading dot and empty labels
  for (let i = 0; i < n; i++) {
    const c = d.charCodeAt(i);
    if (c === 46) {
      if (prev === 46) return undefined;
    } else if (c === 45) {
      if (prev === 46) return undefined;
    } else if (c >= 65 && c <= 90) {
      upper = true;
    } else if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57))) {
      return null;
    }
    prev = c;
  }
  if (prev === 46) return null;
  return upper ? d.toLowerCase() : d;
}

/**
 * A domain in the form used for comparisons: A-labels (IDNA, via `url.domainToASCII`), lower case,
 * no trailing dot. Address literals such as `[192.0.2.1]` are kept as written. Returns undefined
 * when the domain is not a valid host name.
 */
export function normalizeDomain(domain: string): string | undefined {
  const fast = plainAsciiDomain(domain);
  if (fast !== null) return fast;
  let d = domain.trim();
  if (d.endsWith('.')) d = d.slice(0, -1);
  if (d.length === 0 || d.length > 253) return undefined;
  if (d.startsWith('[')) {
    // An address literal in its canonical form (`[192.000.002.001]` is `[192.0.2.1]`).
    const literal = parseAddressLiteral(d);
    return literal.ok ? literal.value.ascii : undefined;
  }
  const again = plainAsciiDomain(d);
  if (again !== null) return again;
  // The IDNA result must itself be a plain host name (no empty label, no trailing dot left over).
  return plainAsciiDomain(domainToASCII(d)) ?? undefined;
}

/** An Internet address split into its local part and its normalized domain. */
export interface InternetAddress {
  /** The local part's value: a quoted local part comes without its quotes and escapes (`"kim"` is `kim`). */
  readonly localPart: string;
  /** The domain in A-label form, lower case, or a canonical address literal. */
  readonly domain: string;
}

/**
 * Reads an Internet mailbox (`local@domain` or `<local@domain>`, UTF-8 allowed) with the envelope
 * package's RFC 5321 parser. Undefined when the text is not one mailbox.
 */
export function parseMailbox(text: string): Mailbox | undefined {
  const parsed = parseForwardPath(text.trim(), { smtputf8: true });
  return parsed.ok && parsed.value.kind === 'mailbox' ? parsed.value.mailbox : undefined;
}

/**
 * The common `local@domain.tld` (ASCII Dot-string local part by the envelope's own `isDotString`,
 * plain short domain) read without building the envelope parser's objects. Returns undefined
 * whenever the full parser must decide, so the answer is always the envelope parser's (a test
 * checks the two agree on random text).
 */
export function plainMailbox(text: string): InternetAddress | undefined {
  if (text.length > 254) return undefined;
  const at = text.indexOf('@');
  if (at <= 0 || at > 64) return undefined;
  for (let i = 0; i < at; i++) if (text.charCodeAt(i) > 127) return undefined;
  const local = text.slice(0, at);
  if (!isDotString(local)) return undefined;
  const rest = text.slice(at + 1);
  // At most 63 octets, so no label is too long; a label ending in "-" and "xn--" labels (whose
  // Punycode must be checked) go to the full parser.
  if (rest.length > 63 || !rest.includes('.') || rest.includes('-.') || rest.endsWith('-')) return undefined;
  if (rest.includes('--')) return undefined;
  const domain = plainAsciiDomain(rest);
  return typeof domain === 'string' ? { localPart: local, domain } : undefined;
}

/**
 * Reads `local@domain` with the envelope package's parser: the local part unquoted, the domain
 * normalized. Returns undefined for anything that is not one valid mailbox (`a@b@c.com`, an empty
 * local part, a bad domain).
 */
export function parseInternetAddress(address: string): InternetAddress | undefined {
  const plain = plainMailbox(address);
  if (plain !== undefined) return plain;
  const mailbox = parseMailbox(address);
  if (mailbox === undefined || mailbox.localPart.length === 0) return undefined;
  return { localPart: mailbox.localPart, domain: mailbox.domain.ascii };
}

/**
 * The canonical address literal of one of the server's own addresses, written as `192.0.2.1`,
 * `[192.0.2.1]`, `2001:db8::1` or `[IPv6:2001:db8::1]`; undefined when it is none of these.
 * IPv4-mapped IPv6 addresses count as their IPv4 address.
 */
export function ownAddressIp(written: string): string | undefined {
  const text = written.trim();
  if (text.startsWith('[')) {
    const literal = parseAddressLiteral(text);
    return literal.ok && literal.value.kind === 'literal' ? literal.value.ip : undefined;
  }
  return parseIp(text)?.address;
}

/** The IP of a canonical address literal (`[192.0.2.1]`, `[IPv6:...]`), or undefined. */
export function literalIp(domain: string): string | undefined {
  if (domain.charCodeAt(0) !== 91) return undefined;
  const literal = parseAddressLiteral(domain);
  return literal.ok && literal.value.kind === 'literal' ? literal.value.ip : undefined;
}

/**
 * A Global Domain alias as the loader keeps it: a domain name, or `*.name` for every subdomain of
 * `name` (Domino Administrator help: "*.acme.com" makes any subdomain local). Returns the
 * normalized form, or undefined when it is neither.
 */
export function normalizeDomainAlias(alias: string): string | undefined {
  const text = alias.trim();
  if (text.startsWith('*.')) {
    const base = normalizeDomain(text.slice(2));
    return base === undefined || base.startsWith('[') ? undefined : `*.${base}`;
  }
  return normalizeDomain(text);
}

/** The lookup key of an Internet address: local part and domain lower-cased (Domino ignores case). */
export function internetAddressKey(localPart: string, domain: string): string {
  return `${localPart.toLowerCase()}@${domain}`;
}

/**
 * True when a single domain after `@` reads as an Internet domain rather than a Notes domain:
 * it contains a dot or is an address literal. Notes domain names (`Acme`, `all_the_internet`)
 * have no dots.
 */
export function looksLikeInternetDomain(domain: string): boolean {
  const d = domain.trim();
  return d.includes('.') || (d.startsWith('[') && d.endsWith(']'));
}

/**
 * Matches an Internet domain against a Foreign SMTP Domain pattern such as `*.*`,
 * `*.example.com` or `example.com`. `*` stands for any run of characters; comparison is on the
 * normalized (A-label, lower-case) forms.
 */
export function matchesDomainPattern(pattern: string, domain: string): boolean {
  const p = pattern.trim().toLowerCase();
  if (!p.includes('*')) return (normalizeDomain(p) ?? p) === domain;
  const pieces = p.split('*');
  let pos = 0;
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i]!;
    if (i === 0) {
      if (!domain.startsWith(piece)) return false;
      pos = piece.length;
    } else if (i === pieces.length - 1) {
      return domain.length - piece.length >= pos && domain.endsWith(piece);
    } else {
      const at = domain.indexOf(piece, pos);
      if (at < 0) return false;
      pos = at + piece.length;
    }
  }
  return true;
}

/** How specific a domain pattern is: literal characters count, so `*.acme.com` beats `*.*`. */
export function patternSpecificity(pattern: string): number {
  return pattern.replaceAll('*', '').length;
}
