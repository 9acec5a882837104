/**
 * The operator's changes (Domino's mail.box actions): hold, release, reroute and delete, each one
 * transaction under the message's row locks; a release or reroute NOTIFYs the nodes.
 */
import { isFinal, type JsonValue, mailBoxError, type QueueId } from '@mailroute/router';
import { notify as notifyIn, type QueueContext, type TxClient } from './db.js';
import type { settling } from './settle.js';

/** The operator side of the store. */
export function operating(ctx: QueueContext, lockRecipients: ReturnType<typeof settling>['lockRecipients']) {
  const { s, clock } = ctx;
  const { query, tx, open } = ctx.db;
  const notify = (c: TxClient): Promise<unknown> => notifyIn(ctx, c);

  const checkIndexes = (id: QueueId, count: number, indexes: readonly number[] | undefined): void => {
    if (indexes === undefined) return;
    if (!Array.isArray(indexes)) throw mailBoxError('MAILBOX_INVALID', 'indexes must be an array');
    for (const i of indexes)
      if (!Number.isInteger(i) || i < 0 || i >= count)
        throw mailBoxError('MAILBOX_NOT_FOUND', `message ${id} has no recipient ${i}`);
  };

  return {
    async hold(id: QueueId, indexes?: readonly number[]): Promise<void> {
      open();
      await tx(async (c) => {
        const rows = await lockRecipients(c, id);
        if (rows.length === 0) throw mailBoxError('MAILBOX_NOT_FOUND', `no message ${String(id)}`);
        checkIndexes(id, rows.length, indexes);
        await c.query(
          `UPDATE ${s}.recipients SET state = 'held' WHERE message_id = $1 AND state = 'waiting'
             AND ($2::int[] IS NULL OR idx = ANY($2::int[]))`,
          [id, indexes ? [...indexes] : null],
        );
      });
    },

    async release(id: QueueId, nowMs: number, indexes?: readonly number[]): Promise<void> {
      open();
      await tx(async (c) => {
        const rows = await lockRecipients(c, id);
        if (rows.length === 0) throw mailBoxError('MAILBOX_NOT_FOUND', `no message ${String(id)}`);
        if (!Number.isFinite(nowMs)) throw mailBoxError('MAILBOX_INVALID', 'nowMs is not a time');
        checkIndexes(id, rows.length, indexes);
        const r = await c.query(
          `UPDATE ${s}.recipients SET state = 'waiting', next_attempt_ms = $2
           WHERE message_id = $1 AND state IN ('held', 'dead') AND ($3::int[] IS NULL OR idx = ANY($3::int[]))`,
          [id, Math.floor(nowMs), indexes ? [...indexes] : null],
        );
        if ((r.rowCount ?? 0) > 0) await notify(c);
      });
    },

    async reroute(
      id: QueueId,
      index: number,
      destination: string,
      route: JsonValue | undefined,
      nowMs: number,
    ): Promise<void> {
      open();
      await tx(async (c) => {
        const rows = await lockRecipients(c, id);
        if (rows.length === 0) throw mailBoxError('MAILBOX_NOT_FOUND', `no message ${String(id)}`);
        if (typeof destination !== 'string' || destination === '')
          throw mailBoxError('MAILBOX_INVALID', 'reroute needs a destination');
        if (!Number.isFinite(nowMs)) throw mailBoxError('MAILBOX_INVALID', 'nowMs is not a time');
        checkIndexes(id, rows.length, [index]);
        const r = rows[index]!;
        if (isFinal(r.state)) return;
        if (r.state === 'in-flight')
          throw mailBoxError(
            'MAILBOX_IN_FLIGHT',
            `recipient ${index} of ${id} is in flight; settle it first`,
          );
        await c.query(
          `UPDATE ${s}.recipients SET destination = $3, route = $4::jsonb, state = 'waiting', next_attempt_ms = $5
           WHERE message_id = $1 AND idx = $2`,
          [id, index, destination, route === undefined ? null : JSON.stringify(route), Math.floor(nowMs)],
        );
        await notify(c);
      });
    },

    async remove(id: QueueId): Promise<void> {
      open();
      await query(
        `WITH d AS (DELETE FROM ${s}.messages WHERE id = $1 RETURNING idempotency_key)
         UPDATE ${s}.idempotency_keys k SET dropped_at_ms = $2 FROM d WHERE k.key = d.idempotency_key AND k.message_id = $1`,
        [id, clock.now()],
      );
    },
  };
}
