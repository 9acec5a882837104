/**
 * The records the MailBox state machine keeps (a message, its recipients, an idempotency key),
 * the frozen views callers get of them, and the checks of a new message: shared by every store
 * built on the state machine (memory, file) and by `validateNewMessage` for the others.
 */
import { mailBoxError } from './errors.js';
import type {
  JsonValue,
  NewMessage,
  NewRecipient,
  QueuedEnvelope,
  QueuedMessage,
  QueuedRecipient,
  QueueId,
  RecipientState,
  StoredReply,
} from './types.js';

/** A recipient as the state machine holds it (mutable, unlike what callers get). */
export interface RecipientRecord {
  index: number;
  address: string;
  orcpt?: string | undefined;
  notify?: QueuedRecipient['notify'];
  destination: string;
  route?: JsonValue | undefined;
  state: RecipientState;
  attempts: number;
  nextAttemptMs: number;
  lastAttemptMs?: number | undefined;
  lastReply?: StoredReply | undefined;
  remoteMta?: string | undefined;
  leaseOwner?: string | undefined;
  leaseExpiresMs?: number | undefined;
  delayReported?: boolean | undefined;
}

/** A message as the state machine holds it; `B` is where the store keeps the body. */
export interface MessageRecord<B> {
  readonly id: QueueId;
  readonly envelope: QueuedEnvelope;
  readonly arrivalMs: number;
  readonly messageId?: string | undefined;
  readonly sizeBytes: number;
  readonly recipients: RecipientRecord[];
  readonly idempotencyKey?: string | undefined;
  readonly body: B;
  /** False while its enqueue is not yet durable: nobody sees it but the idempotency check. */
  visible: boolean;
  /**
   * Per destination, the time of this message's live entry in the due index (when its first
   * recipient there falls due: a waiting one's next attempt, an in-flight one's lease end);
   * undefined when it has none. Kept by the state machine; a store leaves it unset.
   */
  dueAt?: Map<string, number> | undefined;
}

/** What an idempotency key points at; `droppedAtMs` once its message left the store. */
export interface KeyRecord {
  readonly id: QueueId;
  droppedAtMs?: number | undefined;
}

/** One recipient's new value after a change, as the journal records it. */
export type RecipientChange = RecipientRecord;

/** The result of a state change: the recipients that changed and whether the message left. */
export interface ChangeResult {
  readonly changes: RecipientChange[];
  readonly dropped: boolean;
}

/** Refuses a message no store may take (no recipients, bad fields): every MailBox implementation calls it in `enqueue`. */
export function validateNewMessage(message: NewMessage): void {
  if (message === null || typeof message !== 'object') throw mailBoxError('MAILBOX_INVALID', 'not a message');
  if (!message.envelope || typeof message.envelope.mailFrom !== 'string')
    throw mailBoxError('MAILBOX_INVALID', 'the envelope needs a mailFrom string');
  if (!Number.isFinite(message.arrivalMs)) throw mailBoxError('MAILBOX_INVALID', 'arrivalMs is not a time');
  if (!Array.isArray(message.recipients) || message.recipients.length === 0)
    throw mailBoxError('MAILBOX_INVALID', 'a message needs at least one recipient');
  for (const r of message.recipients) {
    if (typeof r.address !== 'string' || typeof r.destination !== 'string' || r.destination === '')
      throw mailBoxError('MAILBOX_INVALID', 'a recipient needs an address and a destination');
    if (r.state !== undefined && r.state !== 'waiting' && r.state !== 'held' && r.state !== 'dead')
      throw mailBoxError('MAILBOX_INVALID', `a new recipient cannot start ${String(r.state)}`);
  }
  if (message.idempotencyKey !== undefined && typeof message.idempotencyKey !== 'string')
    throw mailBoxError('MAILBOX_INVALID', 'idempotencyKey must be a string');
}

/**
 * A deep, frozen copy of caller data (an envelope, a route): the store hands the same object to
 * every reader, so nobody can change what is stored through it.
 */
export function frozenCopy<T>(value: T): T {
  // Routes are small JSON: a literal or a flat object needs no structured clone.
  if (value === null || typeof value !== 'object') return value;
  // JSON data (the contract's JsonValue): a JSON round trip is the cheapest deep copy.
  return deepFreeze(JSON.parse(JSON.stringify(value)) as T);
}

/** Freezes data the store already owns (parsed from its own files), without copying it. */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  for (const x of Object.values(value)) deepFreeze(x);
  return Object.freeze(value);
}

/** A frozen copy of an envelope: its fields are all strings and booleans, so one level is enough. */
export function frozenEnvelope(envelope: QueuedEnvelope): QueuedEnvelope {
  const copy: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(envelope)) if (v !== undefined) copy[k] = v;
  return Object.freeze(copy) as unknown as QueuedEnvelope;
}

/** The store's records of a new message's recipients: due at arrival, no attempts yet. */
export function newRecipientRecords(message: NewMessage): RecipientRecord[] {
  return message.recipients.map((r: NewRecipient, index) => {
    const rec: RecipientRecord = {
      index,
      address: r.address,
      destination: r.destination,
      state: r.state ?? 'waiting',
      attempts: 0,
      nextAttemptMs: message.arrivalMs,
    };
    if (r.orcpt !== undefined) rec.orcpt = r.orcpt;
    if (r.notify !== undefined) rec.notify = r.notify === 'NEVER' ? 'NEVER' : Object.freeze([...r.notify]);
    if (r.route !== undefined) rec.route = frozenCopy(r.route);
    return rec;
  });
}

/** A caller's copy of a recipient: a new object, only the fields that are set. */
export function recipientView(r: RecipientRecord): QueuedRecipient {
  const v: {
    -readonly [K in keyof QueuedRecipient]: QueuedRecipient[K];
  } = {
    index: r.index,
    address: r.address,
    destination: r.destination,
    state: r.state,
    attempts: r.attempts,
    nextAttemptMs: r.nextAttemptMs,
  };
  if (r.orcpt !== undefined) v.orcpt = r.orcpt;
  if (r.notify !== undefined) v.notify = r.notify;
  if (r.route !== undefined) v.route = r.route;
  if (r.lastAttemptMs !== undefined) v.lastAttemptMs = r.lastAttemptMs;
  if (r.lastReply !== undefined) v.lastReply = r.lastReply;
  if (r.remoteMta !== undefined) v.remoteMta = r.remoteMta;
  if (r.state === 'in-flight') {
    v.leaseOwner = r.leaseOwner;
    v.leaseExpiresMs = r.leaseExpiresMs;
  }
  if (r.delayReported) v.delayReported = true;
  return v;
}

/** A caller's copy of a message without its body. */
export function messageView(m: MessageRecord<unknown>): QueuedMessage {
  const v: { -readonly [K in keyof QueuedMessage]: QueuedMessage[K] } = {
    id: m.id,
    envelope: m.envelope,
    arrivalMs: m.arrivalMs,
    sizeBytes: m.sizeBytes,
    recipients: m.recipients.map(recipientView),
  };
  if (m.messageId !== undefined) v.messageId = m.messageId;
  return v;
}

/** The journal's copy of a recipient: leases are not kept (after a restart nothing is in flight). */
export function durableRecipient(r: RecipientRecord): RecipientRecord {
  const d: RecipientRecord = { ...r };
  if (d.state === 'in-flight') d.state = 'waiting';
  delete d.leaseOwner;
  delete d.leaseExpiresMs;
  for (const k of Object.keys(d) as (keyof RecipientRecord)[]) if (d[k] === undefined) delete d[k];
  return d;
}
