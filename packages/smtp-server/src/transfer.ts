/**
 * One message in flight (DATA or a run of BDAT chunks): the queue the backend reads, the capture
 * writer, and the backend's pending answer. The session feeds it decoded octets and asks it for
 * the final reply once the end of the data has been read.
 */
import { Replies, type ReplyResult, SmtpError, type SmtpReply } from '@mailroute/envelope';
import type { DataOutcome } from './backend.js';
import type { CaptureWriter } from './capture.js';
import { MessageQueue } from './message-stream.js';

/** How a message ended. */
export interface TransferResult {
  /** The reply to send. */
  readonly reply: SmtpReply;
  /** The backend mixed positive and negative per-recipient replies. */
  readonly mixed: boolean;
  /** Decoded octets, Received header included. */
  readonly size: number;
}

/**
 * Folds `data`'s outcome into the one SMTP reply: nothing means accepted with the queue id; a
 * list of per-recipient replies gives the first positive when any is positive, else the first.
 */
export function foldDataOutcome(outcome: DataOutcome, id: string): { reply: SmtpReply; mixed: boolean } {
  if (outcome === undefined) return { reply: Replies.messageAccepted(id), mixed: false };
  if (!Array.isArray(outcome)) return { reply: outcome as SmtpReply, mixed: false };
  const list = outcome as readonly SmtpReply[];
  if (list.length === 0) return { reply: Replies.messageAccepted(id), mixed: false };
  const positive = list.find((r) => r.isPositive);
  const negative = list.find((r) => !r.isPositive);
  if (positive && negative) return { reply: positive, mixed: true };
  return { reply: positive ?? (negative as SmtpReply), mixed: false };
}

/** The message being received. */
export class Transfer {
  readonly queue = new MessageQueue();
  /** Why the message is refused, once known (too big, bare line end in strict mode, RSET). */
  refused: SmtpReply | undefined;
  size = 0;
  private outcome: Promise<ReplyResult<DataOutcome>> | undefined;

  constructor(
    readonly kind: 'DATA' | 'BDAT',
    readonly id: string,
    private readonly maxSize: number,
    private readonly capture: CaptureWriter | undefined,
  ) {}

  /** Hands the backend's pending answer over; when it settles the queue stops holding data. */
  started(outcome: Promise<ReplyResult<DataOutcome>>): void {
    this.outcome = outcome.finally(() => this.queue.abandon());
  }

  /**
   * Adds decoded octets. Past the maximum size the message is refused at once: nothing more is
   * queued or kept. Returns a promise when the caller must wait (backend or capture behind).
   */
  push(chunk: Buffer): Promise<void> | undefined {
    if (this.refused !== undefined) return undefined;
    this.size += chunk.length;
    if (this.size > this.maxSize) {
      this.refuse(Replies.messageTooBig);
      return undefined;
    }
    const pending = this.capture?.write(chunk);
    const room = this.queue.push(chunk);
    if (pending !== undefined)
      return room ? pending : Promise.all([pending, this.queue.drained()]).then(() => {});
    return room ? undefined : this.queue.drained();
  }

  /** Refuses the message with `reply`; the backend's read throws an SmtpError carrying it. */
  refuse(reply: SmtpReply): void {
    if (this.refused !== undefined) return;
    this.refused = reply;
    this.queue.fail(new SmtpError(reply));
  }

  /** The end of the data was read: waits for the backend and works out the reply. */
  async finish(): Promise<TransferResult> {
    if (this.refused === undefined) this.queue.end();
    const outcome = this.outcome ? await this.outcome : { ok: true as const, value: undefined };
    let reply: SmtpReply;
    let mixed = false;
    if (this.refused !== undefined) reply = this.refused;
    else if (!outcome.ok) reply = outcome.reason.reply;
    else ({ reply, mixed } = foldDataOutcome(outcome.value, this.id));
    return { reply, mixed, size: this.size };
  }

  /** Settles the capture for `accepted` per `saveImportErrors` and `keepAnyway` (SMTPSaveFileFrom). */
  async settleCapture(accepted: boolean, saveImportErrors: number, keepAnyway: boolean): Promise<void> {
    if (this.capture === undefined) return;
    const keep =
      keepAnyway ||
      saveImportErrors === 2 ||
      ((saveImportErrors === 1 || saveImportErrors === 3) && !accepted);
    await (keep ? this.capture.keep() : this.capture.discard());
  }
}
