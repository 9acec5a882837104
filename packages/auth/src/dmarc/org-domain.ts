/**
 * The organizational domain (RFC 7489 section 3.2): the registrable domain under the Public Suffix
 * List, from tldts (the list compiled in, refreshed with each tldts release; see the README for why
 * tldts and how to update).
 */
import { getDomain } from 'tldts';

/**
 * The organizational domain of `domain`, lower case without a final dot. A name that is itself a
 * public suffix, or under no known suffix, is its own organizational domain (RFC 7489 section 3.2
 * step 4 keeps the name when no suffix matches). Private-section rules of the list apply, so
 * `alice.github.io` is its own organization, as the list's maintainers intend.
 */
export function organizationalDomain(domain: string): string {
  const d = domain.toLowerCase().replace(/\.$/, '');
  return getDomain(d, { allowPrivateDomains: true, validateHostname: false }) ?? d;
}

/** Relaxed alignment: the same organizational domain. Strict: the same name. */
export function aligned(a: string, b: string, mode: 'r' | 's'): boolean {
  const x = a.toLowerCase().replace(/\.$/, '');
  const y = b.toLowerCase().replace(/\.$/, '');
  if (x === y) return true;
  return mode === 'r' && organizationalDomain(x) === organizationalDomain(y);
}
