/** The options of a transfer agent, and what it needs of a resolver. */
import type { Clock, Logger } from '@mailroute/envelope';
import type { ClientTlsOptions } from './connect-options.js';
import type { MtaStsFetcher } from './mta-sts.js';
import type { SmtpTimeouts } from './options.js';
import type { PoolOptions } from './pool.js';
import type { ReplyReaderLimits } from './reply-reader.js';
import type { ClientDebugLevel } from './wire.js';

/** What the agent needs of a resolver: the shape of `@mailroute/dns`'s `MailResolver`. */
export interface TransferResolver {
  /** MX hosts and their addresses in the order to try. */
  resolveMx(
    domain: string,
    options?: { signal?: AbortSignal },
  ): Promise<{
    readonly hosts: readonly { readonly exchange: string; readonly addresses: readonly string[] }[];
  }>;
  /** IPv4 addresses of a name. */
  resolveA(name: string, options?: { signal?: AbortSignal }): Promise<string[]>;
  /** IPv6 addresses of a name. */
  resolveAaaa(name: string, options?: { signal?: AbortSignal }): Promise<string[]>;
  /** TXT records (for MTA-STS). */
  resolveTxt(name: string, options?: { signal?: AbortSignal }): Promise<string[]>;
}

/** Options of {@link createTransferAgent}. */
export interface TransferAgentOptions {
  /** DNS; default a `@mailroute/dns` resolver on the system's servers. */
  readonly resolver?: TransferResolver;
  /** The name given in EHLO; default the machine's host name. */
  readonly heloName?: string;
  /** Port of MX hosts; default 25 (tests point it elsewhere). */
  readonly mxPort?: number;
  /**
   * TLS toward MX hosts: `negotiated` (Domino "Negotiated TLS": STARTTLS when offered, the
   * default), `none`, or `required`.
   */
  readonly mxTls?: 'none' | 'negotiated' | 'required';
  /** Domains whose MX hosts must speak TLS (TLS required per destination), lower case. */
  readonly tlsRequiredDomains?: readonly string[];
  /** Domino `ROUTERFALLBACKNONTLS=1`: a failed negotiated handshake is retried in plaintext; default false. */
  readonly fallbackNonTls?: boolean;
  /** Certificates, CAs, client certificate; default certificates `opportunistic`. */
  readonly tls?: ClientTlsOptions;
  /** Largest 8-bit message converted to 7 bit for a server without 8BITMIME; 0 never; default 10 MiB. */
  readonly maxDowngradeBytes?: number;
  /** Allow AUTH without TLS toward a next hop; default false. */
  readonly allowPlaintextAuth?: boolean;
  /** DATA in the same PIPELINING group as MAIL and RCPT (see `ConnectOptions.pipelineData`); default false. */
  readonly pipelineData?: boolean;
  /** Per-phase timeouts (RFC 5321 4.5.3.2); default RFC 5321's. */
  readonly timeouts?: Partial<SmtpTimeouts>;
  /** Domino `SMTPTimeoutMultiplier`; default 1. */
  readonly timeoutMultiplier?: number;
  /** The most one delivery may take, all hosts included; default 3,600,000 ms. */
  readonly deadlineMs?: number;
  /** Pool limits. */
  readonly pool?: PoolOptions;
  /** Reply reader limits. */
  readonly replyLimits?: ReplyReaderLimits;
  /** MTA-STS (RFC 8461): give an HTTPS fetcher to switch it on. */
  readonly mtaSts?: { readonly fetch: MtaStsFetcher };
  /** Domino `SmtpSaveOutboundToFile=1`: the directory each outbound message is saved to. */
  readonly saveOutboundDir?: string;
  /** Domino `SMTPClientDebug`: 0 off, 1 commands and replies, 2 plus data byte counts. */
  readonly debug?: ClientDebugLevel;
  /** Logger; default silent. */
  readonly logger?: Logger;
  /** Clock; default the system's. */
  readonly clock?: Clock;
}
