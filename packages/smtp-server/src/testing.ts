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
  /** What STARTTLS yields (no real handshake happens). Default TLSv1.3. */
  readonly tls?: TlsInfo;
}

class CollectingTransport implements Transport {
  output = '';
  constructor(private readonly tls: TlsInfo) {}
  write(data: string): boolean {
    this.output += data;
    return true;
  }
  flush(): void {}
  drained(): Promise<void> {
    return Promise.resolve();
  }
  pause(): void {}
  resume(): void {}
  startTls(): Promise<TlsInfo> {
    return Promise.resolve(this.tls);
  }
  end(): void {}
  destroy(): void {}
}

/**
 * Starts a session of a server with `options` over `backend`, in memory. Timers are real (and
 * unref'ed) unless `options.timers` is given.
 */
export async function createTestSession(
  options: SmtpServerOptions,
  backend: Backend,
  test: TestSessionOptions = {},
): Promise<TestSession> {
  const resolved = resolveOptions({ hostname: 'mx.test', ...options });
  const transport = new CollectingTransport(
    test.tls ?? { version: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', servername: undefined },
  );
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
    session.setTls(
      test.tls ?? { version: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', servername: undefined },
    );
  await session.start();
  const take = () => {
    const out = transport.output;
    transport.output = '';
    return out;
  };
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
