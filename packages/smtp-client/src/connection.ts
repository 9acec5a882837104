/**
 * One open SMTP client connection (RFC 5321): EHLO with HELO fallback, STARTTLS (RFC 3207), AUTH
 * (RFC 4954), transactions, RSET and QUIT. `connect` (connect.ts) opens it. Every method resolves
 * with a result; nothing the server or the network does makes one throw.
 */
import { hostname } from 'node:os';
import type { TLSSocket } from 'node:tls';
import { type Clock, failed, ok, type Result, type SmtpReply, systemClock } from '@mailroute/envelope';
import { type AuthCredentials, chooseMechanism, startSasl } from './auth.js';
import { type Capabilities, heloCapabilities, parseCapabilities } from './capabilities.js';
import type { ConnectOptions, TlsState } from './connect-options.js';
import type { SmtpTimeouts } from './options.js';
import { abortReason, reason, replyReason, type SmtpClientReason } from './reasons.js';
import { handshake, tlsState } from './tls-handshake.js';
import { runTransaction } from './transaction.js';
import type { DeliveryOptions, DeliveryResult, OutboundEnvelope, OutboundMessage } from './types.js';
import type { SmtpWire } from './wire.js';

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
        pipelineData: this.#options.pipelineData === true,
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

  #refused(reply: SmtpReply, what: string, code?: 'SMTP_TLS_FAILED'): SmtpClientReason {
    if (reply.code === 421) this.#closing = true;
    const why = replyReason(reply, `${what} at ${this.remoteMta}`);
    return code === undefined ? why : reason(code, why.message, true, reply);
  }
}
