/**
 * Test harness: a session engine wired to an in-memory transport, a recording backend, a fixed
 * clock and hand-driven timers. Tests feed literal bytes and assert the literal bytes replied.
 */
import type { SmtpReply } from '@mailroute/envelope';
import type { Backend, BackendSession, Envelope, MessageStream, TlsInfo } from '../src/backend.js';
import type { Clock, Logger, Timers } from '../src/environment.js';
import { resolveOptions, type SmtpServerOptions } from '../src/options.js';
import { SmtpSession } from '../src/session.js';
import { StatsRecorder } from '../src/stats.js';
import type { Transport } from '../src/transport.js';

export const FIXED_DATE = new Date(Date.UTC(2026, 10, 21, 9, 46, 47));

export class FakeTimers implements Timers {
  now = 0;
  private next = 1;
  readonly pending = new Map<number, { at: number; callback: () => void }>();
  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.set(id, { at: this.now + ms, callback });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  /** Moves time on and runs what fell due. */
  advance(ms: number): void {
    this.now += ms;
    for (const [id, t] of [...this.pending]) {
      if (t.at <= this.now && this.pending.has(id)) {
        this.pending.delete(id);
        t.callback();
      }
    }
  }
}

export class MemoryTransport implements Transport {
  output = '';
  paused = false;
  pauses = 0;
  ended = false;
  destroyed = false;
  tlsResult: TlsInfo | Error = {
    version: 'TLSv1.3',
    cipher: 'TLS_AES_256_GCM_SHA384',
    servername: undefined,
  };
  tlsStarted = 0;
  /** When set, `write` reports a full buffer (a client that does not read). */
  backedUp = false;
  private drainWaiters: (() => void)[] = [];
  write(data: string): boolean {
    this.output += data;
    return !this.backedUp;
  }
  flushes = 0;
  flush(): void {
    this.flushes++;
  }
  drained(): Promise<void> {
    if (!this.backedUp) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }
  drain(): void {
    this.backedUp = false;
    for (const w of this.drainWaiters.splice(0)) w();
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
}

/** A logger that keeps every entry. */
export class MemoryLogger implements Logger {
  readonly entries: { level: string; context: object; message: string }[] = [];
  debug(context: object, message: string): void {
    this.entries.push({ level: 'debug', context, message });
  }
  info(context: object, message: string): void {
    this.entries.push({ level: 'info', context, message });
  }
  warn(context: object, message: string): void {
    this.entries.push({ level: 'warn', context, message });
  }
  error(context: object, message: string): void {
    this.entries.push({ level: 'error', context, message });
  }
  text(): string {
    return JSON.stringify(this.entries);
  }
}

/** A delivered message as the backend saw it. */
export interface Delivered {
  readonly envelope: Envelope;
  readonly body: Buffer;
  readonly error: unknown;
}

/** Records every call; replies can be set per method. */
export class RecordingBackend implements Backend {
  readonly calls: string[] = [];
  readonly messages: Delivered[] = [];
  closed = 0;
  connectReply: SmtpReply | undefined;
  mailReply: SmtpReply | undefined;
  rcptReply: ((address: string) => SmtpReply | undefined) | undefined;
  dataReply: ((body: Buffer) => SmtpReply | readonly SmtpReply[] | undefined) | undefined;
  throwIn: string | undefined;
  /** Extra methods mixed into each session (auth, verify ...). */
  extra: Partial<BackendSession> = {};
  /** Delay before each data chunk is taken (a slow backend). */
  readDelay: (() => Promise<void>) | undefined;

  connect(): BackendSession | SmtpReply {
    this.calls.push('connect');
    if (this.connectReply) return this.connectReply;
    const self = this;
    const session: BackendSession = {
      ...this.extra,
      helo(hello) {
        self.calls.push(`helo ${hello.name}`);
        if (self.throwIn === 'helo') throw new Error('boom');
        return undefined;
      },
      mailFrom(from) {
        self.calls.push(`mail ${from.kind === 'null' ? '<>' : from.mailbox.address}`);
        if (self.throwIn === 'mail') throw new Error('boom');
        return self.mailReply;
      },
      rcptTo(to) {
        const address = to.kind === 'postmaster' ? 'postmaster' : to.mailbox.address;
        self.calls.push(`rcpt ${address}`);
        if (self.throwIn === 'rcpt') throw new Error('boom');
        return self.rcptReply?.(address);
      },
      async data(message: MessageStream, envelope: Envelope) {
        self.calls.push('data');
        if (self.throwIn === 'data') throw new Error('boom');
        const chunks: Buffer[] = [];
        let error: unknown;
        try {
          for await (const c of message) {
            chunks.push(Buffer.from(c));
            if (self.readDelay) await self.readDelay();
          }
        } catch (e) {
          error = e;
        }
        const body = Buffer.concat(chunks);
        self.messages.push({ envelope, body, error });
        if (error) throw error;
        return self.dataReply?.(body);
      },
      reset() {
        self.calls.push('reset');
      },
      close() {
        self.calls.push('close');
        self.closed++;
      },
    };
    return session;
  }
}

/** Lets pending promises and immediates run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

export interface Harness {
  readonly session: SmtpSession;
  readonly transport: MemoryTransport;
  readonly backend: RecordingBackend;
  readonly timers: FakeTimers;
  readonly stats: StatsRecorder;
  readonly logger: MemoryLogger;
  closedNotified: number;
  /** Feeds bytes (string as latin1 unless a Buffer) and waits until the session settles. */
  send(data: string | Buffer): Promise<void>;
  /** Output since the last call. */
  take(): string;
}

const clock: Clock = { now: () => FIXED_DATE };

/** Starts a session (greeting consumed unless `keepGreeting`). */
export async function startSession(
  options: SmtpServerOptions = {},
  backend = new RecordingBackend(),
  info: { listener?: 'smtp' | 'submission' | 'smtps'; secure?: boolean; keepGreeting?: boolean } = {},
): Promise<Harness> {
  const timers = new FakeTimers();
  const logger = new MemoryLogger();
  let n = 0;
  const resolved = resolveOptions({
    hostname: 'mx.example.com',
    clock,
    timers,
    logger,
    ids: () => `ID${++n}`,
    ...options,
  });
  const transport = new MemoryTransport();
  const stats = new StatsRecorder();
  const h: Harness = {
    session: undefined as unknown as SmtpSession,
    transport,
    backend,
    timers,
    stats,
    logger,
    closedNotified: 0,
    async send(data) {
      h.session.receive(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
      await settle();
    },
    take() {
      const out = transport.output;
      transport.output = '';
      return out;
    },
  };
  const session = new SmtpSession(
    resolved,
    backend,
    {
      id: 'S1',
      remoteAddress: '192.0.2.1',
      remotePort: 40000,
      localAddress: '127.0.0.1',
      localPort: 25,
      listener: info.listener ?? 'smtp',
      secure: info.secure ?? false,
    },
    transport,
    stats,
    {
      sessionClosed() {
        h.closedNotified++;
      },
    },
  );
  (h as { session: SmtpSession }).session = session;
  await session.start();
  await settle();
  if (!info.keepGreeting) h.take();
  return h;
}

/** The usual opening of a transaction. */
export const OPEN =
  'EHLO client.example.org\r\nMAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.com>\r\n';
/** Replies to {@link OPEN} with default options. */
export const OPEN_REPLIES =
  '250-mx.example.com Hello client.example.org [192.0.2.1]\r\n' +
  '250-SIZE 26214400\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n250-CHUNKING\r\n250 HELP\r\n' +
  '250 2.1.0 Sender OK\r\n250 2.1.5 Recipient OK\r\n';

/** The Received header the harness's session writes for message `id` (one recipient, defaults). */
export function receivedFor(id: string, protocol = 'ESMTP'): string {
  return (
    'Received: from client.example.org ([192.0.2.1])\r\n' +
    `\tby mx.example.com with ${protocol} id ${id}; Sat, 21 Nov 2026 09:46:47 +0000\r\n`
  );
}
