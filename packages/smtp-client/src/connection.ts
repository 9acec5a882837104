/**
 * One SMTP client connection (RFC 5321): connect (TCP or implicit TLS) and read the greeting,
 * EHLO with HELO fallback, STARTTLS (RFC 3207), AUTH (RFC 4954), transactions, RSET and QUIT.
 * Every method resolves with a result; nothing the server or the network does makes one throw.
 */
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { type ConnectionOptions, type TLSSocket, connect as tlsConnect } from 'node:tls';
import {
  type Clock,
  failed,
  type Logger,
  ok,
  type Result,
  silentLogger,
  systemClock,
} from '@mailroute/envelope';
import { type AuthCredentials, chooseMechanism, startSasl } from './auth.js';
import { type Capabilities, heloCapabilities, parseCapabilities } from './capabilities.js';
import { resolveTimeouts, type SmtpTimeouts } from './options.js';
import { reason, replyReason, type SmtpClientReason } from './reasons.js';
import type { ReplyReaderLimits } from './reply-reader.js';
import { runTransaction } from './transaction.js';
import type { DeliveryOptions, DeliveryResult, OutboundEnvelope, OutboundMessage } from './types.js';
import { type ClientDebugLevel, SmtpWire } from './wire.js';

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

/** Connects and reads the greeting. Resolves with the connection, or the reason there is none. */
export async function connect(options: ConnectOptions): Promise<Result<SmtpConnection, SmtpClientReason>> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const timeouts = resolveTimeouts(options.timeouts, options.timeoutMultiplier ?? 1);
  const port = options.port ?? 25;
  const tlsOpts = options.tls ?? {};
  const servername = options.servername ?? (isIP(options.host) === 0 ? options.host : undefined);
  const remoteMta = options.remoteMta ?? (isIP(options.host) === 0 ? options.host : `[${options.host}]`);
  if (options.signal?.aborted) return failed(abortReason(options.signal));

  let tcp: Socket;
  try {
    tcp = netConnect({ host: options.host, port, localAddress: options.localAddress });
  } catch (err) {
    // A bad port or local address: node throws at once; the caller still gets a result.
    return failed(
      reason('SMTP_CONNECT_FAILED', `cannot connect to ${remoteMta} port ${port}: ${String(err)}`, true),
    );
  }
  const opened = await new Promise<SmtpClientReason | undefined>((resolve) => {
    const finish = (r: SmtpClientReason | undefined): void => {
      clock.clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      tcp.off('error', onError);
      tcp.off('connect', onUp);
      if (r !== undefined) {
        tcp.on('error', () => {});
        tcp.destroy();
      }
      resolve(r);
    };
    const onUp = (): void => finish(undefined);
    const onError = (err: NodeJS.ErrnoException): void =>
      finish(
        reason(
          'SMTP_CONNECT_FAILED',
          `cannot connect to ${remoteMta} port ${port}: ${err.code ?? err.message}`,
          true,
        ),
      );
    const onAbort = (): void => finish(abortReason(options.signal));
    const timer = clock.setTimeout(
      () =>
        finish(
          reason(
            'SMTP_TIMEOUT',
            `connecting to ${remoteMta} port ${port} took over ${timeouts.connectMs} ms`,
            true,
          ),
        ),
      timeouts.connectMs,
    );
    tcp.on('error', onError);
    tcp.once('connect', onUp);
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });
  if (opened !== undefined) return failed(opened);
  tcp.setNoDelay(true);
  tcp.on('error', () => {}); // the wire or the TLS socket reports errors from here on
  let socket: Socket = tcp;
  if (options.implicitTls) {
    const secured = await handshake(
      tcp,
      tlsOpts,
      servername,
      timeouts.tlsHandshakeMs,
      clock,
      remoteMta,
      options.signal,
    );
    if (!secured.ok) return failed(secured.reason);
    socket = secured.value;
  }
  const wire = new SmtpWire(socket, {
    clock,
    logger,
    debug: options.debug ?? 0,
    limits: options.replyLimits,
  });
  wire.log(1, { remoteMta, port, implicitTls: options.implicitTls === true }, 'smtp client connected');
  const conn = new SmtpConnection(wire, options, timeouts, remoteMta, servername, clock);
  const unbind = conn.bindSignal(options.signal);
  const greeting = await wire.readReply(timeouts.greetingMs);
  unbind();
  if (!greeting.ok) return failed(greeting.reason);
  if (greeting.reply.code !== 220) {
    await conn.quit();
    return failed(replyReason(greeting.reply, `greeting of ${remoteMta}`));
  }
  return ok(conn);
}

/** An open connection. Use `ehlo`, then optionally `startTls` and `auth`, then `send` as often as wanted, then `quit`. */
export class SmtpConnection {
  readonly #wire: SmtpWire;
  readonly #options: ConnectOptions;
  readonly #timeouts: SmtpTimeouts;
  readonly #servername: string | undefined;
  #capabilities: Capabilities | undefined;
  #tls: TlsState | undefined;
  #authenticated = false;
  #needsReset = false;
  #messages = 0;
  #closing = false;
  /** How results name the server (RFC 3464 Remote-MTA). */
  readonly remoteMta: string;
  /** When the connection was opened, epoch ms of the injected clock. */
  readonly openedAt: number;

  /** Built by {@link connect}; not for direct use. @hidden */
  constructor(
    wire: SmtpWire,
    options: ConnectOptions,
    timeouts: SmtpTimeouts,
    remoteMta: string,
    servername: string | undefined,
    clock: Clock,
  ) {
    this.#wire = wire;
    this.#options = options;
    this.#timeouts = timeouts;
    this.remoteMta = remoteMta;
    this.#servername = servername;
    this.openedAt = clock.now();
    if (options.implicitTls) this.#tls = tlsState(wire.socket as TLSSocket);
  }

  /** What EHLO offered; undefined before `ehlo`. */
  get capabilities(): Capabilities | undefined {
    return this.#capabilities;
  }

  /** The TLS state, when the connection is encrypted. */
  get tls(): TlsState | undefined {
    return this.#tls;
  }

  /** True after a successful AUTH. */
  get authenticated(): boolean {
    return this.#authenticated;
  }

  /** Transactions attempted on this connection. */
  get messages(): number {
    return this.#messages;
  }

  /** True while the connection can take another transaction (not broken, no 421, not quit). */
  get usable(): boolean {
    return this.#wire.broken === undefined && !this.#closing && this.#capabilities !== undefined;
  }

  /** Why the connection broke, if it did. */
  get broken(): SmtpClientReason | undefined {
    return this.#wire.broken;
  }

  /**
   * EHLO; on a 5xx (the server does not know it) HELO instead, with no extensions. Resolves with
   * the capabilities.
   */
  async ehlo(name = this.#options.heloName ?? hostname()): Promise<Result<Capabilities, SmtpClientReason>> {
    const w = await this.#wire.writeCommands([`EHLO ${name}`], this.#timeouts.greetingMs);
    if (!w.ok) return failed(w.reason);
    const r = await this.#wire.readReply(this.#timeouts.greetingMs);
    if (!r.ok) return failed(r.reason);
    if (r.reply.code === 250) {
      this.#capabilities = parseCapabilities(r.reply);
      return ok(this.#capabilities);
    }
    if (r.reply.code < 500 || r.reply.code === 554) return failed(this.#refused(r.reply, 'EHLO'));
    const h = await this.#wire.writeCommands([`HELO ${name}`], this.#timeouts.greetingMs);
    if (!h.ok) return failed(h.reason);
    const hr = await this.#wire.readReply(this.#timeouts.greetingMs);
    if (!hr.ok) return failed(hr.reason);
    if (hr.reply.code !== 250) return failed(this.#refused(hr.reply, 'HELO'));
    this.#capabilities = heloCapabilities(hr.reply);
    return ok(this.#capabilities);
  }

  /**
   * STARTTLS (RFC 3207), the handshake, then EHLO again (the capabilities before TLS are void).
   * A failed handshake leaves the connection broken with `SMTP_TLS_FAILED`.
   */
  async startTls(): Promise<Result<Capabilities, SmtpClientReason>> {
    if (this.#tls !== undefined)
      return failed(reason('SMTP_PROTOCOL', 'the connection is already encrypted', true));
    const w = await this.#wire.writeCommands(['STARTTLS'], this.#timeouts.greetingMs);
    if (!w.ok) return failed(w.reason);
    const r = await this.#wire.readReply(this.#timeouts.greetingMs);
    if (!r.ok) return failed(r.reason);
    if (r.reply.code !== 220) return failed(this.#refused(r.reply, 'STARTTLS', 'SMTP_TLS_FAILED'));
    if (this.#wire.hasUnreadInput) {
      // Bytes sent before the handshake would be read as if they came through TLS (CVE-2011-0411's mirror image).
      const why = reason('SMTP_PROTOCOL', `${this.remoteMta} sent data after its STARTTLS reply`, true);
      this.#wire.fail(why);
      return failed(why);
    }
    const plain = this.#wire.detach();
    const clock = this.#options.clock ?? systemClock;
    const secured = await handshake(
      plain,
      this.#options.tls ?? {},
      this.#servername,
      this.#timeouts.tlsHandshakeMs,
      clock,
      this.remoteMta,
      undefined,
    );
    if (!secured.ok) {
      this.#wire.fail(secured.reason);
      return failed(secured.reason);
    }
    const tlsSocket = secured.value;
    this.#wire.reattach(tlsSocket);
    this.#tls = tlsState(tlsSocket);
    this.#wire.log(1, { ...this.#tls }, 'smtp client TLS established');
    this.#capabilities = undefined;
    return this.ehlo();
  }

  /**
   * AUTH with the first mechanism both sides know (PLAIN, LOGIN, CRAM-MD5). Refused without TLS
   * unless `allowPlaintextAuth`. The credentials are never logged.
   */
  async auth(credentials: AuthCredentials): Promise<Result<void, SmtpClientReason>> {
    const caps = this.#capabilities;
    if (caps === undefined || caps.authMechanisms.length === 0)
      return failed(reason('SMTP_AUTH_FAILED', `${this.remoteMta} does not offer AUTH`, true));
    if (this.#tls === undefined && this.#options.allowPlaintextAuth !== true)
      return failed(
        reason('SMTP_AUTH_FAILED', `refusing to send credentials to ${this.remoteMta} without TLS`, true),
      );
    const mech = chooseMechanism(caps.authMechanisms, this.#tls !== undefined, credentials.mechanism);
    if (mech === undefined)
      return failed(
        reason(
          'SMTP_AUTH_FAILED',
          `no common AUTH mechanism with ${this.remoteMta} (offered: ${caps.authMechanisms.join(' ')})`,
          true,
        ),
      );
    const sasl = startSasl(mech, credentials);
    const first = sasl.initial === undefined ? `AUTH ${mech}` : `AUTH ${mech} ${sasl.initial}`;
    let w = await this.#wire.writeCommands([first], this.#timeouts.greetingMs, [
      `AUTH ${mech}${sasl.initial === undefined ? '' : ' ****'}`,
    ]);
    for (let step = 0; step < 6; step++) {
      if (!w.ok) return failed(w.reason);
      const r = await this.#wire.readReply(this.#timeouts.greetingMs);
      if (!r.ok) return failed(r.reason);
      if (r.reply.code === 235) {
        this.#authenticated = true;
        return ok(undefined);
      }
      if (r.reply.code !== 334) {
        const why = replyReason(r.reply, `AUTH ${mech} at ${this.remoteMta}`);
        if (r.reply.code === 421) this.#closing = true;
        // Refused credentials are a configuration problem: the mail waits (transient) instead of bouncing.
        return failed(reason('SMTP_AUTH_FAILED', why.message, true, r.reply));
      }
      const answer = sasl.answer(Buffer.from(r.reply.text.trim(), 'base64'));
      w = await this.#wire.writeCommands([answer ?? '*'], this.#timeouts.greetingMs, ['****']);
    }
    const why = reason('SMTP_AUTH_FAILED', `AUTH ${mech} at ${this.remoteMta} did not finish`, true);
    this.#wire.fail(why);
    return failed(why);
  }

  /**
   * Sends one message: MAIL, RCPT (pipelined when offered), DATA or BDAT. Resolves with a result
   * per recipient; never throws for anything the server or network does (only a TypeError for an
   * envelope without recipients).
   */
  async send(
    envelope: OutboundEnvelope,
    message: OutboundMessage,
    options: DeliveryOptions = {},
  ): Promise<DeliveryResult> {
    return (await this.transact(envelope, message, options)).result;
  }

  /** `send` with what the transfer agent needs to decide whether to try another host. */
  async transact(envelope: OutboundEnvelope, message: OutboundMessage, options: DeliveryOptions = {}) {
    if (envelope.recipients.length === 0)
      throw new TypeError('an outbound envelope needs at least one recipient');
    const caps = this.#capabilities;
    if (caps === undefined) throw new TypeError('send() before ehlo()');
    const unbind = this.bindSignal(options.signal);
    try {
      this.#messages++;
      const out = await runTransaction({
        wire: this.#wire,
        caps,
        timeouts: this.#timeouts,
        remoteMta: this.remoteMta,
        reset: this.#needsReset,
        envelope,
        message,
        downgradeMaxBytes: this.#options.maxDowngradeBytes ?? 10 * 1024 * 1024,
      });
      this.#needsReset = out.needsReset;
      if (out.closing) this.#closing = true;
      return out;
    } finally {
      unbind();
    }
  }

  /** RSET: ends any transaction in progress. */
  async rset(): Promise<Result<void, SmtpClientReason>> {
    const w = await this.#wire.writeCommands(['RSET'], this.#timeouts.greetingMs);
    if (!w.ok) return failed(w.reason);
    const r = await this.#wire.readReply(this.#timeouts.greetingMs);
    if (!r.ok) return failed(r.reason);
    if (r.reply.code !== 250) return failed(this.#refused(r.reply, 'RSET'));
    this.#needsReset = false;
    return ok(undefined);
  }

  /** QUIT, wait a little for the 221, and close. Never fails. */
  async quit(): Promise<void> {
    if (this.#wire.broken === undefined) {
      const w = await this.#wire.writeCommands(['QUIT'], 5000);
      if (w.ok) await this.#wire.readReply(Math.min(this.#timeouts.greetingMs, 5000));
    }
    this.#closing = true;
    this.#wire.close();
  }

  /** Closes at once, without QUIT. */
  destroy(): void {
    this.#closing = true;
    this.#wire.close();
  }

  /** Breaks the connection when `signal` aborts; returns the unbinder. */
  bindSignal(signal: AbortSignal | undefined): () => void {
    if (signal === undefined) return () => {};
    const onAbort = (): void => this.#wire.fail(abortReason(signal));
    if (signal.aborted) {
      onAbort();
      return () => {};
    }
    signal.addEventListener('abort', onAbort, { once: true });
    return () => signal.removeEventListener('abort', onAbort);
  }

  #refused(
    reply: import('@mailroute/envelope').SmtpReply,
    what: string,
    code?: 'SMTP_TLS_FAILED',
  ): SmtpClientReason {
    if (reply.code === 421) this.#closing = true;
    const why = replyReason(reply, `${what} at ${this.remoteMta}`);
    return code === undefined ? why : reason(code, why.message, true, reply);
  }
}

/** The reason to report for an aborted signal: its reason when it is one of ours (the deadline), else SMTP_ABORTED. */
export function abortReason(signal: AbortSignal | undefined): SmtpClientReason {
  const r = signal?.reason as Partial<SmtpClientReason> | undefined;
  if (
    r !== undefined &&
    r !== null &&
    typeof r === 'object' &&
    r.code === 'SMTP_DEADLINE' &&
    typeof r.message === 'string'
  )
    return reason('SMTP_DEADLINE', r.message, true);
  return reason('SMTP_ABORTED', 'the delivery was aborted', true);
}

/** The TLS handshake over a connected socket, under a timeout; the socket is destroyed on failure. */
async function handshake(
  socket: Socket,
  opts: ClientTlsOptions,
  servername: string | undefined,
  timeoutMs: number,
  clock: Clock,
  remoteMta: string,
  signal: AbortSignal | undefined,
): Promise<Result<TLSSocket, SmtpClientReason>> {
  let tlsSocket: TLSSocket;
  try {
    tlsSocket = tlsConnect({ socket, ...tlsSettings(opts, servername) });
  } catch (err) {
    // Bad TLS options (an unreadable CA or key): node throws at once.
    socket.destroy();
    return failed(reason('SMTP_TLS_FAILED', `TLS with ${remoteMta} cannot start: ${String(err)}`, true));
  }
  const problem = await new Promise<SmtpClientReason | undefined>((resolve) => {
    const finish = (x: SmtpClientReason | undefined): void => {
      clock.clearTimeout(timer);
      tlsSocket.off('error', onError);
      tlsSocket.off('close', onClose);
      signal?.removeEventListener('abort', onAbort);
      resolve(x);
    };
    const onError = (err: NodeJS.ErrnoException): void =>
      finish(
        reason('SMTP_TLS_FAILED', `TLS handshake with ${remoteMta} failed: ${err.code ?? err.message}`, true),
      );
    const onClose = (): void =>
      finish(reason('SMTP_TLS_FAILED', `${remoteMta} closed the connection during the TLS handshake`, true));
    const onAbort = (): void => finish(abortReason(signal));
    const timer = clock.setTimeout(
      () =>
        finish(reason('SMTP_TLS_FAILED', `TLS handshake with ${remoteMta} took over ${timeoutMs} ms`, true)),
      timeoutMs,
    );
    tlsSocket.once('secureConnect', () => finish(undefined));
    tlsSocket.on('error', onError);
    tlsSocket.once('close', onClose);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  if (problem !== undefined) {
    tlsSocket.on('error', () => {});
    tlsSocket.destroy();
    socket.destroy();
    return failed(problem);
  }
  return ok(tlsSocket);
}

function tlsSettings(opts: ClientTlsOptions, servername: string | undefined): ConnectionOptions {
  const mode = opts.certificates ?? 'opportunistic';
  return {
    servername,
    rejectUnauthorized: mode === 'verify',
    ca: opts.ca as ConnectionOptions['ca'],
    cert: opts.cert,
    key: opts.key,
    minVersion: opts.minVersion ?? 'TLSv1.2',
  };
}

function tlsState(socket: TLSSocket): TlsState {
  const err = socket.authorizationError;
  return {
    protocol: socket.getProtocol(),
    cipher: socket.getCipher()?.name ?? '',
    authorized: socket.authorized,
    ...(err === undefined || err === null ? {} : { authorizationError: String(err) }),
  };
}
