/**
 * A small SMTP client for the load and crash tests: one connection, commands one at a time,
 * replies read whole (multi-line aware), optional STARTTLS and AUTH PLAIN. Every wait is
 * bounded; a dead server gives an error, never a hang.
 */
import { connect, type Socket } from 'node:net';
import { type PeerCertificate, type TLSSocket, connect as tlsConnect } from 'node:tls';

/** One reply: its code and its text lines joined. */
export interface Reply {
  readonly code: number;
  readonly text: string;
}

/** A connected client. */
export class SmtpTestClient {
  #socket: Socket | TLSSocket;
  #buffer = '';
  #waiting: ((line: string | Error) => void) | undefined;
  #lines: string[] = [];
  #error: Error | undefined;
  readonly #timeoutMs: number;

  private constructor(socket: Socket, timeoutMs: number) {
    this.#socket = socket;
    this.#timeoutMs = timeoutMs;
    this.#listen(socket);
  }

  /** Connects and reads the greeting. */
  static async open(
    port: number,
    options: { host?: string; localAddress?: string; timeoutMs?: number } = {},
  ): Promise<{ client: SmtpTestClient; greeting: Reply }> {
    const socket = connect({
      port,
      host: options.host ?? '127.0.0.1',
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
    });
    const client = new SmtpTestClient(socket, options.timeoutMs ?? 10_000);
    const greeting = await client.reply();
    return { client, greeting };
  }

  #listen(socket: Socket | TLSSocket): void {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.#buffer += chunk;
      let at = this.#buffer.indexOf('\r\n');
      while (at !== -1) {
        this.#push(this.#buffer.slice(0, at));
        this.#buffer = this.#buffer.slice(at + 2);
        at = this.#buffer.indexOf('\r\n');
      }
    });
    const fail = (e: Error) => {
      this.#error ??= e;
      const w = this.#waiting;
      this.#waiting = undefined;
      w?.(this.#error);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed')));
  }

  #push(line: string): void {
    const w = this.#waiting;
    if (w) {
      this.#waiting = undefined;
      w(line);
    } else this.#lines.push(line);
  }

  #line(): Promise<string> {
    const next = this.#lines.shift();
    if (next !== undefined) return Promise.resolve(next);
    if (this.#error) return Promise.reject(this.#error);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting = undefined;
        reject(new Error('reply timeout'));
        this.#socket.destroy();
      }, this.#timeoutMs);
      this.#waiting = (line) => {
        clearTimeout(timer);
        if (line instanceof Error) reject(line);
        else resolve(line);
      };
    });
  }

  /** Reads one (possibly multi-line) reply. */
  async reply(): Promise<Reply> {
    const texts: string[] = [];
    for (;;) {
      const line = await this.#line();
      texts.push(line.slice(4));
      if (line.length < 4 || line[3] !== '-')
        return { code: Number(line.slice(0, 3)), text: texts.join('\n') };
    }
  }

  /** Sends a command (CRLF added) and reads its reply. */
  async command(line: string): Promise<Reply> {
    this.#socket.write(`${line}\r\n`);
    return this.reply();
  }

  /** Sends raw octets and reads one reply. */
  async raw(data: string | Buffer): Promise<Reply> {
    this.#socket.write(data);
    return this.reply();
  }

  /** The certificate the server presented, once STARTTLS is done. */
  peerCertificate(): PeerCertificate | undefined {
    const socket = this.#socket;
    return 'getPeerCertificate' in socket ? (socket as TLSSocket).getPeerCertificate() : undefined;
  }

  /** STARTTLS (the server's development certificate is not checked). */
  async startTls(): Promise<Reply> {
    const r = await this.command('STARTTLS');
    if (r.code !== 220) return r;
    const plain = this.#socket as Socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    plain.removeAllListeners('error');
    const secure = tlsConnect({ socket: plain, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    this.#socket = secure;
    this.#listen(secure);
    return r;
  }

  /** One mail transaction; resolves with the reply to the data (or the first refusal). */
  async send(from: string, to: readonly string[], message: string | Buffer): Promise<Reply> {
    const mail = await this.command(`MAIL FROM:<${from}>`);
    if (mail.code !== 250) return mail;
    let accepted = 0;
    let refusal: Reply | undefined;
    for (const r of to) {
      const reply = await this.command(`RCPT TO:<${r}>`);
      if (reply.code === 250) accepted++;
      else refusal ??= reply;
    }
    if (accepted === 0) {
      await this.command('RSET');
      return refusal!;
    }
    const data = await this.command('DATA');
    if (data.code !== 354) return data;
    const body = typeof message === 'string' ? Buffer.from(message, 'latin1') : message;
    return this.raw(Buffer.concat([body, Buffer.from('\r\n.\r\n')]));
  }

  /** QUIT and close. */
  async quit(): Promise<void> {
    try {
      await this.command('QUIT');
    } catch {
      // The server may already be gone.
    }
    this.#socket.destroy();
  }

  /** Drops the connection. */
  destroy(): void {
    this.#socket.destroy();
  }
}

/** A message of about `size` octets, CRLF lines, no line starting with a dot. */
export function testMessage(from: string, to: string, subject: string, size: number): string {
  const head = `From: ${from}\r\nTo: ${to}\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/[^\w.-]/g, '')}@load.test>\r\nDate: Sat, 21 Nov 2026 12:00:00 +0000\r\n\r\n`;
  const line = 'The quick brown fox jumps over the lazy dog, and again, and again.\r\n';
  let body = '';
  while (head.length + body.length < size) body += line;
  return head + body;
}
