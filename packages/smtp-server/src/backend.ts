/**
 * The backend interface: what the server asks of the application. A {@link Backend} makes one
 * {@link BackendSession} per connection; the session's required methods are the mail transaction
 * (MAIL, RCPT, DATA), its optional methods are detected by shape and switch features on: a
 * session with `auth` gets AUTH advertised (where the options allow it), one with `verify`,
 * `expand` or `etrn` answers those commands when they are enabled.
 *
 * Every method may return a reply from the envelope catalogue (or any `SmtpReply`) to answer
 * the client with, or nothing for the default positive reply. A method may also throw an
 * `SmtpError` to send its reply; any other exception becomes `451 4.3.0` and a logged error.
 */
import type {
  ForwardPath,
  HelloCommand,
  MailParameters,
  RcptParameters,
  ReversePath,
  SmtpReply,
} from '@mailroute/envelope';

/** Which kind of listener a connection came in on. */
export type ListenerKind = 'smtp' | 'submission' | 'smtps';

/** What the server knows about a connection when it starts. */
export interface ConnectionInfo {
  /** Session id, also used in logs. */
  readonly id: string;
  /** The client's IP address (IPv4-mapped IPv6 addresses are given as IPv4). */
  readonly remoteAddress: string;
  /** The client's port. */
  readonly remotePort: number;
  /** The local address the client connected to. */
  readonly localAddress: string;
  /** The local port. */
  readonly localPort: number;
  /** The listener kind: plain SMTP, submission (AUTH required) or implicit TLS. */
  readonly listener: ListenerKind;
  /** True when the connection is under TLS from the start (implicit TLS, port 465). */
  readonly secure: boolean;
}

/** TLS facts of a session once the handshake is done. */
export interface TlsInfo {
  /** `TLSv1.2` or `TLSv1.3`. */
  readonly version: string;
  /** The negotiated cipher's standard name. */
  readonly cipher: string;
  /** The server name the client asked for (SNI), when it sent one. */
  readonly servername: string | undefined;
}

/** A recipient accepted in the current transaction. */
export interface EnvelopeRecipient {
  /** The forward-path. */
  readonly path: ForwardPath;
  /** Its parameters (DSN NOTIFY, ORCPT). */
  readonly params: RcptParameters;
}

/**
 * The envelope of a message as this server received it, handed to {@link BackendSession.data}.
 * Inbound, beside smtp-client's `OutboundEnvelope` and the router's `QueuedEnvelope`.
 */
export interface InboundEnvelope {
  /** Queue id of this message (also in the Received header and the 250 reply). */
  readonly id: string;
  /** The reverse-path of MAIL FROM. */
  readonly from: ReversePath;
  /** MAIL FROM parameters: SIZE, BODY, SMTPUTF8, DSN RET and ENVID, AUTH=. */
  readonly params: MailParameters;
  /** Accepted recipients in RCPT order. */
  readonly recipients: readonly EnvelopeRecipient[];
  /** The client's HELO/EHLO name. */
  readonly helo: string;
  /** The authenticated user, when the session authenticated. */
  readonly user: string | undefined;
  /** TLS details, when the session is under TLS. */
  readonly tls: TlsInfo | undefined;
  /** The connection. */
  readonly connection: ConnectionInfo;
  /** The command that carried the mail data: DATA, or BDAT (CHUNKING, RFC 3030). */
  readonly dataCommand: 'DATA' | 'BDAT';
}

/** Credentials from AUTH PLAIN or AUTH LOGIN. Never logged by the server. */
export interface PasswordCredentials {
  /** The SASL mechanism used. */
  readonly mechanism: 'PLAIN' | 'LOGIN';
  /** The authentication identity (user name). */
  readonly username: string;
  /** The password. */
  readonly password: string;
  /** The authorization identity of AUTH PLAIN, when the client asked to act as someone else. */
  readonly authorizationId: string | undefined;
}

/** What `auth` returns: true (235), false (535 5.7.8), or a reply of its own (2xx means success). */
export type AuthOutcome = boolean | SmtpReply;

/** A value or a promise of it. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * The message as the backend reads it: an async iterable of Buffers, with the Received header
 * first, dot-stuffing removed and line ends normalised to CRLF. Reading it is the backpressure:
 * while the backend does not take the next chunk, the server stops reading the socket. If the
 * message must be refused while it arrives (too big, bare line ends in strict mode), the
 * iteration throws an `SmtpError` with that reply; the server sends that reply whatever the
 * backend returns. `Readable.from(message)` makes a node Readable of it.
 */
export interface MessageStream extends AsyncIterable<Buffer> {
  /** Octets handed to the backend so far. */
  readonly bytesRead: number;
}

/**
 * What `data` returns: nothing (`250 2.6.0 Message accepted`), one reply, or one reply per
 * recipient in RCPT order. SMTP has one reply per message, so per-recipient replies are folded:
 * all positive gives the first, all negative gives the first failure, a mix gives the first
 * positive (the backend then owns the failed recipients' delivery status notifications) and is
 * logged.
 */
export type DataOutcome = SmtpReply | readonly SmtpReply[] | undefined;

/** One connection's conversation with the backend. */
export interface BackendSession {
  /**
   * The client's host name as the backend verified it (a forward-confirmed PTR name), for the
   * Received header's `from helo (name [ip])` clause. Read when each message starts, so a backend
   * may set it once its lookup is done. Leave it out when the name is unknown or unconfirmed:
   * the server does no DNS of its own.
   */
  readonly clientHostName?: string;
  /** HELO or EHLO (again after STARTTLS). Default: accepted. */
  helo?(hello: HelloCommand): MaybePromise<SmtpReply | undefined>;
  /**
   * AUTH PLAIN or LOGIN. Present means "this session can check passwords": AUTH is advertised
   * (under TLS, or everywhere with `allowInsecureAuth`).
   */
  auth?(credentials: PasswordCredentials): MaybePromise<AuthOutcome>;
  /**
   * AUTH CRAM-MD5 (RFC 2195): the backend, which knows the password, checks that `digest` is
   * HMAC-MD5(password, challenge) in hex. Present means CRAM-MD5 is advertised with AUTH.
   */
  authCramMd5?(username: string, challenge: string, digest: string): MaybePromise<AuthOutcome>;
  /** MAIL FROM. Default (and when left out): `250 2.1.0` for every sender. */
  mailFrom?(from: ReversePath, params: MailParameters): MaybePromise<SmtpReply | undefined>;
  /**
   * RCPT TO. Default (and when left out): `250 2.1.5` for every recipient. A non-2xx reply
   * leaves the recipient out.
   */
  rcptTo?(to: ForwardPath, params: RcptParameters): MaybePromise<SmtpReply | undefined>;
  /**
   * The message. Called when DATA is accepted (or at the first BDAT); read `message` to the end.
   * Required: a server that accepted mail with nowhere to put it would lose it silently.
   */
  data(message: MessageStream, envelope: InboundEnvelope): Promise<DataOutcome>;
  /** The transaction was abandoned (RSET, a new HELO/EHLO, STARTTLS, or a refused message). */
  reset?(): MaybePromise<void>;
  /** The connection ended. Called exactly once. */
  close?(): MaybePromise<void>;
  /** VRFY, when enabled (`SMTP VRFY` on). Without it an enabled VRFY answers 252. */
  verify?(query: string): MaybePromise<SmtpReply>;
  /** EXPN, when enabled. */
  expand?(query: string): MaybePromise<SmtpReply>;
  /** ETRN (RFC 1985), when enabled: start the queue run for `node`. Default `250 2.0.0`. */
  etrn?(node: string): MaybePromise<SmtpReply | undefined>;
}

/** The application side of the server: makes a session for each accepted connection. */
export interface Backend {
  /**
   * A client connected. Return its session, or a reply to refuse the connection with (for example
   * `Replies.connectionRefused`, 554 5.7.1): the server sends it and closes.
   */
  connect(info: ConnectionInfo): MaybePromise<BackendSession | SmtpReply>;
}
