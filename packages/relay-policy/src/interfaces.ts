/**
 * What the fact gatherer needs from outside, in the policy's own terms. The gateway adapts its
 * resolver (e.g. @mailroute/dns) and its directory (e.g. @mailroute/routing) to these shapes.
 * A method may throw or reject: the gatherer turns that into a `temperror` / `unavailable` fact.
 */
import type {
  AuthenticatedAddress,
  DkimFact,
  DmarcFact,
  DnsListAnswer,
  DomainExistence,
  RecipientLookup,
  SpfFact,
} from './facts.js';

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

/** What an SPF check is asked about. */
export interface SpfQuestion {
  /** The connecting IP. */
  readonly ip: string;
  /** The HELO/EHLO argument ('' when none was given). */
  readonly helo: string;
  /** The MAIL FROM address without brackets; '' for the null reverse path (HELO is then checked). */
  readonly mailFrom: string;
}

/** What the end-of-data checks are asked about. */
export interface MessageQuestion {
  /** The message as received (header and body, CRLF line ends). */
  readonly message: Uint8Array;
  /** The SPF result of the transaction, when it was checked (DMARC reads it). */
  readonly spf?: SpfFact;
  /** Verify DKIM signatures (also needed by DMARC). */
  readonly dkim: boolean;
  /** Evaluate DMARC. */
  readonly dmarc: boolean;
}

/**
 * The sender-authentication checks (SPF, DKIM, DMARC) in the policy's terms; the gateway adapts
 * `@mailroute/auth` and `@mailroute/dkim` to it. The policy does no DNS or crypto itself, as with
 * the DNS lists. A method may throw or reject: the gatherer turns that into a temperror result.
 */
export interface PolicyAuthentication {
  /** SPF of the transaction (RFC 7208). */
  checkSpf(question: SpfQuestion): Promise<SpfFact>;
  /** DKIM of every signature and DMARC (RFC 6376, RFC 7489). */
  checkMessage(
    question: MessageQuestion,
  ): Promise<{ readonly dkim: readonly DkimFact[]; readonly dmarc?: DmarcFact }>;
}
