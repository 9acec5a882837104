/**
 * The transfer agent as the Router sees it: the structural shape agreed with
 * `@mailroute/smtp-client` (whose `createTransferAgent(...)` returns one). Declared here, types
 * only, so the Router depends on no SMTP client: the gateway wires the real one in, unit tests a
 * fake. Field for field the same as smtp-client's exports; only the name of the outcome union
 * differs (`TransferOutcome`), because `RecipientOutcome` is the MailBox's word for a settled
 * recipient in this package.
 */
import type { Reason, SmtpReply } from '@mailroute/envelope';

/** One recipient to send to, with its DSN parameters (RFC 3461). */
export interface OutboundRecipient {
  /** The forward path without angle brackets, e.g. `jane@example.com`. */
  readonly address: string;
  readonly notify?: readonly ('SUCCESS' | 'FAILURE' | 'DELAY' | 'NEVER')[];
  /** For example `rfc822;jane@example.com`. */
  readonly orcpt?: string;
}

/** The envelope of one outbound transaction. */
export interface OutboundEnvelope {
  /** `''` for the null reverse path `<>`. */
  readonly mailFrom: string;
  readonly recipients: readonly OutboundRecipient[];
  readonly ret?: 'FULL' | 'HDRS';
  readonly envid?: string;
  /** Undefined: the agent detects it from the content. */
  readonly body?: '7BIT' | '8BITMIME' | 'BINARYMIME';
  /** The message or its addresses need SMTPUTF8. */
  readonly smtputf8?: boolean;
}

/**
 * The message: bytes, or a factory giving a fresh stream each call (re-read for each host tried).
 * Bytes are read, never changed in place: they may be the store's cached copy of the message.
 */
export type OutboundMessage = Uint8Array | string | (() => AsyncIterable<Uint8Array>);

/** What became of one recipient in one transaction (smtp-client calls this `RecipientOutcome`). */
export type TransferOutcome = 'delivered' | 'transient' | 'permanent';

/** The result for one recipient. */
export interface RecipientResult {
  readonly address: string;
  readonly outcome: TransferOutcome;
  /** The remote reply that decided it (RFC 3464 Diagnostic-Code), if any. */
  readonly reply?: SmtpReply;
  /** Always set for transient/permanent; code `DELIVERED` for delivered. */
  readonly reason: Reason;
  /** Host name (or `[ip]`) that gave the reply (RFC 3464 Remote-MTA). */
  readonly remoteMta?: string;
  /** True when NOTIFY was asked for but the server does not offer DSN (a "relayed" report is due). */
  readonly dsnRelayed?: boolean;
}

/** The result of one transaction: one entry per recipient, same order. */
export interface DeliveryResult {
  readonly recipients: readonly RecipientResult[];
  /** The remote queue id from the final 250, if any. */
  readonly queueId?: string;
  readonly remoteMta?: string;
}

/** Per-call options. */
export interface DeliveryOptions {
  readonly signal?: AbortSignal;
}

/** A named next hop: relay host, smart host, another server reachable via SMTP. */
export interface NextHop {
  /** Name or IP literal. */
  readonly host: string;
  /** Default 25. */
  readonly port?: number;
  /** Default: negotiated (STARTTLS when offered). */
  readonly tls?: 'none' | 'starttls' | 'implicit';
  readonly auth?: {
    readonly user: string;
    readonly pass: string;
    readonly mode: 'required' | 'enabled' | 'disabled';
  };
}

/**
 * What the Router calls to send mail on. Never throws or rejects for anything the network or the
 * peer does; gives one result per recipient, always. Connections are pooled per destination
 * inside the agent, which is how the Router's transfers to one destination reuse them.
 */
export interface TransferAgent {
  /** To the MX hosts of `domain` (RFC 5321 §5). */
  deliverToDomain(
    domain: string,
    envelope: OutboundEnvelope,
    message: OutboundMessage,
    options?: DeliveryOptions,
  ): Promise<DeliveryResult>;
  /** To one named host. */
  deliverVia(
    hop: NextHop,
    envelope: OutboundEnvelope,
    message: OutboundMessage,
    options?: DeliveryOptions,
  ): Promise<DeliveryResult>;
  close(): Promise<void>;
}
