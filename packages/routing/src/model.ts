/**
 * The directory as plain data: documents that mirror the Domino Directory (names.nsf).
 * Everything here is read-only input; the loader validates it and the in-memory directory indexes it.
 */

/** "Format preference for incoming mail" on the Person document. */
export type FormatPreference = 'keepSendersFormat' | 'notesRichText' | 'mime';

/** A Person document. */
export interface PersonDocument {
  /**
   * The "User name" (FullName) field: the first entry is the canonical Notes name the user is
   * authenticated with; later entries are aliases, including alias Internet addresses.
   */
  readonly fullNames: readonly string[];
  /** "Short name/UserID" entries; found by a local-part lookup. */
  readonly shortNames: readonly string[];
  /** "Internet address": the primary address, normally in the primary Internet domain. */
  readonly internetAddress?: string;
  /** "Mail server": the home mail server's Notes name. */
  readonly mailServer?: string;
  /** "Mail file": the path of the mail database on the home server, e.g. `mail/jdoe.nsf`. */
  readonly mailFile?: string;
  /** "Domain": the Notes domain of the mail server when it is not the local one. */
  readonly mailDomain?: string;
  /** "Format preference for incoming mail". Default `keepSendersFormat` (Domino's recommendation). */
  readonly formatPreference: FormatPreference;
}

/** "Group type" on the Group document: only Mail only and Multi-purpose groups receive mail. */
export type GroupType = 'multipurpose' | 'mailOnly' | 'accessControlOnly' | 'denyList' | 'serversOnly';

/**
 * Where a group lives, for `$ExpandGroups`: `public` in the Domino Directory, `local` in a personal
 * or secondary address book.
 */
export type GroupScope = 'public' | 'local';

/** A Group document. */
export interface GroupDocument {
  /** "Group name". */
  readonly name: string;
  /** "Members": Notes names, Internet addresses, or names of other groups (nesting). */
  readonly members: readonly string[];
  /** "Group type". Default `multipurpose`. */
  readonly type: GroupType;
  /** "Internet address" of the group, if any. */
  readonly internetAddress?: string;
  /** Which directory the group comes from. Default `public`. */
  readonly scope: GroupScope;
}

/** A Server document. */
export interface ServerDocument {
  /** "Server name", e.g. `CN=Mail1/O=Acme`. */
  readonly name: string;
  /** "Domain name": the Notes domain. */
  readonly domain: string;
  /** "Notes Named Network" of the TCP/IP port; servers in one NNN of one domain route directly. */
  readonly namedNetwork?: string;
  /** "Fully qualified Internet host name". */
  readonly hostName?: string;
  /** "SMTP listener task": Enabled / Disabled. Default false. */
  readonly smtpListener: boolean;
}

/** "Connection type" of a Connection document. */
export type ConnectionType = 'nrpc' | 'smtp';

/** A (Server) Connection document: a directed edge of the routing graph. */
export interface ConnectionDocument {
  /** "Source server". */
  readonly source: string;
  /** "Destination server" (for an SMTP connection to a foreign SMTP domain: any label). */
  readonly destination: string;
  /** "Destination domain": another Notes domain, or the foreign SMTP domain's routed-to name. */
  readonly destinationDomain?: string;
  /** "Connection type". Default `nrpc`. */
  readonly type: ConnectionType;
  /** "Routing cost". Domino's default is 1. */
  readonly cost: number;
  /** "SMTP relay host" of an SMTP connection. */
  readonly relayHost?: string;
  /** "Enabled" (Basics: Usage priority / Schedule enabled). Default true. */
  readonly enabled: boolean;
}

/** An Adjacent Domain document: a Notes domain connected directly by Connection documents. */
export interface AdjacentDomainDocument {
  readonly type: 'adjacent';
  /** "Adjacent domain name". */
  readonly name: string;
}

/** A Non-adjacent Domain document: mail for `name` is routed through the domain `via`. */
export interface NonAdjacentDomainDocument {
  readonly type: 'nonAdjacent';
  /** "Mail sent to domain". */
  readonly name: string;
  /** "Route through domain". */
  readonly via: string;
}

/**
 * A Foreign SMTP Domain document: Internet domains matching `internetDomain` ("Messages addressed
 * to: Internet Domain", usually `*.*`) are routed to the Notes pseudo-domain `routeToDomain`
 * ("Should be routed to: Domain name") or straight to the host `routeToHost` ("Internet host").
 */
export interface ForeignSmtpDomainDocument {
  readonly type: 'foreignSmtp';
  /** "Internet Domain" pattern, e.g. `*.*`. */
  readonly internetDomain: string;
  /** "Domain name" the messages are routed to, e.g. `all_the_internet`. */
  readonly routeToDomain?: string;
  /** "Internet host" the messages are routed to. */
  readonly routeToHost?: string;
}

/** A Domain document of any type. */
export type DomainDocument = AdjacentDomainDocument | NonAdjacentDomainDocument | ForeignSmtpDomainDocument;

/** A Global Domain document (GDD): the local Internet domain and its aliases. */
export interface GlobalDomainDocument {
  /** "Global domain name" (the document's label). */
  readonly name?: string;
  /** "Local primary Internet domain". */
  readonly primaryDomain: string;
  /** "Alternate Internet domain aliases". */
  readonly aliases: readonly string[];
  /** "Use as default Global Domain". Default false. */
  readonly isDefault: boolean;
}

/** "Servers within the local Notes domain are reachable via SMTP over TCPIP". */
export type LocalSmtpReachability = 'always' | 'sameNamedNetwork' | 'never';

/** "Address lookup" for inbound Internet recipients. */
export type AddressLookupMode = 'fullnameOnly' | 'fullnameThenLocalPart' | 'localPartOnly';

/** "Use authentication when sending messages to the relay host". */
export type RelayHostAuthentication = 'required' | 'enabled' | 'disabled';

/**
 * The routing fields of a Configuration Settings document (Router/SMTP - Basics) and the notes.ini
 * switches that bear on routing. Every field has the Domino default, listed in
 * {@link DEFAULT_ROUTER_CONFIGURATION}.
 */
export interface RouterConfiguration {
  /** "SMTP used when sending messages outside of the local internet domain". Default false (Disabled). */
  readonly smtpOutsideLocalInternetDomain: boolean;
  /** "SMTP allowed within the local internet domain". Default false (Disabled). */
  readonly smtpWithinLocalInternetDomain: boolean;
  /**
   * "Servers within the local Notes domain are reachable via SMTP over TCPIP".
   * Default `sameNamedNetwork` ("Only if in same Notes Named Network").
   */
  readonly localServersReachableViaSmtp: LocalSmtpReachability;
  /** "Address lookup". Default `fullnameThenLocalPart` ("Fullname then Local Part"). */
  readonly addressLookup: AddressLookupMode;
  /** "Exhaustive lookup": search every directory and require a unique result. Default false. */
  readonly exhaustiveLookup: boolean;
  /** "Relay host for messages leaving the local internet domain" (multi-value). Default none. */
  readonly relayHosts: readonly string[];
  /** "Use authentication when sending messages to the relay host". Default `disabled`. */
  readonly relayHostAuthentication: RelayHostAuthentication;
  /** "Local Internet domain smart host". Default none (empty string). */
  readonly smartHost: string;
  /** "Smart host is used for all local internet domain recipients". Default false (Disabled). */
  readonly smartHostForAllLocalRecipients: boolean;
  /** notes.ini `Disable_BCC_group_expansion=1`: groups in BCC are not expanded. Default false. */
  readonly disableBccGroupExpansion: boolean;
  /** notes.ini `RouterDisableMailToGroups=1`: mail to a group is a policy failure. Default false. */
  readonly routerDisableMailToGroups: boolean;
}

/** The Domino defaults of every {@link RouterConfiguration} field. */
export const DEFAULT_ROUTER_CONFIGURATION: RouterConfiguration = Object.freeze({
  smtpOutsideLocalInternetDomain: false,
  smtpWithinLocalInternetDomain: false,
  localServersReachableViaSmtp: 'sameNamedNetwork',
  addressLookup: 'fullnameThenLocalPart',
  exhaustiveLookup: false,
  relayHosts: Object.freeze([]) as readonly string[],
  relayHostAuthentication: 'disabled',
  smartHost: '',
  smartHostForAllLocalRecipients: false,
  disableBccGroupExpansion: false,
  routerDisableMailToGroups: false,
});

/**
 * A Configuration Settings document: routing fields for one server, or for every server without
 * its own document when `server` is `*`.
 */
export interface ConfigurationSettingsDocument extends Partial<RouterConfiguration> {
  /** The server the document applies to, or `*` for all servers (Domino's default document). */
  readonly server: string;
}

/** Everything the directory holds, as validated plain data. */
export interface DirectoryData {
  readonly persons: readonly PersonDocument[];
  readonly groups: readonly GroupDocument[];
  readonly servers: readonly ServerDocument[];
  readonly connections: readonly ConnectionDocument[];
  readonly domains: readonly DomainDocument[];
  readonly globalDomains: readonly GlobalDomainDocument[];
  readonly configurations: readonly ConfigurationSettingsDocument[];
}

/** A problem found in directory data: the JSON path of the bad field and what is wrong with it. */
export interface DirectoryProblem {
  /** Path of the field, e.g. `persons[3].internetAddress`; empty for the whole document. */
  readonly path: string;
  /** What is wrong, in words an administrator understands. */
  readonly message: string;
  /** `error`: the document or field was left out; `warning`: kept, but probably not what was meant. */
  readonly severity: 'error' | 'warning';
}
