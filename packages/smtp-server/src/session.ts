/**
 * One SMTP session: the protocol engine. Octets come in through {@link SmtpSession.receive},
 * replies go out through the {@link Transport}, and the backend is called in between. It holds
 * no socket and starts no timer of its own (timers come from the options' `Timers`), so tests
 * drive it with literal bytes and a fake clock.
 *
 * Commands are taken one at a time in arrival order, so a pipelining client's replies come back
 * in order with nothing lost; while a backend call is pending, input waits in the buffer, and the
 * transport is paused once the buffer passes its mark.
 */
import {
  type ForwardPath,
  formatReply,
  formatRfc5322Date,
  type HelloCommand,
  type MailCommand,
  parseCommand,
  Replies,
  SmtpReply,
} from '@mailroute/envelope';
import type { Backend, BackendSession, ConnectionInfo, EnvelopeRecipient, TlsInfo } from './backend.js';
import { type CallContext, callBackend, lookupCommand } from './backend-call.js';
import { InputBuffer, type LineResult } from './input-buffer.js';
import type { ResolvedOptions } from './options.js';
import { ProtocolLog } from './protocol-log.js';
import {
  ehloKeywords,
  gate,
  helpLines,
  isProtocolError,
  type ProtocolState,
  parameterExtensions,
} from './rules.js';
import { AuthExchange } from './session-auth.js';
import { MessageReceiver, type SessionFacts, type Transaction } from './session-message.js';
import type { StatsRecorder } from './stats.js';
import type { Guarded } from './transfer.js';
import type { SessionOwner, Transport } from './transport.js';

/** Input buffered beyond one command line before the transport is paused. */
const INPUT_HIGH_WATER = 64 * 1024;

type Mode = 'command' | 'sasl' | 'tls' | 'closed';

/** A reply to the connection when the backend failed at connect. */
const connectFailed = SmtpReply.of(421, '4.3.0', 'Service not available, closing transmission channel');

/** The session engine. Create one per connection and call {@link SmtpSession.start}. */
export class SmtpSession {
  /** Bytes read and not yet used (the message receiver reads it too). */
  readonly input = new InputBuffer();
  /** The protocol log. */
  readonly log: ProtocolLog;
  private mode: Mode = 'command';
  private busy = false;
  private paused = false;
  private backendSession: BackendSession | undefined;
  private hello: 'none' | 'HELO' | 'EHLO' = 'none';
  private heloName = '';
  private tls: TlsInfo | undefined;
  private user: string | undefined;
  private tx: Transaction | undefined;
  private errors = 0;
  private commandsSeen = 0;
  private timer: unknown;
  private sessionTimer: unknown;
  private readonly receiver: MessageReceiver;
  private readonly callContext: CallContext;
  private auth: AuthExchange | undefined;
  private shuttingDown = false;
  private closedNotified = false;

  constructor(
    readonly options: ResolvedOptions,
    private readonly backend: Backend,
    readonly info: ConnectionInfo,
    private readonly transport: Transport,
    readonly stats: StatsRecorder,
    private readonly owner: SessionOwner,
  ) {
    this.log = new ProtocolLog(options.logger, options.debug, options.debugIo, info.id);
    this.receiver = new MessageReceiver(this);
    this.callContext = { logger: options.logger, stats, session: info.id };
    if (info.secure) this.stats.add('tlsSessions');
  }

  /** Sets the TLS facts of an implicit-TLS connection (known once its handshake is done). */
  setTls(tls: TlsInfo): void {
    this.tls = tls;
  }

  /** True once the session ended. */
  get closed(): boolean {
    return this.mode === 'closed';
  }

  private get inTls(): boolean {
    return this.mode === 'tls';
  }

  /** True while a message is being received or the backend is answering. */
  get active(): boolean {
    return this.busy || this.tx?.transfer !== undefined;
  }

  /** Asks the backend for a session and greets the client, or refuses the connection. */
  async start(): Promise<void> {
    this.log.event('session start', { remote: this.info.remoteAddress, listener: this.info.listener });
    this.sessionTimer = this.options.timers.setTimeout(() => this.timedOut(), this.options.timeouts.session);
    this.busy = true;
    const made = await this.guard('connect', () => this.backend.connect(this.info), connectFailed);
    this.busy = false;
    if (this.closed) {
      if (made.ok && !(made.value instanceof SmtpReply)) await this.closeBackend(made.value);
      return;
    }
    if (!made.ok || made.value instanceof SmtpReply) {
      this.stats.add('connectionsRefused');
      this.send(made.ok ? (made.value as SmtpReply) : made.reply);
      this.close(true);
      return;
    }
    this.backendSession = made.value;
    const date = this.options.clock.now();
    const text = this.options.greeting.replace('%s', formatRfc5322Date(date));
    this.send(Replies.serviceReady(this.options.hostname, text));
    this.arm(this.options.timeouts.greeting);
    if (this.shuttingDown) this.finishWith(Replies.shuttingDown);
    else if (this.input.length > 0) void this.process();
  }

  /** Octets from the client. */
  receive(chunk: Buffer): void {
    if (this.closed) return;
    if (this.mode === 'tls') {
      // Plaintext after STARTTLS and before the handshake: never executed (CVE-2011-0411).
      this.log.event('discarded input pipelined after STARTTLS', { octets: chunk.length });
      return;
    }
    this.input.push(chunk);
    if (this.input.length > INPUT_HIGH_WATER + this.options.maxCommandLength && !this.paused) {
      this.paused = true;
      this.transport.pause();
    }
    if (this.receiver.receiving !== undefined) this.arm(this.options.timeouts.dataBlock);
    if (!this.busy && this.backendSession !== undefined) void this.process();
  }

  /** The connection ended from the other side (or broke). */
  transportClosed(): void {
    if (this.closed) return;
    this.log.event('connection closed by peer');
    this.close(false);
  }

  /**
   * The server is shutting down: an idle session gets `421` now; one receiving a message or
   * waiting for the backend gets it after that finishes.
   */
  shutdown(): void {
    this.shuttingDown = true;
    if (!this.active && !this.closed) this.finishWith(Replies.shuttingDown);
  }

  /** The shutdown deadline passed: `421` and close whatever is going on. */
  abort(): void {
    if (!this.closed) this.finishWith(Replies.shuttingDown);
  }

  // --- the input loop -------------------------------------------------------------------------

  private async process(): Promise<void> {
    if (this.busy || this.closed) return;
    this.busy = true;
    let progressed = false;
    try {
      while (!this.closed && !this.inTls) {
        if (this.receiver.receiving !== undefined) {
          if (this.input.length === 0) break;
          progressed = true;
          this.disarm();
          await this.receiver.pump();
          continue;
        }
        if (this.shuttingDown) {
          this.finishWith(Replies.shuttingDown);
          break;
        }
        const line = this.input.readLine(this.options.maxCommandLength, this.options.strict821LineSyntax);
        if (line === undefined) break;
        progressed = true;
        this.disarm();
        if (this.mode === 'sasl') await this.saslLine(line);
        else await this.commandLine(line);
        // A client that does not read its replies must not grow our output without bound; it
        // gets the command timeout to start reading again.
        if (!this.closed && !this.writable) {
          this.arm(this.options.timeouts.command);
          await this.transport.drained();
          this.disarm();
        }
      }
    } catch (error) {
      this.options.logger.error({ session: this.info.id, err: error }, 'session failed');
      this.finishWith(Replies.localError);
    } finally {
      this.busy = false;
    }
    if (this.closed || this.inTls) return;
    if (this.shuttingDown && !this.active) {
      this.finishWith(Replies.shuttingDown);
      return;
    }
    if (this.paused && this.input.length <= INPUT_HIGH_WATER) {
      this.paused = false;
      this.transport.resume();
    }
    if (progressed || this.timer === undefined) {
      const waitingForData = this.receiver.receiving !== undefined;
      this.arm(waitingForData ? this.options.timeouts.dataBlock : this.options.timeouts.command);
    }
  }

  private writable = true;

  /** Sends a reply, counting protocol errors towards `SMTPErrorLimit`. */
  send(reply: SmtpReply): void {
    if (this.closed) return;
    const wire = formatReply(reply);
    this.log.reply(reply);
    this.log.io('out', wire, false);
    if (reply.code >= 400) this.stats.rejection(reply.code);
    this.writable = this.transport.write(wire);
    if (isProtocolError(reply)) {
      this.errors++;
      if (this.errors > this.options.errorLimit) {
        this.stats.add('errorLimitReached');
        this.log.event('error limit reached', { errors: this.errors });
        this.finishWith(Replies.tooManyErrors);
      }
    }
  }

  private state(): ProtocolState {
    const s = this.backendSession;
    return {
      hello: this.hello,
      tls: this.tls !== undefined,
      user: this.user,
      inTransaction: this.tx !== undefined,
      recipients: this.tx?.recipients.length ?? 0,
      listener: this.info.listener,
      canAuth: typeof s?.auth === 'function',
      canCramMd5: typeof s?.authCramMd5 === 'function',
      tlsAvailable: this.options.startTls !== 'disabled',
    };
  }

  private async commandLine(result: LineResult): Promise<void> {
    this.commandsSeen++;
    if (result.kind === 'too-long') return this.send(Replies.lineTooLong);
    if (result.kind === 'bare-lf') return this.send(Replies.syntaxError.withText('Line must end with CRLF'));
    const line = result.line;
    this.log.command(line, 'command');
    this.log.io('in', line, false, /^auth\s/i.test(line));
    const state = this.state();
    const parsed = parseCommand(line, {
      strict821AddressSyntax: this.options.strict821AddressSyntax,
      maxCommandLength: this.options.maxCommandLength,
      smtputf8: this.tx?.mail.params.smtputf8 === true,
      extensions: parameterExtensions(state, this.options),
    });
    if (!parsed.ok) return this.send(parsed.reply);
    const command = parsed.value;
    const refusal = gate(command.verb, state, this.options);
    if (refusal !== undefined) {
      if (command.verb === 'BDAT')
        return this.receiver.startBdat(this.tx, command.size, command.last, refusal);
      return this.send(refusal);
    }
    const s = this.backendSession as BackendSession;
    switch (command.verb) {
      case 'HELO':
      case 'EHLO':
        return this.helloCommand(command);
      case 'MAIL':
        return this.mailCommand(command);
      case 'RCPT':
        return this.rcptCommand(command.path, command.params);
      case 'DATA':
        return this.receiver.startData(this.tx as Transaction);
      case 'BDAT':
        return this.receiver.startBdat(this.tx, command.size, command.last, undefined);
      case 'RSET':
        await this.resetTransaction();
        return this.send(Replies.reset);
      case 'NOOP':
        return this.send(Replies.ok);
      case 'QUIT':
        return this.finishWith(Replies.closing(this.options.hostname));
      case 'HELP':
        return this.send(Replies.help(helpLines(this.options)));
      case 'VRFY':
      case 'EXPN':
        return this.send(await lookupCommand(this.callContext, s, command.verb, command.query));
      case 'ETRN':
        return this.send(await lookupCommand(this.callContext, s, 'ETRN', command.node));
      case 'STARTTLS':
        return this.startTls();
      case 'AUTH':
        this.auth = new AuthExchange(this.options, s, this.stats, this.info.id);
        return this.authStep(await this.auth.begin(command.mechanism, command.initialResponse));
    }
  }

  private async helloCommand(command: HelloCommand): Promise<void> {
    await this.resetTransaction();
    const s = this.backendSession as BackendSession;
    const r = await this.guard('helo', () => s.helo?.(command));
    if (!r.ok) return this.send(r.reply);
    if (r.value !== undefined && !r.value.isPositive) return this.send(r.value);
    this.hello = command.verb;
    this.heloName = command.name;
    const first = `${this.options.hostname} Hello ${command.name} [${this.info.remoteAddress}]`;
    if (command.verb === 'HELO') return this.send(SmtpReply.of(250, undefined, first));
    this.send(SmtpReply.of(250, undefined, [first, ...ehloKeywords(this.state(), this.options)]));
  }

  private async mailCommand(command: MailCommand): Promise<void> {
    const ext = this.options.extensions;
    if (ext.size && command.params.size !== undefined && command.params.size > this.options.maxMessageSize) {
      return this.send(Replies.messageTooBig);
    }
    const s = this.backendSession as BackendSession;
    const r = await this.guard('mailFrom', () => s.mailFrom(command.path, command.params));
    const reply = r.ok ? (r.value ?? Replies.senderOk) : r.reply;
    if (reply.isPositive) this.tx = { mail: command, recipients: [], transfer: undefined };
    this.send(reply);
  }

  private async rcptCommand(path: ForwardPath, params: EnvelopeRecipient['params']): Promise<void> {
    const tx = this.tx as Transaction;
    if (tx.recipients.length >= this.options.maxRecipients) return this.send(Replies.tooManyRecipients);
    const s = this.backendSession as BackendSession;
    const r = await this.guard('rcptTo', () => s.rcptTo(path, params));
    const reply = r.ok ? (r.value ?? Replies.recipientOk) : r.reply;
    if (reply.isPositive && this.tx === tx) tx.recipients.push({ path, params });
    this.send(reply);
  }

  private async resetTransaction(): Promise<void> {
    const tx = this.tx;
    if (tx === undefined) return;
    this.tx = undefined;
    if (tx.transfer !== undefined) {
      tx.transfer.refuse(Replies.reset);
      await tx.transfer.finish();
      await tx.transfer.settleCapture(false, 0, false).catch(() => undefined);
    }
    await this.callReset();
  }

  /** The receiver's view of the session (see `MessageHost`). */
  facts(): SessionFacts {
    return {
      backend: this.backendSession as BackendSession,
      helo: this.heloName,
      esmtp: this.hello === 'EHLO',
      tls: this.tls,
      user: this.user,
    };
  }

  /** The message ended: the transaction is over; a refused one resets the backend. */
  async transactionEnded(accepted: boolean): Promise<void> {
    this.tx = undefined;
    if (!accepted) await this.callReset();
  }

  private async callReset(): Promise<void> {
    const s = this.backendSession as BackendSession;
    if (typeof s.reset === 'function') await this.guard('reset', () => s.reset?.());
  }

  // --- STARTTLS and AUTH ------------------------------------------------------------------------

  private async startTls(): Promise<void> {
    this.send(Replies.readyToStartTls);
    const dropped = this.input.clear();
    if (dropped > 0)
      this.log.logger.warn(
        { session: this.info.id, octets: dropped },
        'input pipelined after STARTTLS discarded',
      );
    this.mode = 'tls';
    this.arm(this.options.timeouts.tlsHandshake);
    try {
      this.tls = await this.transport.startTls();
    } catch (error) {
      this.stats.add('tlsFailures');
      this.log.event('TLS handshake failed', { err: String(error) });
      this.close(false);
      return;
    }
    if (this.closed) return;
    this.stats.add('tlsSessions');
    this.log.event('TLS established', { version: this.tls.version, cipher: this.tls.cipher });
    // RFC 3207 4.2: forget everything learned before TLS; the client must EHLO again.
    this.hello = 'none';
    this.heloName = '';
    this.user = undefined;
    this.mode = 'command';
    this.arm(this.options.timeouts.command);
  }

  private async saslLine(result: LineResult): Promise<void> {
    this.log.command('', 'sasl');
    const exchange = this.auth as AuthExchange;
    if (result.kind !== 'line') {
      this.mode = 'command';
      return this.send(result.kind === 'too-long' ? Replies.lineTooLong : Replies.syntaxError);
    }
    this.authStep(await exchange.next(result.line));
  }

  private authStep(step: { reply: SmtpReply; user?: string; done: boolean }): void {
    this.mode = step.done ? 'command' : 'sasl';
    if (step.user !== undefined) this.user = step.user;
    if (step.done) this.auth = undefined;
    this.send(step.reply);
  }

  // --- backend calls, timers, closing ---------------------------------------------------------

  /** Calls the backend; never throws (see `callBackend`). */
  guard<T>(what: string, call: () => T | Promise<T>, fallback = Replies.localError): Promise<Guarded<T>> {
    return callBackend(this.callContext, what, call, fallback);
  }

  private arm(ms: number): void {
    this.disarm();
    this.timer = this.options.timers.setTimeout(() => this.timedOut(), ms);
  }

  private disarm(): void {
    if (this.timer !== undefined) this.options.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private timedOut(): void {
    if (this.closed) return;
    this.stats.add('timeouts');
    this.log.logger.warn({ session: this.info.id, mode: this.mode }, 'timeout');
    this.finishWith(Replies.timeout);
  }

  /** Sends a last reply (when the channel is in a state to carry it) and closes. */
  private finishWith(reply: SmtpReply): void {
    if (this.closed) return;
    if (this.mode !== 'tls') this.send(reply);
    this.close(true);
  }

  private close(graceful: boolean): void {
    if (this.closed) return;
    this.mode = 'closed';
    this.disarm();
    this.options.timers.clearTimeout(this.sessionTimer);
    this.input.clear();
    this.receiver.abort();
    this.tx = undefined;
    if (graceful && this.writable) this.transport.end();
    else this.transport.destroy();
    this.log.event('session end', { commands: this.commandsSeen });
    const s = this.backendSession;
    this.backendSession = undefined;
    const done = () => {
      if (this.closedNotified) return;
      this.closedNotified = true;
      this.owner.sessionClosed();
    };
    if (s !== undefined) void this.closeBackend(s).finally(done);
    else done();
  }

  private async closeBackend(s: BackendSession): Promise<void> {
    if (typeof s.close === 'function') await this.guard('close', () => s.close?.());
  }
}
