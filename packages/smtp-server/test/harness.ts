/**
 * Test harness: a session engine wired to an in-memory transport, a recording backend, a fixed
 * clock and hand-driven timers. Tests feed literal bytes and assert the literal bytes replied.
 */
import type { Logger, SmtpReply } from '@mailroute/envelope';
import { FakeClock } from '@mailroute/testing';
import type { Backend, BackendSession, InboundEnvelope, MessageStream } from '../src/backend.js';
import { resolveOptions, type SmtpServerOptions } from '../src/options.js';
import { SmtpSession } from '../src/session.js';
import { StatsRecorder } from '../src/stats.js';
import { MemoryTransport } from '../src/testing.js';

export const FIXED_DATE = new Date(Date.UTC(2026, 10, 21, 9, 46, 47));

/** A logger that keeps every entry (a child's entries too, its bindings merged into the context). */
export class MemoryLogger implements Logger {
  readonly entries: { level: string; context: object; message: string }[] = [];
  child(bindings: object): Logger {
    const entries = this.entries;
    const at =
      (level: string) =>
      (context: object, message: string): void => {
        entries.push({ level, context: { ...bindings, ...context }, message });
      };
    return {
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
      child: (b) => this.child({ ...bindings, ...b }),
    };
  }
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
  readonly envelope: InboundEnvelope;
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
      async data(message: MessageStream, envelope: InboundEnvelope) {
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
  /** The session's clock and timers, starting at {@link FIXED_DATE}: `tick(ms)` fires what fell due. */
  readonly timers: FakeClock;
  readonly stats: StatsRecorder;
  readonly logger: MemoryLogger;
  closedNotified: number;
  /** Feeds bytes (string as latin1 unless a Buffer) and waits until the session settles. */
  send(data: string | Buffer): Promise<void>;
  /** Output since the last call. */
  take(): string;
}

/** Starts a session (greeting consumed unless `keepGreeting`). */
export async function startSession(
  options: SmtpServerOptions = {},
  backend = new RecordingBackend(),
  info: { listener?: 'smtp' | 'submission' | 'smtps'; secure?: boolean; keepGreeting?: boolean } = {},
): Promise<Harness> {
  const timers = new FakeClock({ start: FIXED_DATE });
  const logger = new MemoryLogger();
  let n = 0;
  const resolved = resolveOptions({
    hostname: 'mx.example.com',
    clock: timers,
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
    take: () => transport.take(),
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
