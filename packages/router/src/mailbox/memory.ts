/**
 * The in-memory MailBox: the contract's rules with the bodies held in memory and nothing on
 * disk. For unit tests of the Router and of programs built on it; it is gone when the process
 * is. It passes the same conformance suite as the file store, except the durability tests.
 */
import { type Clock, type Logger, silentLogger, systemClock } from '@mailroute/envelope';
import { bodyChunks } from './body.js';
import { mailBoxError } from './errors.js';
import {
  frozenEnvelope,
  MailBoxState,
  messageView,
  newRecipientRecords,
  validateNewMessage,
} from './state.js';
import type {
  JsonValue,
  LeasedMessage,
  LeaseRequest,
  ListFilter,
  MailBox,
  MailBoxCounts,
  NewMessage,
  QueuedMessage,
  QueueId,
  Settlement,
} from './types.js';

/** Options of {@link createMemoryMailBox}. */
export interface MemoryMailBoxOptions {
  /** Makes queue ids and stamps key records; default the system clock. */
  readonly clock?: Clock | undefined;
  /** Default silent. */
  readonly logger?: Logger | undefined;
  /**
   * How long an idempotency key is remembered after its message left the store, so a retried
   * enqueue of a report already delivered is still recognised. Default 7 days.
   */
  readonly keyRetentionMs?: number | undefined;
}

/** Default {@link MemoryMailBoxOptions.keyRetentionMs}: a week, longer than any message lives. */
export const DEFAULT_KEY_RETENTION_MS = 7 * 24 * 3600_000;

/** A MailBox in memory: correct, not durable. */
export function createMemoryMailBox(options: MemoryMailBoxOptions = {}): MailBox {
  const clock = options.clock ?? systemClock;
  const logger = (options.logger ?? silentLogger).child({ component: 'mailbox', store: 'memory' });
  const retentionMs = options.keyRetentionMs ?? DEFAULT_KEY_RETENTION_MS;
  const state = new MailBoxState<Uint8Array[]>();
  let closed = false;

  const open = (): void => {
    if (closed) throw mailBoxError('MAILBOX_CLOSED', 'the mail box is closed');
  };

  const readBody = async (message: NewMessage): Promise<{ chunks: Uint8Array[]; size: number }> => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const c of bodyChunks(message.body)) {
      chunks.push(c);
      size += c.byteLength;
    }
    return { chunks, size };
  };

  /** Inserts a message whose body was read; a key stored meanwhile wins. */
  const insert = (message: NewMessage, body: { chunks: Uint8Array[]; size: number }): QueueId => {
    const existing = state.keyed(message.idempotencyKey);
    if (existing !== undefined) return existing;
    const id = state.nextId(clock.now());
    state.insert({
      id,
      envelope: frozenEnvelope(message.envelope),
      arrivalMs: message.arrivalMs,
      messageId: message.messageId,
      sizeBytes: body.size,
      recipients: newRecipientRecords(message),
      idempotencyKey: message.idempotencyKey,
      body: body.chunks,
      visible: true,
    });
    logger.debug({ id, recipients: message.recipients.length, sizeBytes: body.size }, 'enqueued');
    return id;
  };

  return {
    async enqueue(message: NewMessage): Promise<QueueId> {
      open();
      validateNewMessage(message);
      const existing = state.keyed(message.idempotencyKey);
      if (existing !== undefined) return existing;
      const body = await readBody(message);
      open();
      return insert(message, body);
    },

    async lease(request: LeaseRequest): Promise<LeasedMessage[]> {
      open();
      return state.lease(request);
    },

    async settle(settlement: Settlement): Promise<void> {
      open();
      state.validateSettlement(settlement);
      const reports = settlement.reports ?? [];
      for (const r of reports) validateNewMessage(r);
      const bodies: ({ chunks: Uint8Array[]; size: number } | undefined)[] = [];
      for (const r of reports)
        bodies.push(state.keyed(r.idempotencyKey) === undefined ? await readBody(r) : undefined);
      open();
      state.validateSettlement(settlement);
      const now = clock.now();
      state.settle(settlement, now);
      reports.forEach((r, i) => {
        const body = bodies[i];
        if (body) insert(r, body);
      });
      state.pruneKeys(now, retentionMs);
    },

    async *openBody(id: QueueId): AsyncIterable<Uint8Array> {
      open();
      const m = state.visible(id);
      if (!m) throw mailBoxError('MAILBOX_NOT_FOUND', `no message ${String(id)}`);
      for (const c of m.body) yield c.slice();
    },

    async get(id: QueueId): Promise<QueuedMessage | undefined> {
      open();
      const m = state.visible(id);
      return m ? messageView(m) : undefined;
    },

    async list(filter?: ListFilter): Promise<QueuedMessage[]> {
      open();
      return state.list(filter);
    },

    async counts(): Promise<MailBoxCounts> {
      open();
      return state.counts();
    },

    async hold(id: QueueId, indexes?: readonly number[]): Promise<void> {
      open();
      state.hold(id, indexes, clock.now());
    },

    async release(id: QueueId, nowMs: number, indexes?: readonly number[]): Promise<void> {
      open();
      state.release(id, nowMs, indexes);
    },

    async reroute(
      id: QueueId,
      index: number,
      destination: string,
      route: JsonValue | undefined,
      nowMs: number,
    ): Promise<void> {
      open();
      state.reroute(id, index, destination, route, nowMs);
    },

    async remove(id: QueueId): Promise<void> {
      open();
      state.drop(id, clock.now());
    },

    async close(): Promise<void> {
      closed = true;
    },
  };
}
