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
import { formatReply, formatRfc5322Date, Replies, SmtpReply } from '@mailroute/envelope';
import type { Backend, BackendSession, ConnectionInfo, TlsInfo } from './backend.js';
import type { BackendResult } from './backend-call.js';
import { type CallContext, callBackend } from './backend-call.js';
import { InputBuffer } from './input-buffer.js';
import type { ResolvedOptions } from './options.js';
import { ProtocolLog } from './protocol-log.js';
import { isProtocolError } from './rules.js';
import { CommandInterpreter, type SessionRecord } from './session-commands.js';
import { MessageReceiver, type SessionFacts } from './session-message.js';
import type { StatsRecorder } from './stats.js';
import type { SessionOwner, Transport } from './transport.js';

/** Input buffered beyond one command line before the transport is paused. */
const INPUT_HIGH_WATER = 64 * 1024;

/** A reply to the connection when the backend failed at connect. */
const connectFailed = Replies.serviceNotAvailable;

/** The session engine. Create one per connection and call {@link SmtpSession.start}. */
export class SmtpSession {
  /** Bytes read and not yet used (the message receiver reads it too). */
  readonly input = new InputBuffer();
  /** The protocol log. */
  readonly log: ProtocolLog;
  private busy = false;
  /** The input loop's current run (it never rejects). */
  private running: Promise<void> | undefined;
  private paused = false;
  private errors = 0;
  private timer: unknown;
  private sessionTimer: unknown;
  /** The message receiver (DATA and BDAT). */
  readonly receiver: MessageReceiver;
  /** Where backend failures are reported. */
  readonly callContext: CallContext;
  /** The session's mutable facts, shared with the interpreter. */
  readonly rec: SessionRecord = {
    mode: 'command',
    backend: undefined,
    hello: 'none',
    heloName: '',
    tls: undefined,
    user: undefined,
    tx: undefined,
    commandsSeen: 0,
  };
  private readonly commands: CommandInterpreter;
  private shuttingDown = false;
  /** The client half-closed its side. */
  private peerDone = false;
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
    this.commands = new CommandInterpreter(this);
    this.callContext = { logger: options.logger, stats, session: info.id };
    if (info.secure) this.stats.add('tlsSessions');
  }

  /** Sets the TLS facts of an implicit-TLS connection (known once its handshake is done). */
  setTls(tls: TlsInfo): void {
    this.rec.tls = tls;
  }

  /** True once the session ended. */
  get closed(): boolean {
    return this.rec.mode === 'closed';
  }

  private get inTls(): boolean {
    return this.rec.mode === 'tls';
  }

  /** True while a message is being received or the backend is answering. */
  get active(): boolean {
    return this.busy || this.rec.tx?.data !== undefined;
  }

  /** Asks the backend for a session and greets the client, or refuses the connection. */
  async start(): Promise<void> {
    this.log.event('session start', { remote: this.info.remoteAddress, listener: this.info.listener });
    this.sessionTimer = this.options.clock.setTimeout(() => this.timedOut(), this.options.timeouts.sessionMs);
    this.busy = true;
    const made = await this.guard('connect', () => this.backend.connect(this.info), connectFailed);
    this.busy = false;
    if (this.closed) {
      if (made.ok && !(made.value instanceof SmtpReply)) await this.closeBackend(made.value);
      return;
    }
    if (!made.ok || made.value instanceof SmtpReply) {
      this.stats.add('connectionsRefused');
      const refusal = made.ok ? (made.value as SmtpReply) : made.reason.reply;
      this.send(refusal);
      if (refusal.code < 500) {
        // 421: the service closes the channel (RFC 5321 3.8).
        this.close(true);
        return;
      }
      // RFC 5321 3.1: after a 554 greeting the server MUST wait for QUIT (and SHOULD answer
      // anything else 503); a short timeout and the error limit bound such a session.
      this.rec.mode = 'refused';
      this.arm(this.options.timeouts.afterRefusalMs);
      if (this.input.length > 0) this.running = this.process();
      else if (this.peerDone) this.finishInput();
      return;
    }
    this.rec.backend = made.value;
    const date = new Date(this.options.clock.now());
    const text = this.options.greeting.replace('%s', formatRfc5322Date(date));
    this.send(Replies.serviceReady(this.options.hostname, text));
    this.arm(this.options.timeouts.greetingMs);
    if (this.shuttingDown) this.finishWith(Replies.shuttingDown);
    else if (this.input.length > 0) this.running = this.process();
    else if (this.peerDone) this.finishInput();
  }

  /** Resolves once the session has dealt with all the input it has (for tests and tools). */
  async whenIdle(): Promise<void> {
    while (this.running !== undefined) {
      const run = this.running;
      await run;
      if (this.running === run) this.running = undefined;
    }
  }

  /** Octets from the client. */
  receive(chunk: Buffer): void {
    if (this.closed) return;
    if (this.rec.mode === 'tls') {
      // Plaintext after STARTTLS and before the handshake: never executed (CVE-2011-0411).
      this.log.event('discarded input pipelined after STARTTLS', { octets: chunk.length });
      return;
    }
    this.input.push(chunk);
    if (this.input.length > INPUT_HIGH_WATER + this.options.maxCommandLengthBytes && !this.paused) {
      this.paused = true;
      this.transport.pause();
    }
    if (this.receiver.receiving !== undefined) this.arm(this.options.timeouts.dataBlockMs);
    if (!this.busy && (this.rec.backend !== undefined || this.rec.mode === 'refused'))
      this.running = this.process();
  }

  /**
   * The client half-closed: it sends nothing more but may read. Commands already received are
   * still answered (a client may pipeline a whole session and shut its side), then the session
   * closes.
   */
  inputEnded(): void {
    if (this.closed) return;
    this.peerDone = true;
    if (!this.busy) this.finishInput();
  }

  private finishInput(): void {
    this.log.event('input ended by peer');
    // A message cut short by the end of input is not a message.
    this.close(true);
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
        const line = this.input.readLine(
          this.options.maxCommandLengthBytes,
          this.options.strict821LineSyntax,
        );
        if (line === undefined) break;
        progressed = true;
        if (this.rec.mode === 'refused') {
          // The refusal's own timer keeps running: commands do not extend the session.
          this.commands.refusedLine(line);
          continue;
        }
        this.disarm();
        if (this.rec.mode === 'sasl') await this.commands.saslLine(line);
        else await this.commands.commandLine(line);
        // A client that does not read its replies must not grow our output without bound; it
        // gets the command timeout to start reading again.
        if (!this.closed && !this.writable) {
          this.arm(this.options.timeouts.commandMs);
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
    // All the input there is has been answered: let the replies go now, in one write.
    if (!this.closed) this.transport.flush();
    if (this.closed || this.inTls) return;
    if (this.peerDone) {
      this.finishInput();
      return;
    }
    if (this.shuttingDown && !this.active) {
      this.finishWith(Replies.shuttingDown);
      return;
    }
    if (this.paused && this.input.length <= INPUT_HIGH_WATER) {
      this.paused = false;
      this.transport.resume();
    }
    if (this.rec.mode === 'refused') return;
    if (progressed || this.timer === undefined) {
      const waitingForData = this.receiver.receiving !== undefined;
      this.arm(waitingForData ? this.options.timeouts.dataBlockMs : this.options.timeouts.commandMs);
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
    if (isProtocolError(reply)) this.countError();
  }

  /**
   * One more error toward `SMTPErrorLimit` (protocol errors through {@link send}; the interpreter
   * adds refused recipients); past the limit, `421 4.7.0` and close.
   */
  countError(): void {
    if (this.closed) return;
    this.errors++;
    if (this.errors > this.options.errorLimit) {
      this.stats.add('errorLimitReached');
      this.log.event('error limit reached', { errors: this.errors });
      this.finishWith(Replies.tooManyErrors);
    }
  }

  /** The receiver's view of the session (see `MessageHost`). */
  facts(): SessionFacts {
    return {
      backend: this.rec.backend as BackendSession,
      helo: this.rec.heloName,
      esmtp: this.rec.hello === 'EHLO',
      tls: this.rec.tls,
      user: this.rec.user,
    };
  }

  /** The message ended: the transaction is over; a refused one resets the backend. */
  async transactionEnded(accepted: boolean): Promise<void> {
    this.rec.tx = undefined;
    if (!accepted) await this.commands.callReset();
  }

  // --- STARTTLS and AUTH ------------------------------------------------------------------------

  /** STARTTLS accepted: 220, drop pipelined plaintext, handshake, forget the session's facts. */
  async startTls(): Promise<void> {
    this.send(Replies.readyToStartTls);
    const dropped = this.input.clear();
    if (dropped > 0)
      this.log.logger.warn(
        { session: this.info.id, octets: dropped },
        'input pipelined after STARTTLS discarded',
      );
    this.rec.mode = 'tls';
    this.arm(this.options.timeouts.tlsHandshakeMs);
    try {
      this.rec.tls = await this.transport.startTls();
    } catch (error) {
      this.stats.add('tlsFailures');
      this.log.event('TLS handshake failed', { err: String(error) });
      this.close(false);
      return;
    }
    if (this.closed) return;
    this.stats.add('tlsSessions');
    this.log.event('TLS established', { version: this.rec.tls.version, cipher: this.rec.tls.cipher });
    // RFC 3207 4.2: forget everything learned before TLS; the client must EHLO again.
    this.rec.hello = 'none';
    this.rec.heloName = '';
    this.rec.user = undefined;
    this.rec.mode = 'command';
    this.arm(this.options.timeouts.commandMs);
  }

  // --- backend calls, timers, closing ---------------------------------------------------------

  /** Calls the backend; never throws (see `callBackend`). */
  guard<T>(
    what: string,
    call: () => T | Promise<T>,
    fallback = Replies.localError,
  ): Promise<BackendResult<T>> {
    return callBackend(this.callContext, what, call, fallback);
  }

  private arm(ms: number): void {
    this.disarm();
    this.timer = this.options.clock.setTimeout(() => this.timedOut(), ms);
  }

  private disarm(): void {
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private timedOut(): void {
    if (this.closed) return;
    this.stats.add('timeouts');
    this.log.logger.warn({ session: this.info.id, mode: this.rec.mode }, 'timeout');
    this.finishWith(Replies.timeout);
  }

  /** Sends a last reply (when the channel is in a state to carry it) and closes. */
  finishWith(reply: SmtpReply): void {
    if (this.closed) return;
    if (this.rec.mode !== 'tls') this.send(reply);
    this.close(true);
  }

  private close(graceful: boolean): void {
    if (this.closed) return;
    this.rec.mode = 'closed';
    this.disarm();
    this.options.clock.clearTimeout(this.sessionTimer);
    this.input.clear();
    this.receiver.abort();
    this.rec.tx = undefined;
    if (graceful && this.writable) this.transport.end();
    else this.transport.destroy();
    this.log.event('session end', { commands: this.rec.commandsSeen });
    const s = this.rec.backend;
    this.rec.backend = undefined;
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
