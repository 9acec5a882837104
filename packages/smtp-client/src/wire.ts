/**
 * The socket side of a client session: bytes out with backpressure, replies in through the
 * bounded reader, every wait under a timeout on the injected clock. Anything the network or the
 * peer does (close, reset, timeout, garbage) breaks the wire once with a {@link SmtpClientReason};
 * every pending and later wait then resolves with that reason. Nothing here throws or rejects.
 */
import type { Socket } from 'node:net';
import type { Clock, Logger, SmtpReply } from '@mailroute/envelope';
import { reason, type SmtpClientReason } from './reasons.js';
import { createReplyReader, printable, type ReplyReader, type ReplyReaderLimits } from './reply-reader.js';

/** A reply, or why none came. */
export type ReplyOutcome =
  | { readonly ok: true; readonly reply: SmtpReply }
  | { readonly ok: false; readonly reason: SmtpClientReason };

/** Success, or why the bytes could not be written. */
export type WriteOutcome = { readonly ok: true } | { readonly ok: false; readonly reason: SmtpClientReason };

/** How much of the conversation goes to the logger (Domino `SMTPClientDebug`). */
export type ClientDebugLevel = 0 | 1 | 2;

/** What a wire needs besides its socket. */
export interface WireOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  /** 0: nothing; 1: commands and replies (AUTH secrets masked); 2: plus byte counts of message data. */
  readonly debug: ClientDebugLevel;
  readonly limits?: ReplyReaderLimits;
  /** Most replies held unread before the peer counts as flooding; default 1000. */
  readonly maxQueuedReplies?: number;
}

interface Waiter {
  resolve(outcome: ReplyOutcome): void;
  timer: unknown;
}

/** One connection's byte stream. */
export class SmtpWire {
  #socket: Socket;
  readonly #options: WireOptions;
  readonly #reader: ReplyReader;
  readonly #replies: SmtpReply[] = [];
  readonly #waiters: Waiter[] = [];
  readonly #drainWaiters = new Set<() => void>();
  #broken: SmtpClientReason | undefined;
  #bytesOut = 0;
  #bytesIn = 0;
  readonly #onData = (chunk: Buffer): void => this.#receive(chunk);
  readonly #onClose = (): void =>
    this.fail(reason('SMTP_CONNECTION_LOST', 'the server closed the connection', true));
  readonly #onError = (err: Error): void =>
    this.fail(
      reason(
        'SMTP_CONNECTION_LOST',
        `connection error: ${(err as NodeJS.ErrnoException).code ?? err.message}`,
        true,
      ),
    );
  readonly #onDrain = (): void => {
    for (const w of [...this.#drainWaiters]) w();
  };

  constructor(socket: Socket, options: WireOptions) {
    this.#socket = socket;
    this.#options = options;
    this.#reader = createReplyReader(options.limits);
    this.#attach(socket);
  }

  /** Why the wire is broken, or undefined while it works. */
  get broken(): SmtpClientReason | undefined {
    return this.#broken;
  }

  /** The current socket (a TLSSocket after STARTTLS). */
  get socket(): Socket {
    return this.#socket;
  }

  /** Octets written and read so far. */
  get byteCounts(): { readonly out: number; readonly in: number } {
    return { out: this.#bytesOut, in: this.#bytesIn };
  }

  /** True when replies or a partial reply arrived that nobody asked for yet. */
  get hasUnreadInput(): boolean {
    return this.#replies.length > 0 || this.#reader.pending;
  }

  /** Logs at debug level when the session's debug level allows it. */
  log(level: 1 | 2, context: object, message: string): void {
    if (this.#options.debug >= level) this.#options.logger.debug(context, message);
  }

  /** The next reply if one already arrived, without waiting. */
  takeReply(): SmtpReply | undefined {
    return this.#replies.shift();
  }

  /** Waits for the next reply, at most `timeoutMs`. */
  readReply(timeoutMs: number): Promise<ReplyOutcome> {
    const queued = this.#replies.shift();
    if (queued !== undefined) return Promise.resolve({ ok: true, reply: queued });
    if (this.#broken !== undefined) return Promise.resolve({ ok: false, reason: this.#broken });
    return new Promise((resolve) => {
      const waiter: Waiter = {
        resolve,
        timer: this.#options.clock.setTimeout(() => {
          this.fail(reason('SMTP_TIMEOUT', `no reply within ${timeoutMs} ms`, true));
        }, timeoutMs),
      };
      this.#waiters.push(waiter);
    });
  }

  /**
   * Writes bytes. Resolves at once when the socket took them, or when it drained (backpressure);
   * a drain that takes longer than `timeoutMs` breaks the wire (RFC 5321's data block timeout).
   */
  write(data: Uint8Array | string, timeoutMs: number): Promise<WriteOutcome> | WriteOutcome {
    if (this.#broken !== undefined) return { ok: false, reason: this.#broken };
    const n = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
    this.#bytesOut += n;
    if (this.#socket.write(data)) return OK;
    return this.#awaitDrain(timeoutMs);
  }

  /**
   * Writes several buffers as one batch (corked, so small ones share a packet), then waits for
   * the drain like {@link SmtpWire.write}.
   */
  writeAll(parts: readonly Uint8Array[], timeoutMs: number): Promise<WriteOutcome> | WriteOutcome {
    if (this.#broken !== undefined) return { ok: false, reason: this.#broken };
    this.#socket.cork();
    let flushed = true;
    for (const p of parts) {
      this.#bytesOut += p.byteLength;
      flushed = this.#socket.write(p) && flushed;
    }
    this.#socket.uncork();
    if (flushed || this.#socket.writableLength === 0) return OK;
    return this.#awaitDrain(timeoutMs);
  }

  #awaitDrain(timeoutMs: number): Promise<WriteOutcome> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.#drainWaiters.delete(done);
        this.#options.clock.clearTimeout(timer);
        resolve(this.#broken === undefined ? OK : { ok: false, reason: this.#broken });
      };
      const timer = this.#options.clock.setTimeout(() => {
        this.fail(reason('SMTP_TIMEOUT', `the server did not take data within ${timeoutMs} ms`, true));
      }, timeoutMs);
      this.#drainWaiters.add(done);
    });
  }

  /** Writes command lines (CRLF added) in one write, logging each. */
  writeCommands(
    lines: readonly string[],
    timeoutMs: number,
    masked?: readonly string[],
  ): Promise<WriteOutcome> | WriteOutcome {
    if (this.#options.debug >= 1) {
      for (let i = 0; i < lines.length; i++)
        this.log(1, { dir: 'C', line: masked?.[i] ?? lines[i] }, 'smtp client command');
    }
    return this.write(lines.length === 1 ? `${lines[0]}\r\n` : `${lines.join('\r\n')}\r\n`, timeoutMs);
  }

  /** Breaks the wire with `why` (first reason wins), destroys the socket and wakes every waiter. */
  fail(why: SmtpClientReason, quiet = false): void {
    if (this.#broken !== undefined) return;
    this.#broken = why;
    if (!quiet) this.log(1, { code: why.code, message: why.message }, 'smtp client connection broken');
    else this.log(1, { bytesOut: this.#bytesOut, bytesIn: this.#bytesIn }, 'smtp client connection closed');
    this.#socket.destroy();
    for (const w of this.#waiters.splice(0)) {
      this.#options.clock.clearTimeout(w.timer);
      w.resolve({ ok: false, reason: why });
    }
    this.#onDrain();
  }

  /** Marks the wire closed without a failure to report (after QUIT). */
  close(): void {
    this.fail(reason('SMTP_CONNECTION_LOST', 'the connection was closed by the client', true), true);
  }

  /** Stops listening to the socket (before STARTTLS hands it to node:tls). */
  detach(): Socket {
    this.#socket.off('data', this.#onData);
    this.#socket.off('close', this.#onClose);
    this.#socket.off('error', this.#onError);
    this.#socket.off('drain', this.#onDrain);
    // An error between detach and the TLS socket taking over must not go unhandled.
    this.#socket.on('error', () => {});
    return this.#socket;
  }

  /** Listens to a new socket (the TLSSocket after STARTTLS). */
  reattach(socket: Socket): void {
    this.#socket = socket;
    this.#attach(socket);
  }

  #attach(socket: Socket): void {
    socket.on('data', this.#onData);
    socket.on('close', this.#onClose);
    socket.on('error', this.#onError);
    socket.on('drain', this.#onDrain);
  }

  #receive(chunk: Buffer): void {
    if (this.#broken !== undefined) return;
    this.#bytesIn += chunk.length;
    const { replies, problem } = this.#reader.push(chunk);
    for (const reply of replies) {
      if (this.#options.debug >= 1)
        this.log(
          1,
          { dir: 'S', code: reply.code, enhanced: reply.enhanced, text: printable(reply.text) },
          'smtp client reply',
        );
      const waiter = this.#waiters.shift();
      if (waiter !== undefined) {
        this.#options.clock.clearTimeout(waiter.timer);
        waiter.resolve({ ok: true, reply });
      } else {
        this.#replies.push(reply);
        if (this.#replies.length > (this.#options.maxQueuedReplies ?? 1000)) {
          this.fail(reason('SMTP_PROTOCOL', 'the server sent more replies than commands', true));
          return;
        }
      }
    }
    if (problem !== undefined)
      this.fail(reason('SMTP_PROTOCOL', `bad reply from the server: ${problem}`, true));
  }
}

const OK: WriteOutcome = Object.freeze({ ok: true });
