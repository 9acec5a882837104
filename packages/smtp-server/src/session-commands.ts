/**
 * The command interpreter of a session: parses each line with the envelope's `parseCommand`,
 * asks the rules whether it may run now, and carries it out (HELO/EHLO, MAIL, RCPT, RSET, NOOP,
 * QUIT, HELP, VRFY/EXPN/ETRN, STARTTLS, AUTH; DATA and BDAT go to the message receiver). A
 * plain switch over the typed verb, no dispatch by method name.
 */
import {
  type ForwardPath,
  type HelloCommand,
  type MailCommand,
  parseCommand,
  Replies,
  SmtpReply as Reply,
  type SmtpReply,
} from '@mailroute/envelope';
import type { BackendSession, ConnectionInfo, EnvelopeRecipient, TlsInfo } from './backend.js';
import type { BackendResult } from './backend-call.js';
import { type CallContext, lookupCommand } from './backend-call.js';
import type { InputBuffer, LineResult } from './input-buffer.js';
import type { ResolvedOptions } from './options.js';
import type { ProtocolLog } from './protocol-log.js';
import {
  ehloKeywords,
  gate,
  helpLines,
  isRefusedRecipient,
  type ProtocolState,
  parameterExtensions,
} from './rules.js';
import { AuthExchange } from './session-auth.js';
import type { MessageReceiver, Transaction } from './session-message.js';
import type { StatsRecorder } from './stats.js';

/** Reply to every command but QUIT after a refusal at connect. */
const refusedSequence = Replies.badSequence('connection refused, only QUIT is accepted');

/** Reply to commands sent without waiting while PIPELINING is off. */
const improperPipelining = Replies.improperPipelining;

/**
 * What the session is reading: commands, SASL responses, nothing (TLS handshake), only QUIT
 * (refused at connect), or done.
 */
export type Mode = 'command' | 'sasl' | 'tls' | 'refused' | 'closed';

/** The mutable facts of a session, shared by the session and its interpreter. */
export interface SessionRecord {
  mode: Mode;
  backend: BackendSession | undefined;
  hello: 'none' | 'HELO' | 'EHLO';
  heloName: string;
  tls: TlsInfo | undefined;
  user: string | undefined;
  tx: Transaction | undefined;
  commandsSeen: number;
}

/** What the interpreter needs from its session. */
export interface CommandHost {
  readonly options: ResolvedOptions;
  readonly stats: StatsRecorder;
  readonly info: ConnectionInfo;
  readonly log: ProtocolLog;
  readonly receiver: MessageReceiver;
  readonly callContext: CallContext;
  readonly input: InputBuffer;
  readonly rec: SessionRecord;
  send(reply: SmtpReply): void;
  /** Counts one error toward `SMTPErrorLimit` (closes the session past it). */
  countError(): void;
  guard<T>(what: string, call: () => T | Promise<T>): Promise<BackendResult<T>>;
  finishWith(reply: SmtpReply): void;
  startTls(): Promise<void>;
}

/** Interprets the commands of one session. */
export class CommandInterpreter {
  private auth: AuthExchange | undefined;

  constructor(private readonly host: CommandHost) {}

  private get rec(): SessionRecord {
    return this.host.rec;
  }

  /** The facts the rules look at. */
  state(): ProtocolState {
    const s = this.rec.backend;
    return {
      hello: this.rec.hello,
      tls: this.rec.tls !== undefined,
      user: this.rec.user,
      inTransaction: this.rec.tx !== undefined,
      recipients: this.rec.tx?.recipients.length ?? 0,
      chunking: this.rec.tx?.data !== undefined,
      listener: this.host.info.listener,
      canAuth: typeof s?.auth === 'function',
      canCramMd5: typeof s?.authCramMd5 === 'function',
      tlsAvailable: this.host.options.startTls !== 'disabled',
    };
  }

  /**
   * A line from a client refused at connect: QUIT gets 221 and the close, anything else `503`
   * (RFC 5321 3.1). Nothing reaches the backend: there is no backend session.
   */
  refusedLine(result: LineResult): void {
    this.rec.commandsSeen++;
    if (result.kind === 'line') {
      this.host.log.command(result.line, 'command');
      if (/^quit\s*$/i.test(result.line)) {
        this.host.finishWith(Replies.closing(this.host.options.hostname));
        return;
      }
    }
    this.host.send(refusedSequence);
  }

  /** One command line. */
  async commandLine(result: LineResult): Promise<void> {
    this.rec.commandsSeen++;
    if (result.kind === 'too-long') return this.host.send(Replies.lineTooLong);
    if (result.kind === 'bare-lf')
      return this.host.send(Replies.syntaxError.withText('Line must end with CRLF'));
    const line = result.line;
    this.host.log.command(line, 'command');
    this.host.log.io('in', line, false, /^auth\s/i.test(line));
    const state = this.state();
    const parsed = parseCommand(line, {
      strict821AddressSyntax: this.host.options.strict821AddressSyntax,
      maxCommandLength: this.host.options.maxCommandLengthBytes,
      smtputf8: this.rec.tx?.mail.params.smtputf8 === true,
      extensions: parameterExtensions(state, this.host.options),
    });
    if (!parsed.ok) return this.host.send(parsed.reason.reply);
    const command = parsed.value;
    if (!this.host.options.extensions.pipelining && command.verb !== 'BDAT' && this.host.input.length > 0) {
      // PIPELINING off: "Domino does not accept multiple SMTP commands in the same packet". The
      // client sent more before this reply: refuse this command and drop the rest of the burst.
      const dropped = this.host.input.clear();
      this.host.options.logger.warn(
        { session: this.host.info.id, octets: dropped },
        'pipelined input refused',
      );
      return this.host.send(improperPipelining);
    }
    const refusal = gate(command.verb, state, this.host.options);
    if (refusal !== undefined) {
      if (command.verb === 'BDAT')
        return this.host.receiver.startBdat(this.rec.tx, command.size, command.last, refusal);
      return this.host.send(refusal);
    }
    const s = this.rec.backend as BackendSession;
    switch (command.verb) {
      case 'HELO':
      case 'EHLO':
        return this.helloCommand(command);
      case 'MAIL':
        return this.mailCommand(command);
      case 'RCPT':
        return this.rcptCommand(command.path, command.params);
      case 'DATA':
        return this.host.receiver.startData(this.rec.tx as Transaction);
      case 'BDAT':
        return this.host.receiver.startBdat(this.rec.tx, command.size, command.last, undefined);
      case 'RSET':
        await this.resetTransaction();
        return this.host.send(Replies.reset);
      case 'NOOP':
        return this.host.send(Replies.ok);
      case 'QUIT':
        return this.host.finishWith(Replies.closing(this.host.options.hostname));
      case 'HELP':
        return this.host.send(Replies.help(helpLines(this.host.options)));
      case 'VRFY':
      case 'EXPN':
        return this.host.send(await lookupCommand(this.host.callContext, s, command.verb, command.query));
      case 'ETRN':
        return this.host.send(await lookupCommand(this.host.callContext, s, 'ETRN', command.node));
      case 'STARTTLS':
        return this.host.startTls();
      case 'AUTH':
        this.auth = new AuthExchange(this.host.options, s, this.host.stats, this.host.info.id);
        return this.authStep(await this.auth.begin(command.mechanism, command.initialResponse));
    }
  }

  private async helloCommand(command: HelloCommand): Promise<void> {
    await this.resetTransaction();
    const s = this.rec.backend as BackendSession;
    const r = await this.host.guard('helo', () => s.helo?.(command));
    if (!r.ok) return this.host.send(r.reason.reply);
    if (r.value !== undefined && !r.value.isPositive) return this.host.send(r.value);
    this.rec.hello = command.verb;
    this.rec.heloName = command.name;
    const first = `${this.host.options.hostname} Hello ${command.name} [${this.host.info.remoteAddress}]`;
    if (command.verb === 'HELO') return this.host.send(Reply.of(250, undefined, first));
    this.host.send(Reply.of(250, undefined, [first, ...ehloKeywords(this.state(), this.host.options)]));
  }

  private async mailCommand(command: MailCommand): Promise<void> {
    const ext = this.host.options.extensions;
    if (
      ext.size &&
      command.params.size !== undefined &&
      command.params.size > this.host.options.maxMessageSizeBytes
    ) {
      return this.host.send(Replies.messageTooBig);
    }
    const s = this.rec.backend as BackendSession;
    const r = await this.host.guard('mailFrom', () => s.mailFrom?.(command.path, command.params));
    const reply = r.ok ? (r.value ?? Replies.senderOk) : r.reason.reply;
    if (reply.isPositive) this.rec.tx = { mail: command, recipients: [], data: undefined };
    this.host.send(reply);
  }

  private async rcptCommand(path: ForwardPath, params: EnvelopeRecipient['params']): Promise<void> {
    const tx = this.rec.tx as Transaction;
    if (tx.recipients.length >= this.host.options.maxRecipients)
      return this.host.send(Replies.tooManyRecipients);
    const s = this.rec.backend as BackendSession;
    const r = await this.host.guard('rcptTo', () => s.rcptTo?.(path, params));
    const reply = r.ok ? (r.value ?? Replies.recipientOk) : r.reason.reply;
    if (reply.isPositive && this.rec.tx === tx) tx.recipients.push({ path, params });
    this.host.send(reply);
    // A refused recipient (550 No such user, 551-553, 554 Relay rejected) counts toward
    // SMTPErrorLimit: an address-guessing or relay-probing client runs into it.
    if (isRefusedRecipient(reply)) this.host.countError();
  }

  /** Abandons the open transaction, if any, and tells the backend. */
  async resetTransaction(): Promise<void> {
    const tx = this.rec.tx;
    if (tx === undefined) return;
    this.rec.tx = undefined;
    if (tx.data !== undefined) {
      tx.data.refuse(Replies.reset);
      await tx.data.finish();
      await tx.data.settleCapture(false, 0, false).catch(() => undefined);
    }
    await this.callReset();
  }

  /** One SASL response line of an AUTH exchange. */
  async saslLine(result: LineResult): Promise<void> {
    this.host.log.command('', 'sasl');
    const exchange = this.auth as AuthExchange;
    if (result.kind !== 'line') {
      this.rec.mode = 'command';
      return this.host.send(result.kind === 'too-long' ? Replies.lineTooLong : Replies.syntaxError);
    }
    this.authStep(await exchange.next(result.line));
  }

  private authStep(step: { reply: SmtpReply; user?: string; done: boolean; rejected?: boolean }): void {
    this.rec.mode = step.done ? 'command' : 'sasl';
    if (step.user !== undefined) this.rec.user = step.user;
    if (step.done) this.auth = undefined;
    // Domino ends the session after a failed authentication (seed 004); the switch keeps it open.
    if (step.rejected === true && this.host.options.closeAfterAuthFailure) this.host.finishWith(step.reply);
    else this.host.send(step.reply);
  }

  /** Calls the backend's optional `reset`. */
  async callReset(): Promise<void> {
    const s = this.rec.backend as BackendSession;
    if (typeof s.reset === 'function') await this.host.guard('reset', () => s.reset?.());
  }
}
