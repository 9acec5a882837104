/**
 * What a connection is opened with: the server, TLS settings and certificate checking, the HELO
 * name, timeouts and limits; and the TLS state a connection reports.
 */
import type { Clock, Logger } from '@mailroute/envelope';
import type { SmtpTimeouts } from './options.js';
import type { ReplyReaderLimits } from './reply-reader.js';
import type { ClientDebugLevel } from './wire.js';

/**
 * How the server's certificate is checked. `verify`: chain and host name (the `servername`) must
 * be valid or the handshake fails; `opportunistic`: encrypt anyway, record whether it verified
 * (`tls.authorized`); `none`: encrypt, do not look (Domino's negotiated TLS).
 */
export type CertificateMode = 'none' | 'opportunistic' | 'verify';

/** TLS settings of a connection (implicit TLS or STARTTLS). */
export interface ClientTlsOptions {
  /** Certificate checking; default `opportunistic`. */
  readonly certificates?: CertificateMode;
  /** Trusted CAs (PEM); default Node's bundle. */
  readonly ca?: string | Buffer | readonly (string | Buffer)[];
  /** Client certificate (PEM), for servers that ask for one. */
  readonly cert?: string | Buffer;
  /** The client certificate's private key (PEM). */
  readonly key?: string | Buffer;
  /** Lowest TLS version; default `TLSv1.2` (RFC 8997). */
  readonly minVersion?: 'TLSv1.2' | 'TLSv1.3';
}

/** Options of {@link connect}. */
export interface ConnectOptions {
  /** Host name or IP address to connect to. */
  readonly host: string;
  /** Port; default 25. */
  readonly port?: number;
  /** TLS from the first byte (port 465, RFC 8314); default false. */
  readonly implicitTls?: boolean;
  /** The name the certificate must carry and the SNI name; default `host` when it is a name. */
  readonly servername?: string;
  /** TLS settings for implicit TLS and STARTTLS. */
  readonly tls?: ClientTlsOptions;
  /** The name this client gives in EHLO/HELO; default the machine's host name. */
  readonly heloName?: string;
  /** Local address to connect from. */
  readonly localAddress?: string;
  /** How results name the server (RFC 3464 Remote-MTA); default `host`, or `[ip]` for an address. */
  readonly remoteMta?: string;
  /** Per-phase timeouts (RFC 5321 4.5.3.2); default RFC 5321's figures. */
  readonly timeouts?: Partial<SmtpTimeouts>;
  /** Domino `SMTPTimeoutMultiplier`: every timeout is multiplied by it; default 1. */
  readonly timeoutMultiplier?: number;
  /** Reply reader limits (line length, lines per reply). */
  readonly replyLimits?: ReplyReaderLimits;
  /**
   * Largest 8-bit message converted to 7 bit (with the itemizer) for a server without 8BITMIME
   * (RFC 6152 3); larger ones get a transient `SMTP_8BIT_UNSUPPORTED`. 0 never converts. Default
   * 10,485,760 octets (the conversion holds the message in memory).
   */
  readonly maxDowngradeBytes?: number;
  /** Allow AUTH without TLS; default false (the password would cross the network in clear). */
  readonly allowPlaintextAuth?: boolean;
  /**
   * With PIPELINING (and no CHUNKING), send DATA in the same group as MAIL and RCPT (RFC 2920
   * 3.1): one round trip less per message. Default false: DATA goes only once a RCPT reply shows
   * an accepted recipient. A server that answers 354 although it refused every recipient (RFC
   * 2920 says it must not) gets no data: the session is closed.
   */
  readonly pipelineData?: boolean;
  /** Domino `SMTPClientDebug`: 0 off, 1 commands and replies, 2 plus data byte counts; default 0. */
  readonly debug?: ClientDebugLevel;
  /** Where the conversation is logged (at debug level); default silent. */
  readonly logger?: Logger;
  /** Time source for every timeout; default the system clock. */
  readonly clock?: Clock;
  /** Aborts the connect and greeting. */
  readonly signal?: AbortSignal;
}

/** What the TLS layer reported. */
export interface TlsState {
  /** The negotiated protocol, e.g. `TLSv1.3`. */
  readonly protocol: string | null;
  /** The negotiated cipher's name. */
  readonly cipher: string;
  /** True when the certificate verified against the CAs and the servername. */
  readonly authorized: boolean;
  /** Why it did not verify, when it did not. */
  readonly authorizationError?: string;
}
