/**
 * Small SMTP servers for the tests, on 127.0.0.1: a scripted peer that reads lines and raw octets
 * and writes whatever the test says (well-behaved or hostile), one script run per connection.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TLSSocket } from 'node:tls';

/** One connection as the script sees it. */
export class Peer {
  socket: Socket;
  #buf = Buffer.alloc(0);
  #waiters: (() => void)[] = [];
  #closed = false;
  /** Every command line read, in order. */
  readonly lines: string[] = [];
  /** Sizes of the data chunks the socket delivered (to see pipelining: several commands in one chunk). */
  readonly chunks: string[] = [];

  constructor(socket: Socket) {
    this.socket = socket;
    this.#attach(socket);
  }

  #attach(socket: Socket): void {
    socket.on('data', (d: Buffer) => {
      this.chunks.push(d.toString('latin1'));
      this.#buf = Buffer.concat([this.#buf, d]);
      for (const w of this.#waiters.splice(0)) w();
    });
    socket.on('close', () => {
      this.#closed = true;
      for (const w of this.#waiters.splice(0)) w();
    });
    socket.on('error', () => {});
  }

  get closed(): boolean {
    return this.#closed;
  }

  write(data: string | Buffer): void {
    if (!this.socket.destroyed) this.socket.write(data);
  }

  async #wait(): Promise<void> {
    if (this.#closed) throw new Error('peer closed');
    await new Promise<void>((r) => this.#waiters.push(r));
  }

  /** The next line without CRLF. */
  async line(): Promise<string> {
    for (;;) {
      const i = this.#buf.indexOf('\r\n');
      if (i >= 0) {
        const l = this.#buf.subarray(0, i).toString('utf8');
        this.#buf = this.#buf.subarray(i + 2);
        this.lines.push(l);
        return l;
      }
      await this.#wait();
    }
  }

  /** Octets up to and including `marker`. */
  async until(marker: string): Promise<Buffer> {
    for (;;) {
      const i = this.#buf.indexOf(marker);
      if (i >= 0) {
        const out = this.#buf.subarray(0, i + marker.length);
        this.#buf = this.#buf.subarray(i + marker.length);
        return Buffer.from(out);
      }
      await this.#wait();
    }
  }

  /** Exactly `n` octets. */
  async octets(n: number): Promise<Buffer> {
    while (this.#buf.length < n) await this.#wait();
    const out = this.#buf.subarray(0, n);
    this.#buf = this.#buf.subarray(n);
    return Buffer.from(out);
  }

  /** Switches to TLS as the server side (after "220 Go ahead"). */
  async startTls(cert: TestCert): Promise<void> {
    this.socket.removeAllListeners('data');
    const tls = new TLSSocket(this.socket, { isServer: true, key: cert.key, cert: cert.cert });
    this.socket = tls;
    this.#buf = Buffer.alloc(0);
    this.#attach(tls);
    await new Promise<void>((resolve, reject) => {
      tls.once('secure', resolve);
      tls.once('error', reject);
    });
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** A running scripted server. */
export interface ScriptServer {
  readonly port: number;
  readonly peers: Peer[];
  /** Every script's outcome (they end when the client goes away). */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1 (or `host`) running `script` for each connection. */
export async function scriptServer(
  script: (peer: Peer, index: number) => Promise<void>,
  options: { host?: string; port?: number } = {},
): Promise<ScriptServer> {
  const peers: Peer[] = [];
  const runs: Promise<void>[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const peer = new Peer(socket);
    peers.push(peer);
    runs.push(
      script(peer, peers.length - 1).then(
        () => undefined,
        () => undefined,
      ),
    );
  });
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const port = (server.address() as { port: number }).port;
  return {
    port,
    peers,
    settled: async () => {
      await Promise.all(runs);
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** EHLO keywords a test server offers. */
export const FULL_EHLO = [
  'PIPELINING',
  '8BITMIME',
  'SMTPUTF8',
  'DSN',
  'ENHANCEDSTATUSCODES',
  'SIZE 10485760',
];

/** A received transaction. */
export interface Got {
  readonly mail: string;
  readonly rcpts: string[];
  readonly body: Buffer;
}

/**
 * A well-behaved server: greeting, EHLO with `ehlo` keywords, then transactions (DATA or BDAT)
 * until QUIT. `rcpt` decides each RCPT's reply. With `pipelineCheck` the MAIL reply is held until
 * every RCPT line arrived (a client that does not pipeline would wait for ever).
 */
export async function goodServer(
  peer: Peer,
  got: Got[],
  options: {
    ehlo?: readonly string[];
    rcpt?: (line: string) => string;
    final?: string;
    pipelineCheck?: number;
  } = {},
): Promise<void> {
  peer.write('220 test.example ESMTP\r\n');
  let mail = '';
  let rcpts: string[] = [];
  let bdat: Buffer[] = [];
  for (;;) {
    const line = await peer.line();
    const verb = line.slice(0, 4).toUpperCase();
    if (verb === 'EHLO') {
      const kw = options.ehlo ?? FULL_EHLO;
      peer.write(
        kw.length === 0
          ? '250 test.example\r\n'
          : `250-test.example\r\n${kw.map((k, i) => `250${i === kw.length - 1 ? ' ' : '-'}${k}\r\n`).join('')}`,
      );
    } else if (verb === 'HELO') peer.write('250 test.example\r\n');
    else if (verb === 'MAIL') {
      mail = line;
      rcpts = [];
      bdat = [];
      if (options.pipelineCheck !== undefined) {
        const more: string[] = [];
        for (let i = 0; i < options.pipelineCheck; i++) more.push(await peer.line());
        peer.write('250 2.1.0 Ok\r\n');
        for (const r of more) {
          rcpts.push(r);
          peer.write(options.rcpt?.(r) ?? '250 2.1.5 Ok\r\n');
        }
      } else peer.write('250 2.1.0 Ok\r\n');
    } else if (verb === 'RCPT') {
      rcpts.push(line);
      peer.write(options.rcpt?.(line) ?? '250 2.1.5 Ok\r\n');
    } else if (verb === 'DATA') {
      peer.write('354 go ahead\r\n');
      const body = await peer.until('\r\n.\r\n');
      got.push({ mail, rcpts, body });
      peer.write(options.final ?? '250 2.0.0 Ok: queued as ABC123\r\n');
    } else if (verb === 'BDAT') {
      const m = /^BDAT (\d+)( LAST)?$/i.exec(line);
      if (m === null) {
        peer.write('501 5.5.4 bad BDAT\r\n');
        continue;
      }
      bdat.push(await peer.octets(Number(m[1])));
      if (m[2] !== undefined) {
        got.push({ mail, rcpts, body: Buffer.concat(bdat) });
        peer.write(options.final ?? '250 2.0.0 Ok: queued as BDAT42\r\n');
      } else peer.write(`250 2.0.0 ${m[1]} octets received\r\n`);
    } else if (verb === 'RSET') peer.write('250 2.0.0 Ok\r\n');
    else if (verb === 'NOOP') peer.write('250 2.0.0 Ok\r\n');
    else if (verb === 'QUIT') {
      peer.write('221 2.0.0 Bye\r\n');
      peer.end();
      return;
    } else peer.write('502 5.5.2 Error: command not recognized\r\n');
  }
}

/** A self-signed certificate for `localhost` and 127.0.0.1, made once with openssl. */
export interface TestCert {
  readonly key: string;
  readonly cert: string;
}

let certCache: TestCert | undefined;
/** Makes (once per process) a self-signed certificate with the openssl command. */
export function testCert(): TestCert {
  if (certCache !== undefined) return certCache;
  const dir = mkdtempSync(join(tmpdir(), 'smtp-client-cert-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,DNS:mx.test.example,IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  certCache = {
    key: readFileSync(join(dir, 'key.pem'), 'utf8'),
    cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
  };
  return certCache;
}
