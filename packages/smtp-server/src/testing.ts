/**
 * Test tools for backend authors: a session driven with literal bytes, without sockets, that
 * returns the literal bytes replied. The same engine as the server, so a backend's tests see
 * exactly what a client would.
 */
import type { Backend, ConnectionInfo, TlsInfo } from './backend.js';
import { resolveOptions, type SmtpServerOptions } from './options.js';
import { SmtpSession } from './session.js';
import type { SmtpServerStats } from './stats.js';
import { StatsRecorder } from './stats.js';
import type { Transport } from './transport.js';

/** A session under test. */
export interface TestSession {
  /** The greeting (or the refusal) the session sent when it started. */
  readonly greeting: string;
  /**
   * Feeds octets (a string is sent as UTF-8) and resolves with the replies they produced, once
   * the session has dealt with them (backend calls included).
   */
  send(data: string | Uint8Array): Promise<string>;
  /** True once the session closed (QUIT, error limit, refusal). */
  readonly closed: boolean;
  /** The session's counters. */
  stats(): SmtpServerStats;
  /** Ends the session as if the client went away. */
  close(): Promise<void>;
}

/** Options of {@link createTestSession}. */
export interface TestSessionOptions {
  /** Connection facts; defaults: 192.0.2.1:40000 to 127.0.0.1:25 on an `smtp` listener. */
  readonly connection?: Partial<ConnectionInfo>;
  /**
   * What STARTTLS yields (no real handshake happens), or an Error: the handshake fails with it, as
   * when a client gives up half way. Default TLSv1.3.
   */
  readonly tls?: TlsInfo | Error;
}

const DEFAULT_TLS: TlsInfo = { version: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', servername: undefined };

/**
 * The in-memory transport under {@link createTestSession} and the package's own session tests: it
 * keeps what the session writes and counts what the session asks of the connection. Its switches
 * play the client's part: {@link MemoryTransport.backedUp} is a client that stops reading (writes
 * report a full buffer until {@link MemoryTransport.drain}), and an Error as
 * {@link MemoryTransport.tlsResult} is a STARTTLS handshake that fails.
 */
export class MemoryTransport implements Transport {
  /** What the session wrote and nobody has taken yet. */
  output = '';
  /** True while the session has asked the connection to stop reading. */
  paused = false;
  /** How many times the session paused reading. */
  pauses = 0;
  /** How many times the session flushed its output. */
  flushes = 0;
  /** True once the session ended the connection politely. */
  ended = false;
  /** True once the session tore the connection down. */
  destroyed = false;
  /** How many STARTTLS handshakes the session began. */
  tlsStarted = 0;
  /** When set, `write` reports a full buffer and `drained` waits for {@link MemoryTransport.drain}. */
  backedUp = false;
  #drainWaiters: (() => void)[] = [];

  /** `tlsResult`: what a STARTTLS handshake yields, or the Error it fails with. */
  constructor(public tlsResult: TlsInfo | Error = DEFAULT_TLS) {}

  write(data: string): boolean {
    this.output += data;
    return !this.backedUp;
  }
  flush(): void {
    this.flushes++;
  }
  drained(): Promise<void> {
    if (!this.backedUp) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }
  /** The client reads again: the buffer empties and every waiting writer goes on. */
  drain(): void {
    this.backedUp = false;
    for (const resolve of this.#drainWaiters.splice(0)) resolve();
  }
  pause(): void {
    this.paused = true;
    this.pauses++;
  }
  resume(): void {
    this.paused = false;
  }
  async startTls(): Promise<TlsInfo> {
    this.tlsStarted++;
    if (this.tlsResult instanceof Error) throw this.tlsResult;
    return this.tlsResult;
  }
  end(): void {
    this.ended = true;
  }
  destroy(): void {
    this.destroyed = true;
  }
  /** Returns what was written since the last call and forgets it. */
  take(): string {
    const out = this.output;
    this.output = '';
    return out;
  }
}

/**
 * Starts a session of a server with `options` over `backend`, in memory. Timers are real (and
 * unref'ed) unless `options.clock` is given.
 */
export async function createTestSession(
  options: SmtpServerOptions,
  backend: Backend,
  test: TestSessionOptions = {},
): Promise<TestSession> {
  const resolved = resolveOptions({ hostname: 'mx.test', ...options });
  const transport = new MemoryTransport(test.tls ?? DEFAULT_TLS);
  const stats = new StatsRecorder();
  let closed = false;
  const info: ConnectionInfo = {
    id: resolved.ids(),
    remoteAddress: '192.0.2.1',
    remotePort: 40000,
    localAddress: '127.0.0.1',
    localPort: 25,
    listener: 'smtp',
    secure: false,
    ...test.connection,
  };
  const session = new SmtpSession(resolved, backend, info, transport, stats, {
    sessionClosed() {
      closed = true;
    },
  });
  if (info.secure)
    session.setTls(test.tls instanceof Error || test.tls === undefined ? DEFAULT_TLS : test.tls);
  await session.start();
  const take = () => transport.take();
  const greeting = take();
  return {
    greeting,
    async send(data) {
      session.receive(typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data));
      await session.whenIdle();
      return take();
    },
    get closed() {
      return closed || session.closed;
    },
    stats: () => stats.snapshot(),
    async close() {
      session.transportClosed();
      await session.whenIdle();
    },
  };
}
