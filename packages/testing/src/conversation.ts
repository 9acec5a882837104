/**
 * A scripted SMTP conversation: send lines, read typed replies, assert them.
 * `startConversation` runs the real session engine of `@mailroute/smtp-server` in memory against
 * a backend (no sockets, no ports); `connectConversation` speaks to a real server over TCP, for
 * integration tests. Both have the same interface, so a script moves between them unchanged.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';
import type { SmtpReply } from '@mailroute/envelope';
import type { Backend, SmtpServerOptions } from '@mailroute/smtp-server';
import { createTestSession, type TestSessionOptions } from '@mailroute/smtp-server/testing';
import { assertReply } from './assert-reply.js';
import { parseReplies, ReplyReader } from './reply-stream.js';

/** The reply to one command, awaitable, with an assertion attached. */
export interface ReplyPromise extends Promise<SmtpReply> {
  /**
   * Asserts the reply (see {@link assertReply}) and resolves with it:
   * `await s.send('RCPT TO:<x@y>').expect(550, '5.1.1')`.
   */
  expect(code: number, enhanced?: string, text?: string | RegExp): Promise<SmtpReply>;
}

/** One side of the conversation, as recorded. */
export interface TranscriptLine {
  /** `C` what the client sent, `S` what the server replied. */
  readonly from: 'C' | 'S';
  /** The text, without its line end. */
  readonly text: string;
}

/** A scripted conversation with an SMTP server. */
export interface SmtpConversation {
  /** The greeting the server sent (`220 ...`, or a refusal). */
  readonly greeting: SmtpReply;
  /** Sends one command line (CRLF added) and resolves with its one reply. */
  send(line: string): ReplyPromise;
  /**
   * Sends literal octets (nothing added) and resolves with the replies they produced. In memory
   * that is every reply the session gave; over a socket, `replies` says how many to wait for
   * (default 1; 0 sends without waiting).
   */
  sendRaw(data: string | Uint8Array, replies?: number): Promise<SmtpReply[]>;
  /**
   * DATA, then the message (line ends made CRLF, dot-stuffed) and the end-of-data line; resolves
   * with the reply to the message. Throws when DATA is not answered with 354.
   */
  data(message: string | Uint8Array): ReplyPromise;
  /** STARTTLS; over a socket the TLS handshake follows a 220 (with `tls` options, default: any certificate). */
  startTls(tls?: ConnectionOptions): ReplyPromise;
  /** What was said so far (message contents are summarised, not copied). */
  readonly transcript: readonly TranscriptLine[];
  /** True once the server closed the connection. */
  readonly closed: boolean;
  /** QUIT (when still open) and close. */
  close(): Promise<void>;
}

function replyPromise(p: Promise<SmtpReply>): ReplyPromise {
  return Object.assign(p, {
    expect(code: number, enhanced?: string, text?: string | RegExp): Promise<SmtpReply> {
      return p.then((reply) => assertReply(reply, code, enhanced, text));
    },
  });
}

/** The message as sent after DATA: CRLF line ends, leading dots doubled, then `.` alone. */
export function dataPayload(message: string | Uint8Array): Buffer {
  const text = Buffer.from(message).toString('latin1');
  const lines = text.replace(/\r?\n/g, '\r\n');
  const body = lines.endsWith('\r\n') || lines.length === 0 ? lines : `${lines}\r\n`;
  const stuffed = body.replace(/(^|\r\n)\./g, '$1..');
  return Buffer.from(`${stuffed}.\r\n`, 'latin1');
}

function one(replies: SmtpReply[], what: string): SmtpReply {
  const last = replies[replies.length - 1];
  if (last === undefined) throw new Error(`no reply to ${what}`);
  return last;
}

/** Options of {@link startConversation}. */
export interface ConversationOptions extends TestSessionOptions {
  /** The server's options (the same as `createSmtpServer` takes). Default: `{ hostname: 'mx.test' }`. */
  readonly server?: SmtpServerOptions;
}

/**
 * Starts an in-memory session of the real session engine with `backend`: what a client would see,
 * without a socket. Connection facts (remote address, listener kind, TLS from the start) come from
 * `options`.
 */
export async function startConversation(
  backend: Backend,
  options: ConversationOptions = {},
): Promise<SmtpConversation> {
  const { server, ...test } = options;
  const session = await createTestSession({ hostname: 'mx.test', ...server }, backend, test);
  const transcript: TranscriptLine[] = [];
  const heard = (text: string): SmtpReply[] => {
    for (const line of text.split('\r\n')) if (line !== '') transcript.push({ from: 'S', text: line });
    return parseReplies(text);
  };
  const greeting = one(heard(session.greeting), 'the connection');
  const sendRaw = async (data: string | Uint8Array): Promise<SmtpReply[]> => {
    const text = typeof data === 'string' ? data : Buffer.from(data).toString('latin1');
    for (const line of text.split('\r\n')) if (line !== '') transcript.push({ from: 'C', text: line });
    return heard(await session.send(data));
  };
  const conversation: SmtpConversation = {
    greeting,
    send: (line) => replyPromise(sendRaw(`${line}\r\n`).then((r) => one(r, line))),
    sendRaw: (data) => sendRaw(data),
    data: (message) =>
      replyPromise(
        (async () => {
          assertReply(one(await sendRaw('DATA\r\n'), 'DATA'), 354);
          const payload = dataPayload(message);
          transcript.push({ from: 'C', text: `(message, ${payload.length} octets)` });
          return one(heard(await session.send(payload)), 'the message');
        })(),
      ),
    startTls: () => conversation.send('STARTTLS'),
    transcript,
    get closed() {
      return session.closed;
    },
    async close() {
      if (!session.closed) await sendRaw('QUIT\r\n');
      await session.close();
    },
  };
  return conversation;
}

/** Options of {@link connectConversation}. */
export interface SocketConversationOptions {
  /** Server address; default 127.0.0.1. */
  readonly host?: string;
  /** Server port. */
  readonly port: number;
  /** Most milliseconds to wait for each reply (and the connection). Default 10000. */
  readonly replyTimeoutMs?: number;
}

/** Opens a conversation with a real SMTP server over TCP; resolves once the greeting arrived. */
export async function connectConversation(options: SocketConversationOptions): Promise<SmtpConversation> {
  const host = options.host ?? '127.0.0.1';
  const timeoutMs = options.replyTimeoutMs ?? 10000;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    throw new RangeError(`replyTimeoutMs must be a positive integer, got ${String(timeoutMs)}`);
  }
  const transcript: TranscriptLine[] = [];
  let reader = new ReplyReader();
  let closed = false;
  let failure: Error | undefined;
  let waiter: (() => void) | undefined;
  const wake = () => {
    const w = waiter;
    waiter = undefined;
    w?.();
  };
  const onData = (chunk: Buffer) => {
    const text = chunk.toString('latin1');
    for (const line of text.split('\r\n')) if (line !== '') transcript.push({ from: 'S', text: line });
    try {
      reader.feed(text);
    } catch (error) {
      failure = error as Error;
      socket.destroy();
    }
    wake();
  };
  const onClose = () => {
    closed = true;
    wake();
  };
  const onError = (error: Error) => {
    failure ??= error;
    wake();
  };
  const attach = (s: Socket) => {
    s.on('data', onData);
    s.on('close', onClose);
    s.on('error', onError);
  };
  let socket: Socket = netConnect({ host, port: options.port });
  attach(socket);

  const read = async (count: number, what: string): Promise<SmtpReply[]> => {
    const deadline = Date.now() + timeoutMs;
    while (reader.replies.length < count) {
      if (failure) throw new Error(`${what}: ${failure.message}`);
      if (closed) throw new Error(`${what}: the server closed the connection`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${what}: no reply within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return reader.replies.splice(0, count);
  };
  const write = (data: string | Uint8Array, note?: string) => {
    const text = typeof data === 'string' ? data : Buffer.from(data).toString('latin1');
    if (note !== undefined) transcript.push({ from: 'C', text: note });
    else for (const line of text.split('\r\n')) if (line !== '') transcript.push({ from: 'C', text: line });
    socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  };
  const sendRaw = async (data: string | Uint8Array, replies = 1): Promise<SmtpReply[]> => {
    write(data);
    return replies === 0 ? [] : read(replies, 'waiting for a reply');
  };

  let greeting: SmtpReply;
  try {
    greeting = one(await read(1, `connecting to ${host}:${options.port}`), 'the connection');
  } catch (error) {
    socket.destroy();
    throw error;
  }
  const conversation: SmtpConversation = {
    greeting,
    send: (line) => replyPromise(sendRaw(`${line}\r\n`).then((r) => one(r, line))),
    sendRaw,
    data: (message) =>
      replyPromise(
        (async () => {
          assertReply(one(await sendRaw('DATA\r\n'), 'DATA'), 354);
          const payload = dataPayload(message);
          write(payload, `(message, ${payload.length} octets)`);
          return one(await read(1, 'waiting for the reply to the message'), 'the message');
        })(),
      ),
    startTls: (tls = {}) =>
      replyPromise(
        (async () => {
          const reply = one(await sendRaw('STARTTLS\r\n'), 'STARTTLS');
          if (reply.code !== 220) return reply;
          const plain = socket;
          plain.removeListener('data', onData);
          plain.removeListener('close', onClose);
          plain.removeListener('error', onError);
          reader = new ReplyReader(); // nothing said before TLS counts after it (RFC 3207 4.2)
          const secure = tlsConnect({
            socket: plain,
            rejectUnauthorized: false,
            servername: undefined,
            ...tls,
          });
          await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(
              () => reject(new Error(`TLS handshake: no answer within ${timeoutMs} ms`)),
              timeoutMs,
            );
            secure.once('secureConnect', () => {
              clearTimeout(timer);
              resolve();
            });
            secure.once('error', (e) => {
              clearTimeout(timer);
              reject(e);
            });
          });
          socket = secure;
          attach(secure);
          return reply;
        })(),
      ),
    transcript,
    get closed() {
      return closed;
    },
    async close() {
      if (!closed && !failure) {
        try {
          await sendRaw('QUIT\r\n');
        } catch {
          // The server may close before answering; either way the conversation is over.
        }
      }
      socket.destroy();
    },
  };
  return conversation;
}
