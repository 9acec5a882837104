/**
 * Normalising the names written in the configuration and the names seen in facts, so that both
 * sides compare in one form: lowercase A-labels, no trailing dot, IPv4-mapped IPv6 as IPv4.
 */
import {
  type Failed,
  failed,
  isIPv4Mapped,
  type MailDomain,
  ok,
  parseDomain,
  parseIPv4,
  parseIPv6,
  type Result,
} from '@mailroute/envelope';

/** The code of every configuration entry or fact that is refused as written. */
export const POLICY_BAD_ENTRY = 'POLICY_BAD_ENTRY';

/** A failure with code {@link POLICY_BAD_ENTRY}; `message` says what is wrong with the entry. */
export function badEntry(message: string): Failed {
  return failed({ code: POLICY_BAD_ENTRY, message, temporary: false });
}

/**
 * Normalises a domain name (the value is its A-label form) written by an administrator or returned by DNS: trims, drops one
 * trailing dot (DNS absolute form), lowercases, converts U-labels to A-labels (UTS #46).
 * Underscores are tolerated because real PTR and host names carry them.
 */
export function normalizeDomainName(text: string): Result<string> {
  if (isPlainLowerName(text)) return ok(text);
  let t = text.trim();
  if (t.endsWith('.')) t = t.slice(0, -1);
  if (t.length === 0) return badEntry('empty name');
  const parsed = parseDomain(t, { allowUtf8: true, allowUnderscore: true });
  if (!parsed.ok) return badEntry(`not a valid domain name (${parsed.reason.problem})`);
  if (parsed.value.kind !== 'domain') return badEntry('an address literal, not a name');
  return ok(parsed.value.ascii);
}

/**
 * True for a name already in normal form without IDN labels: lowercase letters, digits, `-`, `_`,
 * labels of 1-63 octets not starting or ending with `-`. The common case (PTR names, parsed
 * domains) skips the full parser.
 */
function isPlainLowerName(text: string): boolean {
  const n = text.length;
  if (n === 0 || n > 253) return false;
  let labelStart = 0;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? text.charCodeAt(i) : 46;
    if (c === 46) {
      const len = i - labelStart;
      if (len === 0 || len > 63) return false;
      if (text.charCodeAt(labelStart) === 45 || text.charCodeAt(i - 1) === 45) return false;
      // "xn--" labels go through the full parser, which checks the Punycode.
      if (len >= 4 && text.charCodeAt(labelStart + 2) === 45 && text.charCodeAt(labelStart + 3) === 45)
        return false;
      labelStart = i + 1;
    } else if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 95)) {
      return false;
    }
  }
  return true;
}

/** The connecting host's address in the forms the matchers use. */
export interface HostAddress {
  /** The canonical text (IPv4-mapped IPv6 shown as the IPv4 it maps). */
  readonly text: string;
  /** The IPv4 address as a 32-bit number, when the host is IPv4 or IPv4-mapped. */
  readonly v4: number | undefined;
  /** The eight groups, when the host is real IPv6. */
  readonly v6: Uint16Array | undefined;
}

/** Parses the connecting IP fact; undefined when it is not an IP address. */
export function parseHostAddress(text: string): HostAddress | undefined {
  let t = text;
  // Node reports some peers as "::ffff:a.b.c.d"; brackets appear when callers copy a literal.
  if (t.length > 2 && t.charCodeAt(0) === 91 && t.charCodeAt(t.length - 1) === 93) t = t.slice(1, -1);
  const v4 = parseIPv4(t);
  if (v4 !== undefined) return { text: t, v4, v6: undefined };
  if (t.length > 5 && t.slice(0, 5).toLowerCase() === 'ipv6:') t = t.slice(5);
  const v6 = parseIPv6(t);
  if (v6 === undefined) return undefined;
  if (isIPv4Mapped(v6)) {
    const mapped = v6[6] * 65536 + v6[7];
    return { text: `${v6[6] >>> 8}.${v6[6] & 255}.${v6[7] >>> 8}.${v6[7] & 255}`, v4: mapped, v6: undefined };
  }
  return { text: t.toLowerCase(), v4: undefined, v6 };
}

/** The address of an address-literal mail domain, in matcher form. */
export function literalAddress(domain: MailDomain): HostAddress | undefined {
  return domain.kind === 'literal' ? parseHostAddress(domain.ip) : undefined;
}
