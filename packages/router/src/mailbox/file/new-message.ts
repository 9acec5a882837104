/**
 * A new message as the file store records it: its record for the state machine and its meta for
 * the journal frame (a new queue id, frozen envelope, recipients due at arrival), and, once the
 * frame has a place in a segment, where its inline body lives.
 */
import { durableRecipient, frozenEnvelope, type MessageRecord, newRecipientRecords } from '../state.js';
import type { NewMessage, QueueId } from '../types.js';
import type { Intake } from './bodies.js';
import type { BodyRef, MessageMeta } from './records.js';

/** The record and frame meta of a new message; inline bodies start `inlineOffset` into the frame's bodies. */
export function prepareMessage(id: QueueId, message: NewMessage, body: Intake, inlineOffset = 0) {
  const rcpts = newRecipientRecords(message);
  const envelope = frozenEnvelope(message.envelope);
  const meta: MessageMeta = {
    id,
    envelope,
    arrivalMs: message.arrivalMs,
    ...(message.messageId !== undefined ? { messageId: message.messageId } : {}),
    sizeBytes: body.len,
    ...(message.idempotencyKey !== undefined ? { key: message.idempotencyKey } : {}),
    rcpts: rcpts.map(durableRecipient),
    body: 'file' in body ? { file: body.file, len: body.len } : { inline: inlineOffset, len: body.len },
  };
  const record = {
    id,
    envelope,
    arrivalMs: message.arrivalMs,
    messageId: message.messageId,
    sizeBytes: body.len,
    recipients: rcpts,
    idempotencyKey: message.idempotencyKey,
  };
  return { meta, record, bodies: 'file' in body ? [] : body.chunks };
}

/** Gives a prepared record its body's place, known once its frame has one. */
export function placeMessage(
  record: Omit<MessageRecord<BodyRef>, 'body' | 'visible'>,
  meta: MessageMeta,
  segment: number,
  frameOffset: number,
  bodyStart: number,
): MessageRecord<BodyRef> {
  const b = meta.body;
  const body: BodyRef =
    'inline' in b ? { seg: segment, off: frameOffset + bodyStart + b.inline, len: b.len } : b;
  return { ...record, body, visible: false };
}
