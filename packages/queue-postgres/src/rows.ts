/**
 * Rows to the MailBox's types and back. Every value read from PostgreSQL becomes a new object,
 * so what a caller gets is its own copy.
 */
import type { JsonValue, NewMessage, QueuedMessage, QueuedRecipient, StoredReply } from '@mailroute/router';

/** A `recipients` row as selected by {@link RECIPIENT_COLUMNS}. */
export interface RecipientRow {
  message_id: string;
  idx: number;
  address: string;
  orcpt: string | null;
  notify: QueuedRecipient['notify'] | null;
  destination: string;
  route: JsonValue;
  route_absent: boolean;
  state: QueuedRecipient['state'];
  attempts: number;
  next_attempt_ms: number;
  last_attempt_ms: number | null;
  last_reply: StoredReply | null;
  remote_mta: string | null;
  lease_owner: string | null;
  lease_expires_ms: number | null;
  delay_reported: boolean;
}

/** A `messages` row without its body, as selected by {@link MESSAGE_COLUMNS}. */
export interface MessageRow {
  id: string;
  envelope: QueuedMessage['envelope'];
  arrival_ms: number;
  message_id: string | null;
  size_bytes: number;
}

/** The recipient columns every read selects (`route_absent` tells SQL NULL from JSON null). */
export const RECIPIENT_COLUMNS =
  'message_id, idx, address, orcpt, notify, destination, route, route IS NULL AS route_absent, state, attempts, next_attempt_ms, last_attempt_ms, last_reply, remote_mta, lease_owner, lease_expires_ms, delay_reported';

/** The message columns every read selects. */
export const MESSAGE_COLUMNS = 'id, envelope, arrival_ms, message_id, size_bytes';

/** A caller's recipient from a row: only the fields that are set. */
export function recipientFromRow(r: RecipientRow): QueuedRecipient {
  const v: { -readonly [K in keyof QueuedRecipient]: QueuedRecipient[K] } = {
    index: r.idx,
    address: r.address,
    destination: r.destination,
    state: r.state,
    attempts: r.attempts,
    nextAttemptMs: r.next_attempt_ms,
  };
  if (r.orcpt !== null) v.orcpt = r.orcpt;
  if (r.notify !== null) v.notify = r.notify;
  if (!r.route_absent) v.route = r.route;
  if (r.last_attempt_ms !== null) v.lastAttemptMs = r.last_attempt_ms;
  if (r.last_reply !== null) v.lastReply = r.last_reply;
  if (r.remote_mta !== null) v.remoteMta = r.remote_mta;
  if (r.state === 'in-flight') {
    v.leaseOwner = r.lease_owner ?? undefined;
    v.leaseExpiresMs = r.lease_expires_ms ?? undefined;
  }
  if (r.delay_reported) v.delayReported = true;
  return v;
}

/** A caller's message from its row and its recipients' rows (in index order). */
export function messageFromRows(m: MessageRow, recipients: readonly RecipientRow[]): QueuedMessage {
  const v: { -readonly [K in keyof QueuedMessage]: QueuedMessage[K] } = {
    id: m.id,
    envelope: m.envelope,
    arrivalMs: m.arrival_ms,
    sizeBytes: m.size_bytes,
    recipients: recipients.map(recipientFromRow),
  };
  if (m.message_id !== null) v.messageId = m.message_id;
  return v;
}

/** The envelope as stored: only the fields that are set. */
export function envelopeJson(envelope: NewMessage['envelope']): string {
  const copy: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(envelope)) if (v !== undefined) copy[k] = v;
  return JSON.stringify(copy);
}
