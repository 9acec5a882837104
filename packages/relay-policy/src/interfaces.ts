/**
 * What the fact gatherer needs from outside, in the policy's own terms. The gateway adapts its
 * resolver (e.g. @mailroute/dns) and its directory (e.g. @mailroute/routing) to these shapes.
 * A method may throw or reject: the gatherer turns that into a `temperror` / `unavailable` fact.
 */
import type { AuthenticatedAddress, DnsListAnswer, DomainExistence, RecipientLookup } from './facts.js';

/** The answer to a PTR lookup. */
export type PtrAnswer =
  | { readonly result: 'found'; readonly names: readonly string[] }
  | { readonly result: 'none' }
  | { readonly result: 'temperror' };

/** The answer to an A/AAAA lookup. */
export type AddressAnswer =
  | { readonly result: 'found'; readonly addresses: readonly string[] }
  | { readonly result: 'none' }
  | { readonly result: 'temperror' };

/** The DNS lookups the policy's facts need. */
export interface PolicyDns {
  /** PTR names of an IP (IPv4 dotted quad or IPv6). */
  lookupPtr(ip: string): Promise<PtrAnswer>;
  /** A and AAAA addresses of a name, to forward-confirm a PTR name. */
  lookupAddresses(name: string): Promise<AddressAnswer>;
  /**
   * Whether an MX, CNAME or A record exists for the domain ("Verify sender's domain in DNS").
   * `timeoutMs` is `SMTPVerifySendersDomainTimeout`; past it the answer is `temperror`.
   */
  domainExists(domain: string, timeoutMs: number): Promise<DomainExistence>;
  /**
   * Looks the IP up in a DNS list zone: the A records of {@link dnsListQueryName}`(ip, zone)`.
   * NXDOMAIN or no A record is `none`.
   */
  queryDnsList(ip: string, zone: string): Promise<DnsListAnswer>;
}

/** The directory lookups the policy's facts need. */
export interface PolicyDirectory {
  /** Looks a local recipient's full address up (Domino: users view, then groups). */
  findRecipient(address: string): Promise<RecipientLookup>;
  /** The authenticated user's Internet address from the Person document. */
  findInternetAddress?(user: string): Promise<AuthenticatedAddress>;
  /** The members of a group, or undefined when no group has this name (for list entries naming groups). */
  expandGroup?(name: string): Promise<readonly string[] | undefined>;
}
