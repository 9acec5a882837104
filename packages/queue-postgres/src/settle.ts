/**
 * Settlement: outcomes (and the reports they cause) in one transaction under the rows' locks, by
 * the contract's rules; a message whose recipients are all final is dropped, its idempotency key
 * kept for the retention time and pruned after it.
 */
import { sleep } from '@mailroute/envelope';
import {
  isFinal,
  mailBoxError,
  mayRecordOutcome,
  type QueueId,
  type RecipientState,
  type Settlement,
  validateNewMessage,
  validateSettlement,
} from '@mailroute/router';
import { isConnectionError, type QueueContext, type TxClient } from './db.js';
import type { enqueueing } from './enqueue.js';

/** How often (at most) a node deletes idempotency keys past their retention. */
const KEY_PRUNE_INTERVAL_MS = 60_000;

/** The settle side of the store (and the row lock the operator's changes share). */
export function settling(
  ctx: QueueContext,
  retentionMs: number,
  retryMs: number,
  enq: ReturnType<typeof enqueueing>,
) {
  const { s, clock, logger } = ctx;
  const { query, tx, open } = ctx.db;
  const { insertInline, keyed, readWhole } = enq;

  /**
   * Runs `call` again while PostgreSQL cannot be reached (a restart, a failover), for up to
   * `retryMs`. For settle only: its mail has left already, and an outcome not recorded makes the
   * lease run out and another node send it again. Safe to repeat, also when a COMMIT went through
   * but its reply was lost: a final state is never left, and reports carry idempotency keys.
   */
  const untilReachable = async <T>(call: () => Promise<T>): Promise<T> => {
    const startMs = clock.now();
    for (let delayMs = 100; ; delayMs = Math.min(2000, delayMs * 2)) {
      try {
        return await call();
      } catch (e) {
        const cause = (e as { cause?: unknown }).cause;
        if (ctx.db.closed || !isConnectionError(cause) || clock.now() - startMs + delayMs > retryMs) throw e;
        logger.debug({ retryInMs: delayMs }, 'queue-postgres: settle waits for PostgreSQL');
        await sleep(clock, delayMs);
      }
    }
  };

  let lastPruneMs = 0;
  const pruneKeys = async (): Promise<void> => {
    const now = clock.now();
    if (now - lastPruneMs < KEY_PRUNE_INTERVAL_MS) return;
    lastPruneMs = now;
    await query(`DELETE FROM ${s}.idempotency_keys WHERE dropped_at_ms < $1`, [now - retentionMs]).catch(
      (e) => logger.warn({ err: e }, 'queue-postgres: pruning idempotency keys failed'),
    );
  };

  /** Drops a message whose recipients are all final (in the caller's transaction). */
  const dropIfFinal = async (c: TxClient, id: QueueId): Promise<void> => {
    await c.query(
      `WITH d AS (
         DELETE FROM ${s}.messages m WHERE m.id = $1
           AND NOT EXISTS (SELECT 1 FROM ${s}.recipients r WHERE r.message_id = $1
                           AND r.state NOT IN ('delivered', 'transferred', 'failed'))
         RETURNING idempotency_key)
       UPDATE ${s}.idempotency_keys k SET dropped_at_ms = $2 FROM d WHERE k.key = d.idempotency_key AND k.message_id = $1`,
      [id, clock.now()],
    );
  };

  /** Locks a message's recipients (in index order, so two transactions never deadlock). */
  const lockRecipients = async (
    c: TxClient,
    id: QueueId,
  ): Promise<{ idx: number; state: RecipientState; lease_owner: string | null; attempts: number }[]> => {
    const r = await c.query<{
      idx: number;
      state: RecipientState;
      lease_owner: string | null;
      attempts: number;
    }>(
      `SELECT idx, state, lease_owner, attempts FROM ${s}.recipients WHERE message_id = $1 ORDER BY idx FOR UPDATE`,
      [id],
    );
    return r.rows;
  };

  return {
    lockRecipients,

    async settle(settlement: Settlement): Promise<void> {
      open();
      validateSettlement(settlement);
      const reports = settlement.reports ?? [];
      for (const r of reports) validateNewMessage(r);
      // Report bodies are read before the transaction (they are small, made by the Router);
      // one whose key is stored already is not read at all.
      const bodies: (Buffer | undefined)[] = [];
      for (const r of reports)
        bodies.push(
          (await untilReachable(() => keyed(r.idempotencyKey))) === undefined
            ? await readWhole(r.body)
            : undefined,
        );
      await untilReachable(() =>
        tx(async (c) => {
          const rows = await lockRecipients(c, settlement.id);
          if (rows.length > 0) {
            for (const o of settlement.outcomes)
              if (!Number.isInteger(o.index) || o.index < 0 || o.index >= rows.length)
                throw mailBoxError('MAILBOX_INVALID', `message ${settlement.id} has no recipient ${o.index}`);
            let changed = false;
            for (const o of settlement.outcomes) {
              const r = rows[o.index]!;
              if (!mayRecordOutcome({ state: r.state, leaseOwner: r.lease_owner }, o, settlement.owner))
                continue;
              const counts = o.countsAsAttempt !== false;
              r.state = o.state;
              r.lease_owner = null;
              if (counts) r.attempts++;
              await c.query(
                `UPDATE ${s}.recipients SET state = $3, attempts = $4,
                 last_attempt_ms = CASE WHEN $5 THEN $6 ELSE last_attempt_ms END,
                 next_attempt_ms = COALESCE($7, next_attempt_ms),
                 last_reply = COALESCE($8::jsonb, last_reply),
                 remote_mta = COALESCE($9, remote_mta),
                 delay_reported = delay_reported OR $10,
                 lease_owner = NULL, lease_expires_ms = NULL
               WHERE message_id = $1 AND idx = $2`,
                [
                  settlement.id,
                  o.index,
                  o.state,
                  r.attempts,
                  counts,
                  Math.floor(o.attemptMs),
                  o.state === 'waiting' ? Math.floor(o.nextAttemptMs!) : null,
                  o.reply === undefined ? null : JSON.stringify(o.reply),
                  o.remoteMta ?? null,
                  o.delayReported === true,
                ],
              );
              changed = true;
            }
            if (changed && rows.every((r) => isFinal(r.state))) await dropIfFinal(c, settlement.id);
          }
          for (let i = 0; i < reports.length; i++) {
            const body = bodies[i];
            if (!body) continue;
            // A key a concurrent settlement stored meanwhile makes this insert nothing (no error).
            await insertInline((text, values) => c.query(text, values), reports[i]!, body);
          }
        }),
      );
      await pruneKeys();
    },
  };
}
