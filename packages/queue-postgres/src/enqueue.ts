/**
 * Enqueue: a small message in ONE statement (key, row, recipients and NOTIFY as data-modifying
 * CTEs), a large one in one transaction whose body streams into chunk rows; the SMTP 250 follows
 * the commit. An idempotency key stored already returns the first id and inserts nothing.
 */
import {
  bodyChunks,
  mailBoxError,
  type NewMessage,
  type QueueId,
  validateNewMessage,
} from '@mailroute/router';
import type pg from 'pg';
import { KeyTaken, notify as notifyIn, type QueueContext, type TxClient } from './db.js';
import { envelopeJson } from './rows.js';

/** The enqueue side of the store, and the helpers settle uses for reports. */
export function enqueueing(ctx: QueueContext, inlineMax: number, chunkBytes: number) {
  const { s, channel } = ctx;
  const { query, tx, open, mapError } = ctx.db;
  const notify = (c: TxClient): Promise<unknown> => notifyIn(ctx, c);

  /**
   * Inserts a message with a large body in the caller's transaction: its key first (a key
   * already there throws KeyTaken with the first id), then the row, the recipients and the body
   * as chunk rows while it streams in.
   */
  const insertMessage = async (
    c: TxClient,
    message: NewMessage,
    body: { stream: AsyncIterator<Uint8Array>; head: Uint8Array[] },
  ): Promise<QueueId> => {
    const idRow = await c.query<{ id: string }>(
      `SELECT lpad(nextval('${s}.queue_ids')::text, 16, '0') AS id`,
    );
    const id = idRow.rows[0]!.id;
    if (message.idempotencyKey !== undefined) {
      // Waits for a concurrent enqueue of the same key to finish; then either it committed (this
      // inserts nothing) or it rolled back (this one wins).
      const k = await c.query(
        `INSERT INTO ${s}.idempotency_keys (key, message_id) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING RETURNING key`,
        [message.idempotencyKey, id],
      );
      if (k.rowCount === 0) {
        const existing = await c.query<{ message_id: string }>(
          `SELECT message_id FROM ${s}.idempotency_keys WHERE key = $1`,
          [message.idempotencyKey],
        );
        throw new KeyTaken(existing.rows[0]!.message_id);
      }
    }
    await c.query(
      `INSERT INTO ${s}.messages (id, envelope, arrival_ms, message_id, size_bytes, idempotency_key, body, chunks)
       VALUES ($1, $2::jsonb, $3, $4, $5, $6, $7, 0)`,
      [
        id,
        envelopeJson(message.envelope),
        Math.floor(message.arrivalMs),
        message.messageId ?? null,
        0,
        message.idempotencyKey ?? null,
        null,
      ],
    );
    const rs = message.recipients;
    await c.query(
      `INSERT INTO ${s}.recipients (message_id, idx, address, orcpt, notify, destination, route, state, next_attempt_ms)
       SELECT $1, u.idx, u.address, u.orcpt, u.notify::jsonb, u.destination, u.route::jsonb, u.state, $2
       FROM unnest($3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
         AS u(idx, address, orcpt, notify, destination, route, state)`,
      [
        id,
        Math.floor(message.arrivalMs),
        rs.map((_, i) => i),
        rs.map((r) => r.address),
        rs.map((r) => r.orcpt ?? null),
        rs.map((r) => (r.notify === undefined ? null : JSON.stringify(r.notify))),
        rs.map((r) => r.destination),
        rs.map((r) => (r.route === undefined ? null : JSON.stringify(r.route))),
        rs.map((r) => r.state ?? 'waiting'),
      ],
    );
    {
      // Chunk rows as the stream comes in, never the whole body in memory. One chunk buffer is
      // filled and reused (pg has copied it into its socket buffer when the INSERT resolves), so
      // a 50 MB body makes no 50 MB of garbage on this side.
      const piece = Buffer.allocUnsafe(chunkBytes);
      let filled = 0;
      let n = 0;
      let size = 0;
      const flush = async (): Promise<void> => {
        await c.query(`INSERT INTO ${s}.body_chunks (message_id, n, data) VALUES ($1, $2, $3)`, [
          id,
          n++,
          piece.subarray(0, filled),
        ]);
        size += filled;
        filled = 0;
      };
      const add = async (bytes: Uint8Array): Promise<void> => {
        for (let at = 0; at < bytes.length; ) {
          const take = Math.min(chunkBytes - filled, bytes.length - at);
          piece.set(bytes.subarray(at, at + take), filled);
          filled += take;
          at += take;
          if (filled === chunkBytes) await flush();
        }
      };
      for (const h of body.head) await add(h);
      for (;;) {
        const next = await body.stream.next();
        if (next.done) break;
        await add(next.value);
      }
      if (filled > 0) await flush();
      await c.query(`UPDATE ${s}.messages SET size_bytes = $2, chunks = $3 WHERE id = $1`, [id, size, n]);
    }
    if (rs.some((r) => (r.state ?? 'waiting') === 'waiting')) await notify(c);
    return id;
  };

  /**
   * A message with a body small enough to be inline, in ONE statement (the key, the row, the
   * recipients and the NOTIFY as data-modifying CTEs): atomic on its own, one round trip. Resolves
   * with the new id, or undefined when its idempotency key was stored already (nothing inserted).
   */
  const insertInline = async (
    run: (text: string, values: unknown[]) => Promise<pg.QueryResult<{ id: string | null }>>,
    message: NewMessage,
    body: Buffer,
  ): Promise<QueueId | undefined> => {
    const rs = message.recipients;
    const r = await run(
      `WITH i AS (SELECT lpad(nextval('${s}.queue_ids')::text, 16, '0') AS id),
       k AS (INSERT INTO ${s}.idempotency_keys (key, message_id) SELECT $1, i.id FROM i WHERE $1::text IS NOT NULL
             ON CONFLICT (key) DO NOTHING RETURNING message_id),
       m AS (INSERT INTO ${s}.messages (id, envelope, arrival_ms, message_id, size_bytes, idempotency_key, body, chunks)
             SELECT i.id, $2::jsonb, $3, $4, $5, $1, $6, 0 FROM i WHERE $1::text IS NULL OR EXISTS (SELECT 1 FROM k)
             RETURNING id),
       r AS (INSERT INTO ${s}.recipients (message_id, idx, address, orcpt, notify, destination, route, state, next_attempt_ms)
             SELECT m.id, u.idx, u.address, u.orcpt, u.notify::jsonb, u.destination, u.route::jsonb, u.state, $3
             FROM m, unnest($7::int[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])
               AS u(idx, address, orcpt, notify, destination, route, state)
             RETURNING 1)
       SELECT (SELECT id FROM m) AS id,
              CASE WHEN $14 AND EXISTS (SELECT 1 FROM m) THEN pg_notify($15, '') END AS notified,
              (SELECT count(*) FROM r) AS recipients`,
      [
        message.idempotencyKey ?? null,
        envelopeJson(message.envelope),
        Math.floor(message.arrivalMs),
        message.messageId ?? null,
        body.length,
        body,
        rs.map((_, i) => i),
        rs.map((x) => x.address),
        rs.map((x) => x.orcpt ?? null),
        rs.map((x) => (x.notify === undefined ? null : JSON.stringify(x.notify))),
        rs.map((x) => x.destination),
        rs.map((x) => (x.route === undefined ? null : JSON.stringify(x.route))),
        rs.map((x) => x.state ?? 'waiting'),
        rs.some((x) => (x.state ?? 'waiting') === 'waiting'),
        channel,
      ],
    );
    return r.rows[0]?.id ?? undefined;
  };

  const keyed = async (key: string | undefined): Promise<QueueId | undefined> => {
    if (key === undefined) return undefined;
    const r = await query<{ message_id: string }>(
      `SELECT message_id FROM ${s}.idempotency_keys WHERE key = $1`,
      [key],
    );
    return r.rows[0]?.message_id;
  };

  const readWhole = async (body: NewMessage['body']): Promise<Buffer> => {
    const parts: Uint8Array[] = [];
    for await (const c of bodyChunks(body)) parts.push(c);
    return Buffer.concat(parts);
  };

  return {
    insertInline,
    keyed,
    readWhole,

    async enqueue(message: NewMessage): Promise<QueueId> {
      open();
      validateNewMessage(message);
      const existing = await keyed(message.idempotencyKey);
      if (existing !== undefined) return existing;
      // Read up to the inline limit before taking a connection: a slow sender of a small
      // message never holds one. A larger body streams into chunk rows inside the transaction.
      const it = bodyChunks(message.body)[Symbol.asyncIterator]();
      const head: Uint8Array[] = [];
      let headBytes = 0;
      let large = false;
      try {
        for (;;) {
          const next = await it.next();
          if (next.done) break;
          head.push(next.value);
          headBytes += next.value.length;
          if (headBytes > inlineMax) {
            large = true;
            break;
          }
        }
      } catch (e) {
        throw mapError(e);
      }
      if (!large) {
        const id = await insertInline(query, message, Buffer.concat(head));
        if (id !== undefined) return id;
        const first = await keyed(message.idempotencyKey);
        if (first === undefined)
          throw mailBoxError('MAILBOX_IO', 'an idempotency key vanished during enqueue');
        return first;
      }
      try {
        return await tx((c) => insertMessage(c, message, { stream: it, head }));
      } catch (e) {
        if (e instanceof KeyTaken) {
          await it.return?.(undefined);
          return e.id;
        }
        throw e;
      }
    },
  };
}
