/**
 * A capture server: a real SMTP server (`@mailroute/smtp-server`) on 127.0.0.1 and a random port
 * that keeps every message it accepts, parsed by the itemizer with its envelope, so a test of code
 * that sends mail waits for the message and inspects it (what Mailpit, MailHog and smtp4dev are
 * used for, as a library). STARTTLS and AUTH when asked; the smtp-server's limits apply; what it
 * keeps is capped in count and octets, so a long test run never grows without bound.
 */
import {
  type EnhancedCode,
  type ForwardPath,
  MailrouteError,
  Replies,
  type ReversePath,
  SmtpReply,
} from '@mailroute/envelope';
import { type Note, parseMessage } from '@mailroute/itemizer';
import {
  type Backend,
  type BackendSession,
  createSmtpServer,
  type InboundEnvelope,
  type SmtpServerOptions,
  type SmtpServerStats,
} from '@mailroute/smtp-server';

/** One message the capture server accepted. */
export interface CapturedMessage {
  /** The server's queue id (in its Received header and 250 reply). */
  readonly id: string;
  /** MAIL FROM, `''` for the null reverse-path. */
  readonly mailFrom: string;
  /** RCPT TO addresses in order (`postmaster` for `<Postmaster>`). */
  readonly recipients: readonly string[];
  /** The client's HELO/EHLO name. */
  readonly helo: string;
  /** The user that authenticated, if any. */
  readonly user: string | undefined;
  /** True when the message came under TLS. */
  readonly tls: boolean;
  /** The client's IP address. */
  readonly remoteAddress: string;
  /** When it was accepted (epoch ms). */
  readonly receivedAtMs: number;
  /** The message as received (with the server's Received header first), CRLF line ends. */
  readonly raw: Buffer;
  /** The message parsed by the itemizer, with the envelope (`SMTPOriginator`, `Recipients`). */
  readonly note: Note;
  /** The Subject, decoded; `''` when absent. */
  readonly subject: string;
  /** The From header, decoded; `''` when absent. */
  readonly from: string;
  /** The first text/plain part's text, `''` when there is none. */
  readonly text: string;
  /** The first text/html part's text, when there is one. */
  readonly html: string | undefined;
  /** The decoded value of the first header field of that name (case-insensitive). */
  header(name: string): string | undefined;
}

/** What a test may wait for: fields that must match (a string equals, case-insensitively for addresses; a RegExp matches), or a predicate. */
export type MessageFilter =
  | {
      /** One of the envelope recipients. */
      readonly to?: string | RegExp;
      /** MAIL FROM. */
      readonly from?: string | RegExp;
      /** The subject. */
      readonly subject?: string | RegExp;
    }
  | ((message: CapturedMessage) => boolean);

/** Hooks deciding what the server answers; a hook returning nothing accepts. */
export interface CaptureRules {
  /** MAIL FROM; `''` is the null sender. `path` is the reverse-path as the server parsed it. */
  readonly mailFrom?: (
    address: string,
    path: ReversePath,
  ) => SmtpReply | undefined | Promise<SmtpReply | undefined>;
  /**
   * RCPT TO. `path` is the forward-path as the server parsed it (a source route, a quoted local
   * part and `<Postmaster>` kept), for rules that hand it to code taking a path, such as
   * relay-policy's `onRcptTo`.
   */
  readonly rcptTo?: (
    address: string,
    path: ForwardPath,
  ) => SmtpReply | undefined | Promise<SmtpReply | undefined>;
  /** The whole message, parsed; a non-2xx reply refuses it (it is then not kept). */
  readonly message?: (message: CapturedMessage) => SmtpReply | undefined | Promise<SmtpReply | undefined>;
}

/** Options of {@link startCaptureServer}. Every field is optional. */
export interface CaptureServerOptions {
  /** Most messages kept; default 1000. A positive integer (Infinity is refused: it would be unbounded). */
  readonly maxMessages?: number;
  /** Most octets of raw messages kept together; default 67108864 (64 MiB). */
  readonly maxTotalBytes?: number;
  /**
   * When a new message would pass a cap: `refuse` (default) answers `452 4.3.1 Insufficient system
   * storage`, so the sending code sees a temporary failure and nothing is dropped in silence;
   * `drop-oldest` forgets the oldest messages (counted in `stats().evicted`).
   */
  readonly whenFull?: 'refuse' | 'drop-oldest';
  /** Largest message in octets (the server's "Maximum message size"); default 10485760 (10 MiB). */
  readonly maxMessageSizeBytes?: number;
  /** Offer STARTTLS (with `tls`, or a self-signed development certificate). Default false. */
  readonly startTls?: boolean | 'required';
  /** Certificate and key for STARTTLS (node `tls` options). */
  readonly tls?: SmtpServerOptions['tls'];
  /**
   * Accounts for AUTH PLAIN/LOGIN: user name to password. AUTH is offered (also without TLS: a
   * test server on loopback) and, with `authRequired`, MAIL before AUTH gets `530 5.7.0`.
   */
  readonly users?: Readonly<Record<string, string>>;
  /** Refuse MAIL FROM before AUTH. Default false. */
  readonly authRequired?: boolean;
  /** What to refuse; default: accept everything. */
  readonly rules?: CaptureRules;
  /** Any other option of the SMTP server (limits, extensions, timeouts, logger); listeners are the capture server's. */
  readonly server?: Omit<SmtpServerOptions, 'listeners' | 'startTls' | 'tls' | 'maxMessageSizeBytes'>;
}

/** What the capture server counted. */
export interface CaptureStats {
  /** Messages kept (including those evicted since). */
  readonly accepted: number;
  /** Messages refused because a cap was reached. */
  readonly refusedFull: number;
  /** Messages refused by a rule or the parser. */
  readonly refusedByRule: number;
  /** Messages forgotten to make room (`whenFull: 'drop-oldest'`). */
  readonly evicted: number;
  /** Octets kept now. */
  readonly keptBytes: number;
  /** The SMTP server's own counters. */
  readonly server: SmtpServerStats;
}

/** Options of the waits. */
export interface WaitOptions {
  /** How long to wait, in ms; default 5000. */
  readonly timeoutMs?: number;
}

/** A running capture server. */
export interface CaptureServer {
  /** 127.0.0.1. */
  readonly host: string;
  /** The port it listens on. */
  readonly port: number;
  /**
   * `smtp://127.0.0.1:port` for nodemailer's `createTransport(url)`, with `user:password@` when
   * one account exists and `?tls.rejectUnauthorized=false` with STARTTLS on a self-signed certificate.
   */
  readonly smtpUrl: string;
  /** The messages kept, oldest first (a copy). */
  readonly messages: readonly CapturedMessage[];
  /** The first kept or future message matching `filter` (any when none is given). */
  waitForMessage(filter?: MessageFilter, options?: WaitOptions): Promise<CapturedMessage>;
  /** Resolves once `count` messages matching `filter` are kept, with them. */
  waitForMessages(count: number, filter?: MessageFilter, options?: WaitOptions): Promise<CapturedMessage[]>;
  /** Forgets every kept message (the counters stay). */
  clear(): void;
  /** Counters. */
  stats(): CaptureStats;
  /** Stops the server (sessions get 421) and rejects pending waits. */
  close(): Promise<void>;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    // Infinity, 0, NaN or a string would mean "keep everything": the memory a long run must not grow.
    throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

function addressOf(path: InboundEnvelope['from'] | InboundEnvelope['recipients'][number]['path']): string {
  if (path.kind === 'mailbox') return path.mailbox.address;
  return path.kind === 'postmaster' ? 'postmaster' : '';
}

function textMatches(actual: string, want: string | RegExp | undefined, fold: boolean): boolean {
  if (want === undefined) return true;
  if (typeof want !== 'string') return want.test(actual);
  return fold ? actual.toLowerCase() === want.toLowerCase() : actual === want;
}

/** True when `message` passes `filter`. */
export function messageMatches(message: CapturedMessage, filter: MessageFilter | undefined): boolean {
  if (filter === undefined) return true;
  if (typeof filter === 'function') return filter(message);
  return (
    (filter.to === undefined || message.recipients.some((r) => textMatches(r, filter.to, true))) &&
    textMatches(message.mailFrom, filter.from, true) &&
    textMatches(message.subject, filter.subject, false)
  );
}

async function capture(raw: Buffer, envelope: InboundEnvelope, now: number): Promise<CapturedMessage> {
  const mailFrom = addressOf(envelope.from);
  const recipients = envelope.recipients.map((r) => addressOf(r.path));
  const note = await parseMessage(raw, { envelope: { mailFrom, recipients } });
  const parts = note.parts();
  const textPart = parts.find((p) => p.mediaType === 'text/plain' && p.attachment === undefined);
  const htmlPart = parts.find((p) => p.mediaType === 'text/html' && p.attachment === undefined);
  const headerOf = (name: string): string | undefined => {
    const lower = name.toLowerCase();
    for (const item of note.items) {
      if (item.type === 'rfc822Text' && item.value.name.toLowerCase() === lower) return item.value.value;
    }
    const top = parts[0]?.headers.find((h) => h.name.toLowerCase() === lower);
    if (top !== undefined) return top.value;
    // Items the itemizer maps a header to (Subject, From) carry the decoded value.
    return note.text(name);
  };
  return {
    id: envelope.id,
    mailFrom,
    recipients,
    helo: envelope.helo,
    user: envelope.user,
    tls: envelope.tls !== undefined,
    remoteAddress: envelope.connection.remoteAddress,
    receivedAtMs: now,
    raw,
    note,
    subject: note.text('Subject') ?? '',
    from: note.text('From') ?? '',
    text: textPart?.text ?? '',
    html: htmlPart?.text,
    header: headerOf,
  };
}

interface Waiter {
  readonly count: number;
  readonly filter: MessageFilter | undefined;
  readonly resolve: (messages: CapturedMessage[]) => void;
  readonly reject: (error: Error) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

const STORAGE_FULL = Replies.insufficientStorage;

/** Starts a capture server on 127.0.0.1 and a free port. Throws RangeError on a bad option. */
export async function startCaptureServer(options: CaptureServerOptions = {}): Promise<CaptureServer> {
  const maxMessages = positive('maxMessages', options.maxMessages, 1000);
  const maxTotalBytes = positive('maxTotalBytes', options.maxTotalBytes, 64 * 1024 * 1024);
  const maxMessageSize = positive('maxMessageSizeBytes', options.maxMessageSizeBytes, 10 * 1024 * 1024);
  const whenFull = options.whenFull ?? 'refuse';
  if (whenFull !== 'refuse' && whenFull !== 'drop-oldest') {
    throw new RangeError(`whenFull must be 'refuse' or 'drop-oldest', got ${String(whenFull)}`);
  }
  const users = options.users ?? {};
  const hasUsers = Object.keys(users).length > 0;
  if (options.authRequired && !hasUsers)
    throw new RangeError('authRequired needs at least one account in users');
  const rules = options.rules ?? {};

  const kept: CapturedMessage[] = [];
  let keptBytes = 0;
  let accepted = 0;
  let refusedFull = 0;
  let refusedByRule = 0;
  let evicted = 0;
  const waiters = new Set<Waiter>();

  const settle = () => {
    for (const w of [...waiters]) {
      let found: CapturedMessage[];
      try {
        found = kept.filter((m) => messageMatches(m, w.filter));
      } catch (error) {
        // A test's predicate that throws fails that test's wait, never the SMTP session.
        waiters.delete(w);
        clearTimeout(w.timer);
        w.reject(error instanceof Error ? error : new Error(String(error)));
        continue;
      }
      if (found.length >= w.count) {
        waiters.delete(w);
        clearTimeout(w.timer);
        w.resolve(found.slice(0, w.count));
      }
    }
  };
  const full = (size: number) => kept.length + 1 > maxMessages || keptBytes + size > maxTotalBytes;

  const backend: Backend = {
    connect(): BackendSession {
      let user: string | undefined;
      const session: BackendSession = {
        async mailFrom(from) {
          if (options.authRequired && user === undefined) return Replies.authRequired;
          if (whenFull === 'refuse' && kept.length >= maxMessages) {
            refusedFull++;
            return STORAGE_FULL;
          }
          return rules.mailFrom?.(addressOf(from), from);
        },
        async rcptTo(to) {
          return rules.rcptTo?.(addressOf(to), to);
        },
        async data(stream, envelope) {
          const chunks: Buffer[] = [];
          for await (const chunk of stream) chunks.push(chunk); // bounded by the server's maxMessageSizeBytes
          const raw = Buffer.concat(chunks);
          if (raw.length > maxTotalBytes) {
            refusedFull++;
            return Replies.messageTooBig;
          }
          let message: CapturedMessage;
          try {
            message = await capture(raw, envelope, Date.now());
          } catch (error) {
            refusedByRule++;
            return SmtpReply.of(
              451,
              '4.3.0',
              `capture server could not parse the message: ${(error as Error).message}`,
            );
          }
          const verdict = await rules.message?.(message);
          if (verdict !== undefined && !verdict.isPositive) {
            refusedByRule++;
            return verdict;
          }
          if (full(raw.length)) {
            if (whenFull === 'refuse') {
              refusedFull++;
              return STORAGE_FULL;
            }
            while (kept.length > 0 && full(raw.length)) {
              const old = kept.shift()!;
              keptBytes -= old.raw.length;
              evicted++;
            }
          }
          kept.push(message);
          keptBytes += raw.length;
          accepted++;
          settle();
          return verdict ?? Replies.messageAccepted(envelope.id);
        },
      };
      if (hasUsers) {
        Object.assign(session, {
          auth(credentials: { username: string; password: string }) {
            const ok =
              Object.hasOwn(users, credentials.username) &&
              users[credentials.username] === credentials.password;
            if (ok) user = credentials.username;
            return ok;
          },
        });
      }
      return session;
    },
  };

  const server = createSmtpServer(
    {
      hostname: 'capture.test',
      ...options.server,
      listeners: [{ kind: 'smtp', port: 0, host: '127.0.0.1' }],
      maxMessageSizeBytes: maxMessageSize,
      startTls: options.startTls === 'required' ? 'required' : options.startTls ? 'enabled' : 'disabled',
      ...(options.tls === undefined ? {} : { tls: options.tls }),
      // AUTH over plain text is fine on loopback, and the point of a test server.
      allowInsecureAuth: options.server?.allowInsecureAuth ?? true,
    },
    backend,
  );
  const [address] = await server.listen();
  if (address === undefined)
    throw new MailrouteError('TESTING_CAPTURE_LISTEN', 'the capture server bound no listener');
  const host = address.address;
  const port = address.port;
  const [firstUser] = Object.keys(users);
  const credentials =
    firstUser === undefined
      ? ''
      : `${encodeURIComponent(firstUser)}:${encodeURIComponent(users[firstUser]!)}@`;
  const query = options.startTls && options.tls === undefined ? '?tls.rejectUnauthorized=false' : '';
  let closed = false;

  const wait = (
    count: number,
    filter: MessageFilter | undefined,
    timeoutMs: number,
  ): Promise<CapturedMessage[]> => {
    if (!Number.isInteger(count) || count <= 0)
      throw new RangeError(`count must be a positive integer, got ${count}`);
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
      throw new RangeError(`timeoutMs must be a positive integer, got ${String(timeoutMs)}`);
    }
    return new Promise((resolve, reject) => {
      if (closed) return reject(new MailrouteError('TESTING_CAPTURE_CLOSED', 'the capture server is closed'));
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        let have = 0;
        try {
          have = kept.filter((m) => messageMatches(m, filter)).length;
        } catch {
          // reported by settle() already
        }
        reject(
          new MailrouteError(
            'TESTING_WAIT_TIMEOUT',
            `waited ${timeoutMs} ms for ${count} message(s)${filter === undefined ? '' : ' matching the filter'}; ` +
              `${have} matched, ${kept.length} kept (${kept.map((m) => `${m.recipients.join(',')}: ${JSON.stringify(m.subject)}`).join('; ') || 'none'})`,
            { temporary: true },
          ),
        );
      }, timeoutMs);
      const waiter: Waiter = { count, filter, resolve, reject, timer };
      waiters.add(waiter);
      settle();
    });
  };

  return {
    host,
    port,
    smtpUrl: `smtp://${credentials}${host}:${port}${query}`,
    get messages() {
      return [...kept];
    },
    async waitForMessage(filter, waitOptions = {}) {
      const [m] = await wait(1, filter, waitOptions.timeoutMs ?? 5000);
      return m!;
    },
    async waitForMessages(count, filter, waitOptions = {}) {
      return wait(count, filter, waitOptions.timeoutMs ?? 5000);
    },
    clear() {
      kept.length = 0;
      keptBytes = 0;
    },
    stats: () => ({ accepted, refusedFull, refusedByRule, evicted, keptBytes, server: server.stats() }),
    async close() {
      if (closed) return;
      closed = true;
      for (const w of waiters) {
        clearTimeout(w.timer);
        w.reject(
          new MailrouteError('TESTING_CAPTURE_CLOSED', 'the capture server closed while a test waited'),
        );
      }
      waiters.clear();
      await server.close({ deadline: 2000 });
    },
  };
}

/** A reply for {@link CaptureRules}: `reply(550, '5.1.1', 'No such user')`. */
export function reply(code: number, enhanced: EnhancedCode | undefined, text: string): SmtpReply {
  return SmtpReply.of(code, enhanced, text);
}
