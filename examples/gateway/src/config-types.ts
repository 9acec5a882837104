/**
 * The gateway's configuration as loaded from its configuration directory: one JSON file per
 * Domino document family, each validated on its own so an error names the file and the field.
 */
import type { StaticZone } from '@mailroute/dns';
import type { PolicyConfig } from '@mailroute/relay-policy';
import type { DirectoryData } from '@mailroute/routing';
import type { OperatorSettings } from './config-mail-rules.js';

/** The files of a configuration directory. */
export const CONFIG_FILES = {
  gateway: 'gateway.json',
  directory: 'directory.json',
  inbound: 'smtp-inbound.json',
  dnsZone: 'dns-zone.json',
  dkim: 'dkim.json',
} as const;

/** A user allowed to AUTH (the Person document's Internet password). */
export interface SubmissionUser {
  /** The AUTH user name: a short name or full name of a Person document. */
  readonly name: string;
  /** `scrypt:<N>:<salt base64>:<hash base64>` (see `hashPassword`). Plain passwords are refused. */
  readonly password: string;
}

/** A DKIM key the gateway creates in its development credential store when it is missing. */
export interface DevelopmentKey {
  readonly domain: string;
  readonly selector: string;
  readonly type: 'rsa' | 'ed25519';
  /** RSA size; default 2048. */
  readonly bits?: number;
}

/** gateway.json: the Server document and the SMTP listener. */
export interface GatewaySettings {
  /** The host name in the greeting and Received headers (Server document, fully qualified host name). */
  readonly hostname: string;
  /** This server's Notes name, as in the directory's Server documents (e.g. `CN=Mail1/O=Acme`). */
  readonly thisServer: string;
  /** Listener address; default `127.0.0.1`. */
  readonly host: string;
  /** SMTP port; default 2525 (Domino's 25 needs root). */
  readonly port: number;
  /** Submission port (AUTH required); default none. */
  readonly submissionPort: number | undefined;
  /** "SSL negotiated over TCP/IP port": default `enabled` (development certificate). */
  readonly startTls: 'disabled' | 'enabled' | 'required';
  /**
   * The server certificate STARTTLS offers (Domino's keyring): PEM files, relative to the
   * configuration directory. Absent: a self-signed development certificate kept in the data
   * directory.
   */
  readonly tls: TlsFiles | undefined;
  /** Maximum message size in octets; default 26214400. */
  readonly maxMessageSizeBytes: number;
  /**
   * Octets of messages held in memory at once while they are itemized and signed, all sessions
   * together; default 268435456 (256 MiB), at least `maxMessageSizeBytes`. Past it: 452 4.3.1.
   */
  readonly maxBufferedBytes: number;
  /** `SMTPMaxRecipientCount`; default 100. */
  readonly maxRecipients: number;
  /** `SMTPMaxSessions`; default 1000. */
  readonly maxSessions: number;
  /**
   * Where mail to the bare `<postmaster>` (which RFC 5321 4.5.1 says every server must accept)
   * is delivered: an address or name the directory resolves. Default none: such mail fails
   * routing after the data and is counted.
   */
  readonly postmaster: string | undefined;
  /**
   * The authserv-id of the Authentication-Results field written on inbound mail (RFC 8601
   * section 2.5); fields that arrive claiming it are removed. Default `hostname`.
   */
  readonly authservId: string;
  /** Users who may AUTH (and, with the inbound controls' exemption, relay). */
  readonly users: readonly SubmissionUser[];
  /** notes.ini `TNEFEnableConversion`, `TNEFKeepAttachment`, `TNEFAttachRTF`; default 1, 0, 0. */
  readonly tnef: {
    readonly enableConversion: boolean;
    readonly keepAttachment: boolean;
    readonly attachRtf: boolean;
  };
  /** Server mail rules file, mail journal, routing log levels (`mailRules`, `journaling`, `routingLog`). */
  readonly operator: OperatorSettings;
  /** The Router's settings (mail.box, transfer, retries, reports). */
  readonly router: RouterSettings;
  /** The capture sink the example starts for the next hop; undefined when off. */
  readonly captureSink: CaptureSinkSettings | undefined;
}

/** gateway.json `tls`: the certificate (its chain may follow it in the same file) and its private key. */
export interface TlsFiles {
  readonly certificateFile: string;
  readonly keyFile: string;
}

/** gateway.json `router`: the Configuration Settings' Router/SMTP fields and notes.ini variables. */
export interface RouterSettings {
  /** Transfer Controls "Initial transfer retry interval", in ms; default 900000 (15 minutes). */
  readonly initialTransferRetryIntervalMs: number;
  /** Give up on a message after this long (RFC 5321 4.5.4.1: 4-5 days), in ms; default 432000000 (5 days). */
  readonly expiryMs: number;
  /** Router/SMTP Basics "DSN extension (RFC 3461)"; default false (Disabled). */
  readonly dsn: boolean;
  /** notes.ini `RouterDSNForNULLReversePath`: 0 (default) dead, 1 sent to the postmaster, 2 none. */
  readonly routerDSNForNULLReversePath: 0 | 1 | 2;
  /**
   * The SMTP port of next-hop hosts by host name (a relay host, a Connection document's relay
   * host, a Server document's host name): Domino always uses 25; on 127.0.0.1 several servers
   * need their own ports. Hosts not listed use 25.
   */
  readonly smtpPorts: Readonly<Record<string, number>>;
  /** The port of MX hosts; default 25. */
  readonly mxPort: number;
  /** Domino `ROUTERFALLBACKNONTLS=1`: a failed negotiated TLS handshake is retried in plaintext; default false. */
  readonly fallbackNonTls: boolean;
  /**
   * mail.box on PostgreSQL (`postgres://user:password@host:port/database`), shared by every
   * gateway started with the same URL; default none: mail.box is the file store under the data
   * directory. The schema must be migrated first (`mailroute-queue-postgres migrate <url>`).
   * The command line's `--queue` overrides it.
   */
  readonly queue: string | undefined;
  /** The PostgreSQL schema of the queue's tables; default `mailroute`. */
  readonly queueSchema: string | undefined;
  /** Configuration Settings "Maximum transfer threads"; default Domino's `3 + BufferPoolSizeMB/32` (at most 25). */
  readonly maxTransferThreads: number | undefined;
  /**
   * "Maximum concurrent transfer threads": the most transfers to one destination at once (the
   * per-destination connection limit); default half the transfer threads.
   */
  readonly maxConcurrentTransferThreads: number | undefined;
  /** "Maximum delivery threads"; default as the transfer threads. */
  readonly maxDeliveryThreads: number | undefined;
  /**
   * Send DATA in the same PIPELINING group as MAIL and RCPT (RFC 2920 3.1) when the next hop
   * offers PIPELINING and not CHUNKING: one round trip less per message; default true.
   */
  readonly pipelineData: boolean;
}

/** gateway.json `captureSink`: a small SMTP server on 127.0.0.1 that writes what it receives into `<data>/sink/`. */
export interface CaptureSinkSettings {
  /** Its port (the example: 2526; 0 picks a free one). */
  readonly port: number;
  /** Its listener address; default `127.0.0.1`. */
  readonly host: string;
  /**
   * The next-hop host names it stands in for (the example: the Connection document's relay host
   * `sink.acme.example` for the Internet, and `mail2.acme.example`): the Router sends mail for
   * them to the sink's port (`router.smtpPorts` for these names is set from it).
   */
  readonly hosts: readonly string[];
}

/** dkim.json: notes.ini-style signing settings and the development keys. */
export interface DkimSettings {
  /** `RouterDKIMSigning`, `DKIM_KEY_<domain>` as written in notes.ini. */
  readonly settings: Readonly<Record<string, string>>;
  /** Keys made at first start when the data directory has no credential store. */
  readonly developmentKeys: readonly DevelopmentKey[];
}

/** Everything the gateway reads from its configuration directory. */
export interface GatewayConfig {
  /** The folder it was read from. */
  readonly dir: string;
  readonly gateway: GatewaySettings;
  /** The Domino directory (persons, groups, servers, connections, domains, Global Domain documents). */
  readonly directory: Partial<DirectoryData>;
  /** SMTP inbound controls; `localInternetDomains` defaults to the Global Domain documents' domains. */
  readonly inbound: PolicyConfig;
  /** The static DNS zone used unless `--system-dns` is given. */
  readonly dnsZone: StaticZone;
  readonly dkim: DkimSettings;
}

/** A configuration error naming the file and the field. */
export class ConfigError extends Error {
  /** The file, relative to the configuration directory. */
  readonly file: string;
  /** The field path inside it (`users[0].password`), or "" for the whole file. */
  readonly field: string;

  constructor(file: string, field: string, message: string) {
    super(field === '' ? `${file}: ${message}` : `${file}: ${field}: ${message}`);
    this.name = 'ConfigError';
    this.file = file;
    this.field = field;
  }
}
