/**
 * Reads: a message with its recipients (each value a new copy), the operator's list and counts
 * (each in one REPEATABLE READ snapshot), and the body, inline or chunk by chunk.
 */
import {
  emptyStateCounts,
  type ListFilter,
  type MailBoxCounts,
  mailBoxError,
  type QueuedMessage,
  type QueueId,
  type RecipientState,
} from '@mailroute/router';
import type { QueueContext, TxClient } from './db.js';
import {
  MESSAGE_COLUMNS,
  type MessageRow,
  messageFromRows,
  RECIPIENT_COLUMNS,
  type RecipientRow,
} from './rows.js';

/** The read side of the store. */
export function reading(ctx: QueueContext) {
  const { s } = ctx;
  const { query, tx, open } = ctx.db;

  const loadMessages = async (c: TxClient | undefined, ids: readonly string[]): Promise<QueuedMessage[]> => {
    if (ids.length === 0) return [];
    const run = c ? c.query.bind(c) : query;
    const ms = await run<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM ${s}.messages WHERE id = ANY($1::text[]) ORDER BY id`,
      [ids],
    );
    const rs = await run<RecipientRow>(
      `SELECT ${RECIPIENT_COLUMNS} FROM ${s}.recipients WHERE message_id = ANY($1::text[]) ORDER BY message_id, idx`,
      [ids],
    );
    const byId = new Map<string, RecipientRow[]>();
    for (const r of rs.rows) {
      const list = byId.get(r.message_id);
      if (list) list.push(r);
      else byId.set(r.message_id, [r]);
    }
    return ms.rows.filter((m) => byId.has(m.id)).map((m) => messageFromRows(m, byId.get(m.id)!));
  };

  return {
    loadMessages,

    async *openBody(id: QueueId): AsyncIterable<Uint8Array> {
      const head = await query<{ body: Buffer | null; chunks: number }>(
        `SELECT body, chunks FROM ${s}.messages WHERE id = $1`,
        [id],
      );
      const m = head.rows[0];
      if (!m) throw mailBoxError('MAILBOX_NOT_FOUND', `no message ${String(id)}`);
      if (m.chunks === 0) {
        if (m.body && m.body.length > 0) yield m.body;
        return;
      }
      for (let n = 0; n < m.chunks; n++) {
        const r = await query<{ data: Buffer }>(
          `SELECT data FROM ${s}.body_chunks WHERE message_id = $1 AND n = $2`,
          [id, n],
        );
        const data = r.rows[0]?.data;
        if (!data)
          throw mailBoxError('MAILBOX_NOT_FOUND', `message ${String(id)} was removed while it was read`);
        yield data;
      }
    },

    async get(id: QueueId): Promise<QueuedMessage | undefined> {
      open();
      if (typeof id !== 'string') return undefined;
      return (await loadMessages(undefined, [id]))[0];
    },

    async list(filter: ListFilter = {}): Promise<QueuedMessage[]> {
      open();
      const limit = filter.limit ?? 100;
      if (!Number.isInteger(limit) || limit < 1)
        throw mailBoxError('MAILBOX_INVALID', 'limit must be positive');
      return tx(async (c) => {
        const ids = await c.query<{ id: string }>(
          `SELECT m.id FROM ${s}.messages m
           WHERE ($1::text IS NULL OR m.id > $1)
             AND ($2::bigint IS NULL OR m.arrival_ms < $2)
             AND (($3::text IS NULL AND $4::text IS NULL) OR EXISTS (
               SELECT 1 FROM ${s}.recipients r WHERE r.message_id = m.id
                 AND ($3::text IS NULL OR r.state = $3) AND ($4::text IS NULL OR r.destination = $4)))
           ORDER BY m.id LIMIT $5`,
          [
            filter.after ?? null,
            filter.arrivedBeforeMs === undefined ? null : Math.ceil(filter.arrivedBeforeMs),
            filter.state ?? null,
            filter.destination ?? null,
            limit,
          ],
        );
        return loadMessages(
          c,
          ids.rows.map((r) => r.id),
        );
      }, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    },

    async counts(): Promise<MailBoxCounts> {
      open();
      return tx(async (c) => {
        const messages = await c.query<{ n: number }>(`SELECT count(*) AS n FROM ${s}.messages`);
        const byState = await c.query<{ state: RecipientState; n: number }>(
          `SELECT state, count(*) AS n FROM ${s}.recipients GROUP BY state`,
        );
        const byDest = await c.query<{
          destination: string;
          waiting: number;
          in_flight: number;
          next: number | null;
        }>(
          `SELECT destination, count(*) FILTER (WHERE state = 'waiting') AS waiting,
                  count(*) FILTER (WHERE state = 'in-flight') AS in_flight,
                  min(next_attempt_ms) FILTER (WHERE state = 'waiting') AS next
           FROM ${s}.recipients WHERE due_ms IS NOT NULL GROUP BY destination`,
        );
        const recipients = emptyStateCounts();
        for (const r of byState.rows) recipients[r.state] = r.n;
        const destinations = byDest.rows
          .sort((a, b) => (a.destination < b.destination ? -1 : a.destination > b.destination ? 1 : 0))
          .map((d) =>
            d.next === null
              ? { destination: d.destination, waiting: d.waiting, inFlight: d.in_flight }
              : {
                  destination: d.destination,
                  waiting: d.waiting,
                  inFlight: d.in_flight,
                  nextAttemptMs: d.next,
                },
          );
        return { messages: messages.rows[0]!.n, recipients, destinations };
      }, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    },
  };
}
