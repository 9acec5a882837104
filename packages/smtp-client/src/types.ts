/**
 * The transfer contract shared with the router (see the README, "The contract"): what one outbound
 * transaction is, and what comes back for each recipient. The router declares the same shape
 * structurally; these names and fields are stable (fields may be added, never removed or renamed).
 */
import type { Reason, SmtpReply } from '@mailroute/envelope';

/** One recipient to send to, with its DSN parameters (RFC 3461). */
export interface OutboundRecipient {
  /** The forward path without `<>`, for example `jane@example.com`. */
  readonly address: string;
  /** RFC 3461 NOTIFY; passed on when the server offers DSN. */
  readonly notify?: readonly ('SUCCESS' | 'FAILURE' | 'DELAY' | 'NEVER')[];
  /** RFC 3461 ORCPT as `type;address`, for example `rfc822;jane@example.com` (not yet xtext-encoded). */
  readonly orcpt?: string;
}

/** The envelope of one outbound transaction. */
export interface OutboundEnvelope {
  /** The reverse path without `<>`; `''` for the null reverse path `<>`. */
  readonly mailFrom: string;
  /** The recipients, at least one. */
  readonly recipients: readonly OutboundRecipient[];
  /** RFC 3461 RET. */
  readonly ret?: 'FULL' | 'HDRS';
  /** RFC 3461 ENVID (not yet xtext-encoded). */
  readonly envid?: string;
  /** The body type; undefined: detected from the content (8-bit octets make it 8BITMIME). */
  readonly body?: '7BIT' | '8BITMIME' | 'BINARYMIME';
  /** The message or its addresses need SMTPUTF8 (RFC 6531); also set when an address is not ASCII. */
  readonly smtputf8?: boolean;
}

/**
 * The message: its bytes, its text (sent as UTF-8), or a factory that gives a fresh stream each
 * call (called again for each host tried, so a 50 MB message is never held in memory).
 */
export type OutboundMessage = Uint8Array | string | (() => AsyncIterable<Uint8Array>);

/** What happened to one recipient. */
export type RecipientOutcome = 'delivered' | 'transient' | 'permanent';

/** The result for one recipient: enough for a DSN (RFC 3464 Status, Diagnostic-Code, Remote-MTA). */
export interface RecipientResult {
  /** The recipient's address, as given. */
  readonly address: string;
  /** Delivered, transient failure (retry later) or permanent failure (bounce). */
  readonly outcome: RecipientOutcome;
  /** The remote reply that decided it (RFC 3464 Diagnostic-Code), if any. */
  readonly reply?: SmtpReply;
  /** Why: code, message, temporary. Code `DELIVERED` for a delivered recipient. */
  readonly reason: Reason;
  /** Host name (or `[ip]`) that gave the reply (RFC 3464 Remote-MTA). */
  readonly remoteMta?: string;
  /** True when NOTIFY was requested but the server does not offer DSN: the router issues a "relayed" DSN. */
  readonly dsnRelayed?: boolean;
}

/** The result of one delivery: one entry per recipient, in the envelope's order. */
export interface DeliveryResult {
  /** One per {@link OutboundRecipient}, same order. */
  readonly recipients: readonly RecipientResult[];
  /** The remote queue id parsed from the final 250, if any. */
  readonly queueId?: string;
  /** The host that took (or last refused) the message. */
  readonly remoteMta?: string;
}

/** Per-call options of a delivery. */
export interface DeliveryOptions {
  /** Aborts the delivery: every recipient not yet delivered becomes transient (`SMTP_ABORTED`). */
  readonly signal?: AbortSignal;
}

/** Authentication to a next hop (Domino: relay host authentication Required / Enabled / Disabled). */
export interface NextHopAuth {
  /** User name. */
  readonly user: string;
  /** Password; never logged. */
  readonly pass: string;
  /**
   * `required`: no delivery without a successful AUTH (a transient failure otherwise);
   * `enabled`: AUTH when the server offers it; `disabled`: never.
   */
  readonly mode: 'required' | 'enabled' | 'disabled';
}

/** A named next hop: relay host, smart host, another server reachable via SMTP. */
export interface NextHop {
  /** Host name or IP address. */
  readonly host: string;
  /** Port; default 25 (465 implies implicit TLS unless `tls` says otherwise). */
  readonly port?: number;
  /**
   * `none`: plaintext; `starttls`: STARTTLS required; `implicit`: TLS from the first byte (465).
   * Default: negotiated (STARTTLS when offered).
   */
  readonly tls?: 'none' | 'starttls' | 'implicit';
  /** Credentials and mode. */
  readonly auth?: NextHopAuth;
}

/** What the router calls; {@link createTransferAgent} returns one. */
export interface TransferAgent {
  /** Delivers to the MX hosts of `domain` (RFC 5321 5.1). Never rejects for anything the network or peer does. */
  deliverToDomain(
    domain: string,
    envelope: OutboundEnvelope,
    message: OutboundMessage,
    options?: DeliveryOptions,
  ): Promise<DeliveryResult>;
  /** Delivers through a named host (relay host, smart host). Never rejects for anything the network or peer does. */
  deliverVia(
    hop: NextHop,
    envelope: OutboundEnvelope,
    message: OutboundMessage,
    options?: DeliveryOptions,
  ): Promise<DeliveryResult>;
  /** Closes every pooled connection (QUIT) and refuses further deliveries. */
  close(): Promise<void>;
}
