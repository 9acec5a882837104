/**
 * The policy configuration: a plain object that mirrors the Configuration Settings document,
 * Router/SMTP > Restrictions and Controls > SMTP Inbound Controls, section by section, plus the
 * notes.ini switches that change those controls. Every field is optional; the default is Domino's
 * unless the README says why it differs.
 */

/** Who the inbound relay controls apply to ("Perform Anti-Relay enforcement for these connecting hosts"). */
export type RelayEnforcement = 'external' | 'all' | 'none';

/** "Exceptions for authenticated users". */
export type AuthenticatedRelay = 'enforce' | 'exempt';

/** How a listed domain matches a name. */
export type DomainMatchMode = 'label' | 'substring';

/** What happens when the connecting host is on a DNS blacklist. */
export type DnsBlacklistAction = 'log' | 'tag' | 'reject';

/** What happens when the connecting host is on a DNS whitelist. */
export type DnsWhitelistAction = 'log' | 'tag';

/** One DNS list site, optionally filtered on the `127.0.0.x` answers that count as a hit. */
export interface DnsListSite {
  /** The list's zone, e.g. `zen.spamhaus.org`. */
  readonly site: string;
  /**
   * Answers that count as a hit (`127.0.0.2`, ...). Empty or absent: any answer is a hit.
   * Written in a string entry as `site=127.0.0.2,127.0.0.4`.
   */
  readonly codes?: readonly string[];
}

/** Inbound Relay Controls and Inbound Relay Enforcement. */
export interface RelayConfig {
  /** "Allow messages to be sent only to the following external internet domains". Exclusive when not empty. Default `[]`. */
  readonly allowTo?: readonly string[];
  /** "Deny messages to be sent to the following external internet domains (* means all)". Default `[]`. */
  readonly denyTo?: readonly string[];
  /** "Allow messages only from the following internet hosts to be sent to external internet domains". Exclusive when not empty. Default `[]`. */
  readonly allowFrom?: readonly string[];
  /** "Deny messages from the following internet hosts to be sent to external internet domains (* means all)". Default `[]`. */
  readonly denyFrom?: readonly string[];
  /** notes.ini `SMTPRelayHostsandDomains`: 0 Allow entries win a conflict (default), 1 Deny entries win. */
  readonly precedence?: 0 | 1;
  /** "Perform Anti-Relay enforcement for these connecting hosts": External hosts (default), All connecting hosts, None. */
  readonly enforcement?: RelayEnforcement;
  /** "Exclude these connecting hosts from anti-relay checks". Default `[]`. */
  readonly exclude?: readonly string[];
  /** "Exceptions for authenticated users": `enforce` (Perform anti-relay checks, default) or `exempt` (Allow all authenticated users to relay). */
  readonly authenticatedUsers?: AuthenticatedRelay;
}

/** Inbound Connection Controls. */
export interface ConnectionConfig {
  /** "Verify connecting hostname in DNS": a PTR name must exist for the connecting IP. Default false. */
  readonly verifyHostName?: boolean;
  /** "Allow connections only from the following SMTP internet hostnames/IP addresses". Ignored while `deny` has entries. Default `[]`. */
  readonly allowOnly?: readonly string[];
  /** "Deny connections from the following SMTP internet hostnames/IP addresses". Default `[]`. */
  readonly deny?: readonly string[];
  /** notes.ini `SMTPErrorLimit`: protocol errors before the server drops the session. Default 10. Reported, enforced by the server. */
  readonly errorLimit?: number;
}

/** Inbound Sender Controls. */
export interface SenderConfig {
  /** "Verify sender's domain in DNS": MX, CNAME or A must exist for the MAIL FROM domain. Default false. */
  readonly verifyDomain?: boolean;
  /** notes.ini `SMTPVerifySendersDomainTimeout`, seconds; passed to the DNS interface. Default 30. */
  readonly verifyDomainTimeoutSeconds?: number;
  /** "Allow messages only from the following external internet addresses/domains". Ignored while `deny` has entries. Default `[]`. */
  readonly allow?: readonly string[];
  /** "Deny messages from the following external internet addresses/domains". Default `[]`. */
  readonly deny?: readonly string[];
}

/** Inbound Intended Recipients Controls. */
export interface RecipientConfig {
  /** "Verify that local domain recipients exist in the Domino Directory". Default false. */
  readonly verifyLocal?: boolean;
  /** "Allow messages intended only for the following internet addresses". Ignored while `deny` has entries. Default `[]`. */
  readonly allow?: readonly string[];
  /** "Deny messages intended for the following internet addresses". Default `[]`. */
  readonly deny?: readonly string[];
  /** notes.ini `SMTPDenyNotUniqueRCPT`: 1 refuses names the directory finds more than once. Default 0. Needs `verifyLocal`. */
  readonly denyNotUnique?: 0 | 1;
  /** notes.ini `SMTPDenyMailToGroups`: 0 accept (default), 1 refuse from external hosts, 2 refuse from all hosts. Needs `verifyLocal`. */
  readonly denyMailToGroups?: 0 | 1 | 2;
}

/** DNS Blacklist Filters. */
export interface DnsBlacklistConfig {
  /** "DNS Blacklist filters: Enabled". Default false. */
  readonly enabled?: boolean;
  /** "DNS Blacklist sites", queried in order; the first hit wins. Default `[]`. */
  readonly sites?: readonly (string | DnsListSite)[];
  /** "Desired action when a connecting host is found in a DNS Blacklist": Log (default), Log and tag message, Log and reject message. */
  readonly action?: DnsBlacklistAction;
  /** "Custom SMTP error response for rejected messages": the first `%s` is the IP, the second the site. */
  readonly rejectText?: string;
  /** notes.ini `SMTPExpandDNSBLStats`: also count hits per connecting IP. Default false. */
  readonly expandStatistics?: boolean;
}

/** DNS Whitelist Filters: a listed host skips the blacklist checks. */
export interface DnsWhitelistConfig {
  /** "DNS Whitelist filters: Enabled". Default false. */
  readonly enabled?: boolean;
  /** "DNS Whitelist sites", queried in order; the first hit wins. Default `[]`. */
  readonly sites?: readonly (string | DnsListSite)[];
  /** "Desired action when a connecting host is found in a DNS Whitelist": Log (default), Log and tag message. */
  readonly action?: DnsWhitelistAction;
}

/**
 * "Sender Policy Framework check (SPF)" and "Desired action when the sending IP hard fails the
 * SPF check for the sender domain": `none` (Disabled), `log` (Log), `tag` (Log and tag message:
 * the item `Received_SPF`), `reject` (Log and reject message: 550 5.7.23 at MAIL FROM on `fail`).
 */
export type SpfCheckAction = 'none' | 'log' | 'tag' | 'reject';

/** "DKIM signature verification": `none` (Disabled), `log` (Log), `tag` (Log and tag message: the item `DKIM_Signature`). */
export type DkimCheckAction = 'none' | 'log' | 'tag';

/**
 * DMARC (RFC 7489; **beyond** Domino, which has none): `off`, `report` (evaluate, log and write
 * the result into Authentication-Results, never act), `apply` (act on the sender's published
 * policy: `p=reject` refuses at the end of DATA with 550 5.7.1, `p=quarantine` accepts the message
 * held in mail.box).
 */
export type DmarcAction = 'off' | 'report' | 'apply';

/** Inbound Sender Domain Authentication Controls (plus DMARC, **beyond** Domino). */
export interface SenderAuthenticationConfig {
  /** SPF check and the action on a hard fail. Default `none`. */
  readonly spf?: SpfCheckAction;
  /**
   * "Do not perform an SPF check for the following internet hostnames/IP addresses": host names
   * (a trusted PTR name, matched with its subdomains), `[ip]` or `[ip/prefix]` entries, groups.
   * Such hosts (forwarders, partners) also have DMARC evaluated but never applied. Default `[]`.
   */
  readonly spfExceptions?: readonly string[];
  /** DKIM signature verification. Default `none`. */
  readonly dkim?: DkimCheckAction;
  /** DMARC. Default `off`. */
  readonly dmarc?: DmarcAction;
}

/** The whole policy configuration. */
export interface PolicyConfig {
  /**
   * Global Domain document: "Local primary Internet domain" and "Alternate Internet domain
   * aliases". `*.example.com` also makes every subdomain local. Default `[]`.
   */
  readonly localInternetDomains?: readonly string[];
  /** The server's own IP addresses, so that `user@[192.0.2.1]` to this server is local. Default `[]`. */
  readonly localAddresses?: readonly string[];
  /** Inbound Relay Controls and Enforcement. */
  readonly relay?: RelayConfig;
  /** Inbound Connection Controls. */
  readonly connection?: ConnectionConfig;
  /** Inbound Sender Controls. */
  readonly sender?: SenderConfig;
  /** Inbound Intended Recipients Controls. */
  readonly recipient?: RecipientConfig;
  /** DNS Blacklist Filters. */
  readonly dnsBlacklist?: DnsBlacklistConfig;
  /** DNS Whitelist Filters. */
  readonly dnsWhitelist?: DnsWhitelistConfig;
  /**
   * Inbound Sender Domain Authentication Controls: SPF, DKIM and DMARC. The checks themselves run
   * outside the policy (the gatherer's `PolicyAuthentication`); the policy decides on their results.
   * Authenticated sessions are never checked (they are our own users).
   */
  readonly senderAuthentication?: SenderAuthenticationConfig;
  /** notes.ini `SMTPVerifyAuthenticatedSender`: 1 requires Sender (or From) to be the authenticated user's address. Default 0. */
  readonly verifyAuthenticatedSender?: 0 | 1;
  /**
   * How listed domains match (relay lists, host-name lists, `*@domain`). `label` (default,
   * **beyond** Domino): `ibm.com` matches `ibm.com` and `us.ibm.com`, never `evilibm.com`.
   * `substring`: Domino's trailing-substring match, where `ibm.com` also matches `evilibm.com`.
   */
  readonly domainMatch?: DomainMatchMode;
  /**
   * Use a PTR name that was not forward-confirmed (its A/AAAA records do not include the
   * connecting IP) to match host names and to call a host internal. Default false (**beyond**
   * Domino, which trusts the PTR alone): whoever controls an IP's reverse zone can name it
   * `mail.your-domain.example` and be treated as internal.
   */
  readonly trustUnconfirmedPtr?: boolean;
  /**
   * Group members by group name, for list entries that name a Domino group. Fill it with
   * `resolvePolicyGroups` from a directory, or by hand. Default `{}`.
   */
  readonly groups?: Readonly<Record<string, readonly string[]>>;
}

/** Domino's default `SMTPErrorLimit` in the Configuration Settings document. */
export const DEFAULT_ERROR_LIMIT = 10;
/** Domino's default `SMTPVerifySendersDomainTimeout`, seconds (6.0.3 and later). */
export const DEFAULT_VERIFY_DOMAIN_TIMEOUT_SECONDS = 30;
/** Default text of a DNS blacklist rejection: the IP, then the site. */
export const DEFAULT_DNSBL_REJECT_TEXT = 'Connection refused for policy reasons: %s is listed at %s';
