/**
 * The message part of a session: DATA through the envelope's decoder (only CRLF.CRLF ends it,
 * dot-stuffing removed, the pipelined rest handed back) and BDAT chunks counted octet by octet
 * (RFC 3030; a refused BDAT still consumes its octets, so they can never be read as commands).
 * It builds the envelope and the Received header, starts the backend's `data`, feeds it, and
 * sends the final reply.
 */
import {
  createDataDecoder,
  type DataDecoder,
  type ForwardPath,
  formatReceived,
  type MailCommand,
  Replies,
  receivedProtocol,
  type SmtpReply,
} from '@mailroute/envelope';
import type {
  BackendSession,
  ConnectionInfo,
  EnvelopeRecipient,
  InboundEnvelope,
  TlsInfo,
} from './backend.js';
import type { BackendResult } from './backend-call.js';
import type { CaptureWriter } from './capture.js';
import type { InputBuffer } from './input-buffer.js';
import { MailData } from './mail-data.js';
import type { ResolvedOptions } from './options.js';
import type { ProtocolLog } from './protocol-log.js';
import type { StatsRecorder } from './stats.js';

/** An open mail transaction. */
export interface Transaction {
  readonly mail: MailCommand;
  readonly recipients: EnvelopeRecipient[];
  data: MailData | undefined;
}

/** The session facts a message records. */
export interface SessionFacts {
  readonly backend: BackendSession;
  readonly helo: string;
  readonly esmtp: boolean;
  readonly tls: TlsInfo | undefined;
  readonly user: string | undefined;
}

/** What the receiver needs from its session. */
export interface MessageHost {
  readonly options: ResolvedOptions;
  readonly stats: StatsRecorder;
  readonly log: ProtocolLog;
  readonly info: ConnectionInfo;
  readonly input: InputBuffer;
  send(reply: SmtpReply): void;
  guard<T>(what: string, call: () => T | Promise<T>): Promise<BackendResult<T>>;
  facts(): SessionFacts;
  /** The transaction is over (the reply is about to be sent): forget it, reset the backend if refused. */
  transactionEnded(accepted: boolean): Promise<void>;
}

/** True when `chunk` holds an octet above 0x7F. */
function has8bit(chunk: Buffer): boolean {
  for (let i = 0; i < chunk.length; i++) if (chunk[i] > 0x7f) return true;
  return false;
}

function addressOf(path: ForwardPath, unicode: boolean): string {
  if (path.kind === 'postmaster') return 'postmaster';
  return unicode ? path.mailbox.addressUnicode : path.mailbox.address;
}

/** Receives the messages of one session. */
export class MessageReceiver {
  /** What is being read now: DATA octets, a BDAT chunk, or nothing (commands). */
  receiving: 'data' | 'bdat' | undefined;
  private decoder: DataDecoder | undefined;
  private tx: Transaction | undefined;
  private bdatLeft = 0;
  private bdatLast = false;
  /** Reply for a BDAT refused before its chunk was read (its octets are still consumed). */
  private bdatRefusal: SmtpReply | undefined;
  /** The message must be 7-bit: `refuseUndeclared8bit` is on and MAIL FROM declared no 8-bit body. */
  private sevenBit = false;

  constructor(private readonly host: MessageHost) {}

  /** DATA accepted by the rules: 354, then octets until CRLF.CRLF. */
  async startData(tx: Transaction): Promise<void> {
    if (tx.data !== undefined) return this.host.send(Replies.badSequence('BDAT transfer in progress'));
    const o = this.host.options;
    this.decoder = createDataDecoder({
      maxSizeBytes: o.maxMessageSizeBytes,
      strict821LineSyntax: o.strict821LineSyntax,
    });
    this.host.send(Replies.startMailInput);
    this.receiving = 'data';
    this.tx = tx;
    await this.begin(tx, 'DATA');
  }

  /** BDAT size [LAST]; `refusal` when the rules refused it (the octets are read and dropped). */
  async startBdat(
    tx: Transaction | undefined,
    size: number,
    last: boolean,
    refusal: SmtpReply | undefined,
  ): Promise<void> {
    this.bdatLeft = size;
    this.bdatLast = last;
    this.bdatRefusal = refusal;
    this.receiving = 'bdat';
    this.tx = tx;
    if (refusal === undefined && tx !== undefined) {
      if (tx.data === undefined) await this.begin(tx, 'BDAT');
      else if (tx.data.kind === 'DATA') this.bdatRefusal = Replies.badSequence();
    }
    if (size === 0) await this.endBdatChunk();
  }

  /** Takes waiting input into the message. */
  pump(): Promise<void> {
    return this.receiving === 'data' ? this.pumpData() : this.pumpBdat();
  }

  /** The session is closing: the backend's read fails, the capture is settled as refused. */
  abort(): void {
    const mailData = this.tx?.data;
    this.receiving = undefined;
    this.tx = undefined;
    if (mailData === undefined) return;
    mailData.refuse(Replies.localError.withText('Connection closed during message transfer'));
    void mailData
      .settleCapture(false, this.host.options.capture.saveImportErrors, false)
      .catch(() => undefined);
  }

  private async begin(tx: Transaction, kind: 'DATA' | 'BDAT'): Promise<void> {
    const { options, info } = this.host;
    const facts = this.host.facts();
    const id = options.ids();
    const cap = options.capture;
    let writer: CaptureWriter | undefined;
    if (cap.storage !== undefined && (cap.saveImportErrors !== 0 || cap.saveFileFrom !== undefined)) {
      writer = await cap.storage.open(id).catch((error: unknown) => {
        options.logger.error({ session: info.id, err: error }, 'capture storage failed');
        return undefined;
      });
    }
    const mailData = new MailData(kind, id, options.maxMessageSizeBytes, writer);
    tx.data = mailData;
    const p = tx.mail.params;
    this.sevenBit =
      options.extensions.refuseUndeclared8bit &&
      p.body !== '8BITMIME' &&
      p.body !== 'BINARYMIME' &&
      !p.smtputf8;
    const envelope: InboundEnvelope = {
      id,
      from: tx.mail.path,
      params: tx.mail.params,
      recipients: [...tx.recipients],
      helo: facts.helo,
      user: facts.user,
      tls: facts.tls,
      connection: info,
      dataCommand: kind,
    };
    await mailData.push(Buffer.from(this.receivedHeader(id, tx, facts), 'latin1'));
    mailData.started(this.host.guard('data', () => facts.backend.data(mailData.queue, envelope)));
  }

  private receivedHeader(id: string, tx: Transaction, facts: SessionFacts): string {
    const o = this.host.options;
    const smtputf8 = tx.mail.params.smtputf8;
    return formatReceived({
      from: { helo: facts.helo, reverseDns: facts.backend.clientHostName, ip: this.host.info.remoteAddress },
      by: o.hostname,
      product: o.product,
      noVersionInReceivedHeader: o.noVersionInReceivedHeader,
      protocol: receivedProtocol({
        esmtp: facts.esmtp,
        tls: facts.tls !== undefined,
        authenticated: facts.user !== undefined,
        smtputf8,
      }),
      tls: facts.tls,
      id,
      recipients: tx.recipients.map((r) => addressOf(r.path, smtputf8)),
      maxForRecipients: o.maxForRecipients,
      date: new Date(o.clock.now()),
    });
  }

  private async pumpData(): Promise<void> {
    const decoder = this.decoder as DataDecoder;
    const mailData = this.tx?.data as MailData;
    const chunk = this.host.input.takeAll();
    const result = decoder.write(chunk);
    this.host.log.io('in', chunk, true);
    if (decoder.reply !== undefined) mailData.refuse(decoder.reply);
    for (const piece of result.data) {
      if (this.sevenBit && has8bit(piece)) mailData.refuse(Replies.eightBitWithoutDeclaration);
      const wait = mailData.push(piece);
      if (wait !== undefined) await wait;
    }
    if (!result.done) return;
    if (result.rest !== undefined) this.host.input.unshift(result.rest);
    this.decoder = undefined;
    this.receiving = undefined;
    await this.end();
  }

  private async pumpBdat(): Promise<void> {
    const chunk = this.host.input.take(this.bdatLeft);
    this.bdatLeft -= chunk.length;
    this.host.log.io('in', chunk, true);
    const mailData = this.tx?.data;
    if (this.bdatRefusal === undefined && mailData !== undefined) {
      if (this.sevenBit && has8bit(chunk)) mailData.refuse(Replies.eightBitWithoutDeclaration);
      const wait = mailData.push(chunk);
      if (wait !== undefined) await wait;
    }
    if (this.bdatLeft === 0) await this.endBdatChunk();
  }

  private async endBdatChunk(): Promise<void> {
    this.receiving = undefined;
    if (this.bdatRefusal !== undefined) return this.host.send(this.bdatRefusal);
    const mailData = this.tx?.data as MailData;
    if (this.bdatLast || mailData.refused !== undefined) return this.end();
    this.host.send(Replies.chunkAccepted(mailData.size));
  }

  private async end(): Promise<void> {
    const { options, stats, info } = this.host;
    const tx = this.tx as Transaction;
    this.tx = undefined;
    const mailData = tx.data as MailData;
    const result = await mailData.finish();
    const accepted = result.reply.isPositive;
    if (accepted) {
      stats.add('messagesAccepted');
      stats.add('bytesAccepted', result.size);
      stats.add('recipientsAccepted', tx.recipients.length);
    } else {
      stats.add('messagesRefused');
    }
    if (result.mixed) options.logger.warn({ session: info.id, id: mailData.id }, 'partial delivery');
    const from = tx.mail.path.kind === 'mailbox' ? tx.mail.path.mailbox.address.toLowerCase() : '';
    const needle = options.capture.saveFileFrom?.toLowerCase();
    await mailData
      .settleCapture(
        accepted,
        options.capture.saveImportErrors,
        needle !== undefined && from.includes(needle),
      )
      .catch((error: unknown) => options.logger.error({ session: info.id, err: error }, 'capture failed'));
    await this.host.transactionEnded(accepted);
    this.host.send(result.reply);
  }
}
