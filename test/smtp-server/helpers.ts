/**
 * Helpers for the integration tests: a server on 127.0.0.1 with a collecting backend, and a raw
 * socket client that speaks literal bytes.
 */
import { createHmac } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import type { Backend, BackendSession, InboundEnvelope, PasswordCredentials } from '@mailroute/smtp-server';
import { createSmtpServer, type SmtpServer, type SmtpServerOptions } from '@mailroute/smtp-server';

export interface Received {
  readonly envelope: InboundEnvelope;
  readonly body: Buffer;
}

/** A backend that keeps every message; `alice`/`s3cret` authenticates (PLAIN, LOGIN, CRAM-MD5). */
export class CollectingBackend implements Backend {
  readonly messages: Received[] = [];
  readonly auths: PasswordCredentials[] = [];
  sessionsClosed = 0;
  connect(): BackendSession {
    return {
      auth: (c) => {
        this.auths.push(c);
        return c.username === 'alice' && c.password === 's3cret';
      },
      authCramMd5: (username, challenge, digest) =>
        username === 'alice' && createHmac('md5', 's3cret').update(challenge).digest('hex') === digest,
      mailFrom: () => undefined,
      rcptTo: () => undefined,
      data: async (message, envelope) => {
        const chunks: Buffer[] = [];
        for await (const c of message) chunks.push(c);
        this.messages.push({ envelope, body: Buffer.concat(chunks) });
        return undefined;
      },
      close: () => {
        this.sessionsClosed++;
      },
    };
  }
}

export interface Running {
  readonly server: SmtpServer;
  readonly backend: CollectingBackend;
  readonly ports: Record<string, number>;
}

/** Starts a server on ephemeral ports: smtp always, submission and smtps when asked. */
export async function startServer(
  options: SmtpServerOptions = {},
  backend = new CollectingBackend(),
  kinds: ('smtp' | 'submission' | 'smtps')[] = ['smtp'],
): Promise<Running> {
  const server = createSmtpServer(
    {
      hostname: 'mx.test.example',
      listeners: kinds.map((kind) => ({ kind, port: 0, host: '127.0.0.1' })),
      ...options,
    },
    backend,
  );
  const addresses = await server.listen();
  const ports: Record<string, number> = {};
  for (const a of addresses) ports[a.kind] = a.port;
  return { server, backend, ports };
}

/** A raw client: write bytes, wait for text. */
export class RawClient {
  text = '';
  closed = false;
  private waiters: (() => void)[] = [];
  constructor(public socket: Socket | TLSSocket) {
    this.attach(socket);
  }
  private attach(socket: Socket | TLSSocket): void {
    socket.on('data', (d: Buffer) => {
      this.text += d.toString('latin1');
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on('error', () => {});
  }
  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }
  write(data: string | Buffer): void {
    this.socket.write(data);
  }
  /** Waits until the text received matches `re` (or the socket closes, or `ms` passes). */
  async until(re: RegExp, ms = 5000): Promise<string> {
    const deadline = Date.now() + ms;
    while (!re.test(this.text)) {
      if (this.closed) throw new Error(`closed before ${re}: ${JSON.stringify(this.text)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timeout waiting for ${re}: ${JSON.stringify(this.text)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.text;
  }
  /** Waits for the server to close the connection. */
  async closedByServer(ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('server did not close');
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  /** Upgrades the socket to TLS (after a 220 to STARTTLS). */
  async startTls(): Promise<void> {
    const plain = this.socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    const secure = tlsConnect({ socket: plain, rejectUnauthorized: false, servername: 'mx.test.example' });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    this.socket = secure;
    this.attach(secure);
  }
  close(): void {
    this.socket.destroy();
  }
}
