/**
 * mail.box as an interface: the Router's durable queue. A message is stored once (its body and
 * envelope) with a state per recipient, so a 1,000-recipient message is one body and 1,000 small
 * records. Every implementation (the embedded file store, `@mailroute/queue-postgres`) passes the
 * same conformance suite (`mailBoxConformance`), which is the normative statement of this contract.
 *
 * The store knows nothing of routing: a recipient's `destination` is an opaque queue name chosen
 * by the Router (Domino: one transfer queue per destination, one delivery queue), and `route` is
 * opaque JSON the Router keeps with the recipient (the mail file, the next hop, the relay host).
 */
import type { NotifyCondition } from '@mailroute/envelope';

/** A queue id: unique in its store, safe in file names and SMTP replies (letters and digits). */
export type QueueId = string;

/** JSON data the store keeps for the Router without reading it. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

/**
 * Where one recipient of a message stands. `delivered`, `transferred` and `failed` are final:
 * once every recipient of a message is final the store may drop the message.
 * `held` (Domino RoutingState HOLD) and `dead` (an undeliverable report, DEAD) are kept until an
 * operator releases or deletes them.
 */
export type RecipientState =
  | 'waiting'
  | 'in-flight'
  | 'delivered'
  | 'transferred'
  | 'failed'
  | 'held'
  | 'dead';

/** The final states: nothing more will happen to a recipient in one of these. */
export const FINAL_RECIPIENT_STATES: readonly RecipientState[] = Object.freeze([
  'delivered',
  'transferred',
  'failed',
]);

/** An SMTP reply as plain data (what a store can persist), for DSN Diagnostic-Code and tracking. */
export interface StoredReply {
  readonly code: number;
  readonly enhanced?: string | undefined;
  readonly text: string;
}

/** The envelope of a queued message (RFC 5321 MAIL FROM and its RFC 3461/6152/6531 parameters). */
export interface QueuedEnvelope {
  /** The reverse path without angle brackets; `''` for the null reverse path `<>`. */
  readonly mailFrom: string;
  /** RFC 3461 ENVID, decoded. */
  readonly envid?: string | undefined;
  /** RFC 3461 RET: return the full message or only its headers in a report. */
  readonly ret?: 'FULL' | 'HDRS' | undefined;
  /** RFC 6152/3030 BODY. */
  readonly body?: '7BIT' | '8BITMIME' | 'BINARYMIME' | undefined;
  /** RFC 6531: the message needs SMTPUTF8. */
  readonly smtputf8?: boolean | undefined;
  /** True when the message is itself a delivery report: it never causes another report (no loops). */
  readonly isReport?: boolean | undefined;
  /** True when the submitting session authenticated (DKIM signing is only for such mail). */
  readonly authenticated?: boolean | undefined;
  /** Who handed it to us, for the report's Received-From-MTA and for tracking. */
  readonly receivedFrom?: string | undefined;
}

/** One recipient as the Router enqueues it. */
export interface NewRecipient {
  /** The forward path without angle brackets. */
  readonly address: string;
  /** RFC 3461 ORCPT, as `type;address` (for example `rfc822;jane@example.com`). */
  readonly orcpt?: string | undefined;
  /** RFC 3461 NOTIFY; absent means the default (FAILURE, and DELAY at the MTA's discretion). */
  readonly notify?: 'NEVER' | readonly NotifyCondition[] | undefined;
  /** The queue this recipient waits in (opaque to the store). */
  readonly destination: string;
  /** The Router's data for this recipient (opaque to the store). */
  readonly route?: JsonValue | undefined;
  /** Start held or dead instead of waiting (a mail rule's HOLD, a report to nobody). Default `waiting`. */
  readonly state?: 'waiting' | 'held' | 'dead' | undefined;
}

/** What {@link MailBox.enqueue} takes. */
export interface NewMessage {
  readonly envelope: QueuedEnvelope;
  /** When the message arrived (epoch ms): RFC 3464 Arrival-Date, and the start of its expiry time. */
  readonly arrivalMs: number;
  /** The RFC 5322 Message-ID, for tracking (`track <message-id>`). */
  readonly messageId?: string | undefined;
  readonly recipients: readonly NewRecipient[];
  /** The message as it will be sent (Received header first). */
  readonly body: Uint8Array | AsyncIterable<Uint8Array>;
  /**
   * Makes enqueue idempotent: a second enqueue with a key already in the store returns the first
   * message's id and stores nothing. The Router keys reports by the message and recipient they
   * report on, so a report is never enqueued twice after a crash. A key is remembered for a while
   * after its message left the store (the embedded stores: `keyRetentionMs`, 7 days).
   */
  readonly idempotencyKey?: string | undefined;
}

/** One recipient as the store holds it. */
export interface QueuedRecipient {
  /** The recipient's position in its message: with the queue id, its identity. */
  readonly index: number;
  readonly address: string;
  readonly orcpt?: string | undefined;
  readonly notify?: 'NEVER' | readonly NotifyCondition[] | undefined;
  readonly destination: string;
  readonly route?: JsonValue | undefined;
  readonly state: RecipientState;
  /** Delivery attempts made so far (transfer retries count here). */
  readonly attempts: number;
  /** Not before this time (epoch ms) is a waiting recipient due. */
  readonly nextAttemptMs: number;
  /** When it was last tried, and what the other side (or we) said. */
  readonly lastAttemptMs?: number | undefined;
  readonly lastReply?: StoredReply | undefined;
  /** The host that gave {@link lastReply} (RFC 3464 Remote-MTA). */
  readonly remoteMta?: string | undefined;
  /** For `in-flight`: which router node holds it, and until when. */
  readonly leaseOwner?: string | undefined;
  readonly leaseExpiresMs?: number | undefined;
  /** True once a delay report (NOTIFY=DELAY) was sent, so it is sent once. */
  readonly delayReported?: boolean | undefined;
}

/** A queued message without its body (read that with {@link MailBox.openBody}). */
export interface QueuedMessage {
  readonly id: QueueId;
  readonly envelope: QueuedEnvelope;
  readonly arrivalMs: number;
  readonly messageId?: string | undefined;
  readonly sizeBytes: number;
  readonly recipients: readonly QueuedRecipient[];
}

/** What {@link MailBox.lease} takes. */
export interface LeaseRequest {
  /** The router node taking the work (a stable name per process). */
  readonly owner: string;
  /** The current time (epoch ms): recipients with `nextAttemptMs <= nowMs` are due. */
  readonly nowMs: number;
  /** How long the lease lasts; in-flight recipients whose lease expired are due again. */
  readonly leaseMs: number;
  /** Only these destinations; default every destination. */
  readonly destinations?: readonly string[] | undefined;
  /** Never these destinations (at their concurrency limit, or in retry). */
  readonly excludeDestinations?: readonly string[] | undefined;
  /** At most this many (message, destination) units. */
  readonly limit: number;
  /**
   * At most this many units of any one destination in this lease (a non-negative integer);
   * default no bound but `limit`. The Router passes its per-destination concurrency
   * (`maxConcurrentTransferThreads`, Domino's "Maximum concurrent transfer threads"), so one lease
   * never brings more units for a destination than it can start: the rest stays waiting, for this
   * node's next lease or another node. `limit` is still filled from the other destinations.
   */
  readonly perDestinationLimit?: number | undefined;
  /**
   * The bound for these destinations instead of `perDestinationLimit` (non-negative integers):
   * what the caller has room for where it already runs or holds units (the Router: the limit less
   * its running and pending units there). A room of 0 leaves the destination out, like
   * `excludeDestinations`. Only own keys count.
   */
  readonly destinationRoom?: Readonly<Record<string, number>> | undefined;
}

/** A unit of work: the due recipients of one message for one destination, now `in-flight`. */
export interface LeasedMessage {
  readonly message: QueuedMessage;
  readonly destination: string;
  /** The leased recipients (all of them in `destination`). */
  readonly recipients: readonly QueuedRecipient[];
  readonly leaseExpiresMs: number;
}

/** The outcome of one recipient, recorded by {@link MailBox.settle}. */
export interface RecipientOutcome {
  readonly index: number;
  /**
   * `delivered`/`transferred`/`failed`: final, always recorded (idempotent).
   * `waiting`: tried and deferred to `nextAttemptMs`, recorded only while the caller holds the lease.
   * `held`/`dead`: kept for the operator.
   */
  readonly state: 'delivered' | 'transferred' | 'failed' | 'waiting' | 'held' | 'dead';
  /** For `waiting`: when to try again (epoch ms). */
  readonly nextAttemptMs?: number | undefined;
  /** When this attempt was made (epoch ms). */
  readonly attemptMs: number;
  /** False when no attempt was made (a hold, a release); default true: `attempts` grows by one. */
  readonly countsAsAttempt?: boolean | undefined;
  readonly reply?: StoredReply | undefined;
  readonly remoteMta?: string | undefined;
  /** Mark that a delay report was sent for this recipient. */
  readonly delayReported?: boolean | undefined;
}

/** What {@link MailBox.settle} takes. */
export interface Settlement {
  readonly id: QueueId;
  /** The lease holder; outcomes that need the lease are ignored for a recipient leased by another. */
  readonly owner: string;
  readonly outcomes: readonly RecipientOutcome[];
  /** Reports (DSNs) to enqueue in the same durable step, so a crash never loses or doubles one. */
  readonly reports?: readonly NewMessage[] | undefined;
}

/** Filters for {@link MailBox.list}. */
export interface ListFilter {
  /** Messages with at least one recipient in this state. */
  readonly state?: RecipientState | undefined;
  /** Messages with at least one recipient in this destination. */
  readonly destination?: string | undefined;
  /** Messages that arrived before this time (epoch ms): expiry. */
  readonly arrivedBeforeMs?: number | undefined;
  /** Page size; default 100. */
  readonly limit?: number | undefined;
  /** Continue after this queue id (ids sort in arrival order). */
  readonly after?: QueueId | undefined;
}

/** Per-destination counts for the operator's view (`tell router show queues`). */
export interface DestinationCount {
  readonly destination: string;
  readonly waiting: number;
  readonly inFlight: number;
  /** The earliest `nextAttemptMs` of a waiting recipient, if any. */
  readonly nextAttemptMs?: number | undefined;
}

/** Counts for `show stat Mail`. */
export interface MailBoxCounts {
  readonly messages: number;
  readonly recipients: Readonly<Record<RecipientState, number>>;
  readonly destinations: readonly DestinationCount[];
}

/**
 * The Router's queue. Every method that changes state is durable when its promise resolves
 * (the SMTP 250 follows `enqueue`) and idempotent: repeating a call after a crash does no harm.
 */
export interface MailBox {
  /** Stores a message with its recipients atomically and durably; resolves with its queue id. */
  enqueue(message: NewMessage): Promise<QueueId>;
  /**
   * Takes due work, marking the recipients `in-flight` for `owner` until the lease expires. A
   * recipient is due when it is `waiting` with `nextAttemptMs <= nowMs`, or `in-flight` with an
   * expired lease (its holder died: another node takes it over). Units come earliest-due first
   * (then in queue-id order); concurrent calls never lease one recipient twice. A store that only
   * one process opens at a time (the file store) may keep leases in memory: after a reopen its
   * in-flight recipients are `waiting` again, with their attempts unchanged.
   */
  lease(request: LeaseRequest): Promise<LeasedMessage[]>;
  /**
   * Records outcomes (and enqueues reports) in one durable step. A settlement for a message that
   * is gone (settled before, removed) records nothing but still enqueues its reports, which their
   * idempotency keys keep from doubling. When every recipient is final the message is dropped.
   */
  settle(settlement: Settlement): Promise<void>;
  /**
   * The message's bytes as stored; readable any number of times while the message exists.
   * Iterating rejects with `MAILBOX_NOT_FOUND` when there is no such message.
   */
  openBody(id: QueueId): AsyncIterable<Uint8Array>;
  /** One message with all its recipients, or undefined when there is none. */
  get(id: QueueId): Promise<QueuedMessage | undefined>;
  /** Messages in queue-id order, filtered (`state` and `destination` together: one recipient has both). */
  list(filter?: ListFilter): Promise<QueuedMessage[]>;
  /** Counts by recipient state and per destination. */
  counts(): Promise<MailBoxCounts>;
  /**
   * Holds waiting recipients (all, or those at `indexes`): RoutingState HOLD. Recipients in other
   * states are left as they are. Rejects with `MAILBOX_NOT_FOUND` for an unknown message or index.
   */
  hold(id: QueueId, indexes?: readonly number[]): Promise<void>;
  /** Makes held or dead recipients (all, or `indexes`) waiting and due at `nowMs` (others are left). */
  release(id: QueueId, nowMs: number, indexes?: readonly number[]): Promise<void>;
  /**
   * Moves a recipient that is not in flight to another destination and route, waiting and due at
   * `nowMs` (a held or dead one too). A final recipient is left as it is; an in-flight one is
   * refused with `MAILBOX_IN_FLIGHT` (temporary: settle it first).
   */
  reroute(
    id: QueueId,
    index: number,
    destination: string,
    route: JsonValue | undefined,
    nowMs: number,
  ): Promise<void>;
  /**
   * Deletes a message and its body, whatever its recipients' states (the operator's delete). A
   * message that is not there is not an error (a repeated remove).
   */
  remove(id: QueueId): Promise<void>;
  /** Flushes and releases files, sockets or connections; afterwards every call rejects `MAILBOX_CLOSED`. */
  close(): Promise<void>;
  /**
   * Optional, for stores that several nodes share: calls `listener` when work may have become due
   * now on any node (another node's enqueue, a release, a reroute), so the Router looks at the
   * queue at once instead of at its next poll (`pollIntervalMs`). A hint, never a promise: a
   * store may signal too often or miss a signal (a lost connection), and work that falls due
   * later (a retry time, an expired lease) is found by the poll. Returns the unsubscribe function.
   * The Router subscribes at `start` and unsubscribes at `stop`.
   */
  onWork?(listener: () => void): () => void;
}
