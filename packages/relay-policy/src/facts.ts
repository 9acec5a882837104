/**
 * Facts: what the server knows about the session at each stage, and what DNS and the directory
 * answered. The policy reads only these; gathering them is the job of `gather.ts` or the caller.
 */
import type { ForwardPath, ReversePath } from '@mailroute/envelope';

/** The answer to the reverse (PTR) lookup of the connecting IP. */
export type PtrFact =
  | {
      readonly result: 'found';
      /** The PTR name (a trailing dot is ignored). */
      readonly name: string;
      /**
       * True when the name's A/AAAA records include the connecting IP (forward-confirmed reverse
       * DNS). Anyone can publish any PTR name for their own IP, so an unconfirmed name is not
       * trusted unless `trustUnconfirmedPtr` is set.
       */
      readonly confirmed?: boolean;
    }
  | { readonly result: 'none' }
  | { readonly result: 'temperror' };

/** What the policy knows about the session at every stage. */
export interface SessionFacts {
  /** The connecting IP (IPv4, IPv6, or IPv4-mapped IPv6, which counts as IPv4). */
  readonly ip: string;
  /** The reverse lookup answer; absent when it was not made. */
  readonly ptr?: PtrFact;
  /** The HELO/EHLO argument. Informational: never used to decide, as the client chooses it freely. */
  readonly helo?: string;
  /** The authenticated user's name, once AUTH succeeded. */
  readonly authenticatedUser?: string;
}

/** A DNS black- or whitelist answer for the connecting IP at one site. */
export interface DnsListAnswer {
  readonly site: string;
  /** `listed`: A records exist; `none`: NXDOMAIN or no A record; `temperror`: the query failed. */
  readonly result: 'listed' | 'none' | 'temperror';
  /** The A records returned (`127.0.0.2` ...), when listed. */
  readonly codes?: readonly string[];
}

/** Facts at connect time. */
export interface ConnectFacts extends SessionFacts {
  /** Whitelist answers, in site order; sites not queried are simply absent. */
  readonly dnsWhitelist?: readonly DnsListAnswer[];
  /** Blacklist answers, in site order; sites not queried are simply absent. */
  readonly dnsBlacklist?: readonly DnsListAnswer[];
}

/** Whether the sender's domain exists in DNS (an MX, CNAME or A record). */
export type DomainExistence = 'found' | 'none' | 'temperror';

/** The SPF result of the transaction (RFC 7208 words), from the gatherer's `PolicyAuthentication`. */
export interface SpfFact {
  readonly result: 'pass' | 'fail' | 'softfail' | 'neutral' | 'none' | 'temperror' | 'permerror';
  /** The identity checked: MAIL FROM, or HELO for the null reverse path. */
  readonly identity: 'mailfrom' | 'helo';
  /** The domain of that identity. */
  readonly domain: string;
  /** The Received-SPF field value (RFC 7208 section 9.1), for the `Received_SPF` item. */
  readonly receivedSpf?: string;
  /** The domain's explanation of a fail (exp=), used in the rejection text. */
  readonly explanation?: string;
}

/** One DKIM signature's verification (RFC 8601 words), or `none` for a message without one. */
export interface DkimFact {
  readonly result: 'pass' | 'fail' | 'neutral' | 'none' | 'temperror' | 'permerror' | 'policy';
  /** The signing domain (d=). */
  readonly domain?: string;
  /** The selector (s=). */
  readonly selector?: string;
  /** Why it did not pass. */
  readonly reason?: string;
}

/** What DMARC found for the message (RFC 7489). */
export interface DmarcFact {
  readonly result: 'pass' | 'fail' | 'none' | 'temperror' | 'permerror';
  /** The RFC5322.From domain. */
  readonly fromDomain: string;
  /** The published policy for that domain (p=, or sp= for a subdomain). */
  readonly policy: 'none' | 'quarantine' | 'reject';
  /** The policy to apply after pct= sampling (`none` on pass). */
  readonly disposition: 'none' | 'quarantine' | 'reject';
  /** True when pct= sampling lowered the policy for this message. */
  readonly sampledOut?: boolean;
}

/** Facts at MAIL FROM. */
export interface MailFromFacts {
  readonly session: SessionFacts;
  /** The reverse-path as the envelope parser understood it. */
  readonly sender: ReversePath;
  /** The DNS answer about the sender's domain; needed when "Verify sender's domain in DNS" is on. */
  readonly senderDomain?: DomainExistence;
  /** The SPF result; needed when `senderAuthentication.spf` is on and applies to the session. */
  readonly spf?: SpfFact;
}

/** The directory's answer about a local recipient. */
export type RecipientLookup = 'found' | 'not-found' | 'ambiguous' | 'group' | 'unavailable';

/** Facts at RCPT TO. */
export interface RcptToFacts {
  readonly session: SessionFacts;
  /** The forward-path as the envelope parser understood it. */
  readonly recipient: ForwardPath;
  /** The directory's answer; needed when "Verify that local domain recipients exist" is on. */
  readonly directory?: RecipientLookup;
}

/** The directory's answer about the authenticated user's Internet address. */
export type AuthenticatedAddress =
  | { readonly result: 'found'; readonly address: string }
  | { readonly result: 'none' }
  | { readonly result: 'unavailable' };

/** Facts at the end of DATA. */
export interface MessageFacts {
  readonly session: SessionFacts;
  /** The addresses of the Sender header (empty or absent when there is none). */
  readonly sender?: readonly string[];
  /** The addresses of the From header. */
  readonly from?: readonly string[];
  /** The authenticated user's directory Internet address; needed with `SMTPVerifyAuthenticatedSender=1`. */
  readonly authenticatedAddress?: AuthenticatedAddress;
  /** The SPF result of the transaction (from MAIL FROM), when it was checked. */
  readonly spf?: SpfFact;
  /** DKIM results, one per signature (`[{ result: 'none' }]` or `[]` when unsigned); needed for `senderAuthentication.dkim`. */
  readonly dkim?: readonly DkimFact[];
  /** The DMARC result; needed for `senderAuthentication.dmarc`. */
  readonly dmarc?: DmarcFact;
}
