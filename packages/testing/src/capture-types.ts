/**
 * The shapes of the capture server: what it keeps of a message, what a test may wait for, the
 * rules deciding what it answers, its options and counters, and the running server.
 */
import type { ForwardPath, ReversePath, SmtpReply } from '@mailroute/envelope';
import type { Note } from '@mailroute/itemizer';
import type { SmtpServerOptions, SmtpServerStats } from '@mailroute/smtp-server';

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
