/**
 * What the file store writes: the frames' meta and the snapshot's lines, and where a body lives.
 * Both are plain JSON so a person can read a damaged store with `jq`.
 */
import type { RecipientRecord } from '../state.js';
import type { QueuedEnvelope, QueueId } from '../types.js';

/** A body in a journal segment (small bodies) or in a file of its own (large ones). */
export type BodyRef =
  | { readonly seg: number; readonly off: number; readonly len: number }
  | { readonly file: string; readonly len: number };

/** A message as a journal frame or a snapshot line records it. */
export interface MessageMeta {
  readonly id: QueueId;
  readonly envelope: QueuedEnvelope;
  readonly arrivalMs: number;
  readonly messageId?: string | undefined;
  readonly sizeBytes: number;
  readonly key?: string | undefined;
  readonly rcpts: RecipientRecord[];
  /** In a frame: `{ inline: offset from the frame's first body byte, len }` or `{ file, len }`. */
  readonly body: BodyRef | { readonly inline: number; readonly len: number };
}

/** A new message (its body inline in this frame or in a file). */
export interface EnqueueFrame {
  readonly t: 'enq';
  /** When it was written (epoch ms): dates key records on replay. */
  readonly at: number;
  readonly m: MessageMeta;
}

/** Recipients' new values, and reports enqueued in the same step. */
export interface SetFrame {
  readonly t: 'set';
  readonly at: number;
  readonly id: QueueId;
  readonly rcpts: RecipientRecord[];
  readonly reports?: MessageMeta[] | undefined;
}

/** The operator's delete. */
export interface RemoveFrame {
  readonly t: 'rm';
  readonly at: number;
  readonly id: QueueId;
}

/** Every frame kind. */
export type Frame = EnqueueFrame | SetFrame | RemoveFrame;

/** The snapshot's first line. */
export interface SnapshotHeader {
  readonly t: 'snapshot';
  readonly version: 1;
  /** Replay starts at this segment: the snapshot holds everything written before it. */
  readonly segment: number;
  /** The last queue id made, so new ids sort after it even when its message is gone. */
  readonly lastId?: QueueId | undefined;
  readonly messages: number;
  /** Keys of messages that left the store: [key, id, droppedAtMs]. */
  readonly droppedKeys: [string, QueueId, number][];
}
