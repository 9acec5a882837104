/**
 * The MailBox conformance tests of the whole store: every call after close, and a seeded random
 * run of enqueues, leases, settles and operator actions that checks the invariants after each step.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandomSource } from '@mailroute/envelope';
import type { QueueId } from '../types.js';
import { msg, readAll, T0, type WithBox } from './fixtures.js';

/** Registers the closed-store test and the seeded random run (inside the suite's `describe`). */
export function wholeStoreTests(withBox: WithBox): void {
  test(
    'after close every call rejects with MAILBOX_CLOSED; close again is harmless',
    withBox(async (box) => {
      const id = await box.enqueue(msg(0, [{ destination: 'd' }]));
      await box.close();
      await box.close();
      await assert.rejects(box.enqueue(msg(1, [{ destination: 'd' }])), { code: 'MAILBOX_CLOSED' });
      await assert.rejects(box.lease({ owner: 'n', nowMs: T0, leaseMs: 1, limit: 1 }), {
        code: 'MAILBOX_CLOSED',
      });
      await assert.rejects(box.get(id), { code: 'MAILBOX_CLOSED' });
      await assert.rejects(box.settle({ id, owner: 'n', outcomes: [] }), { code: 'MAILBOX_CLOSED' });
      await assert.rejects(readAll(box.openBody(id)), { code: 'MAILBOX_CLOSED' });
    }),
  );

  test(
    'a seeded random run keeps the invariants (no double lease, finals stay, counts add up)',
    withBox(async (box) => {
      const rnd = seededRandomSource(16);
      const ids: QueueId[] = [];
      const finals = new Map<string, string>();
      let now = T0;
      for (let step = 0; step < 400; step++) {
        const p = rnd();
        now += Math.floor(rnd() * 2000);
        if (p < 0.3 || ids.length === 0) {
          const n = 1 + Math.floor(rnd() * 4);
          ids.push(
            await box.enqueue(
              msg(
                step,
                Array.from({ length: n }, () => ({ destination: `d${Math.floor(rnd() * 3)}` })),
                { arrivalMs: now },
              ),
            ),
          );
        } else if (p < 0.6) {
          const owner = `n${Math.floor(rnd() * 2)}`;
          const units = await box.lease({
            owner,
            nowMs: now,
            leaseMs: 3000,
            limit: 1 + Math.floor(rnd() * 3),
          });
          for (const u of units) {
            const outcomes = u.recipients.map((r) => {
              const q = rnd();
              const state = q < 0.4 ? 'transferred' : q < 0.5 ? 'failed' : q < 0.6 ? 'held' : 'waiting';
              return { index: r.index, state, nextAttemptMs: now + 5000, attemptMs: now } as const;
            });
            if (rnd() < 0.8) await box.settle({ id: u.message.id, owner, outcomes });
          }
        } else if (p < 0.7) {
          const id = ids[Math.floor(rnd() * ids.length)]!;
          await box
            .release(id, now)
            .catch((e: { code?: string }) => assert.equal(e.code, 'MAILBOX_NOT_FOUND'));
        } else if (p < 0.75) {
          await box.remove(ids[Math.floor(rnd() * ids.length)]!);
        } else {
          const id = ids[Math.floor(rnd() * ids.length)]!;
          await box
            .settle({
              id,
              owner: 'operator',
              outcomes: [{ index: 0, state: rnd() < 0.5 ? 'failed' : 'dead', attemptMs: now }],
            })
            .catch((e: { code?: string }) => assert.fail(`settle: ${e.code}`));
        }
        const all = await box.list({ limit: 100_000 });
        const c = await box.counts();
        assert.equal(c.messages, all.length);
        let total = 0;
        for (const m of all)
          for (const r of m.recipients) {
            total++;
            const key = `${m.id}/${r.index}`;
            const was = finals.get(key);
            if (was) assert.equal(r.state, was, `${key} left its final state`);
            if (r.state === 'delivered' || r.state === 'transferred' || r.state === 'failed')
              finals.set(key, r.state);
            if (r.state === 'in-flight') assert.ok(r.leaseOwner && r.leaseExpiresMs !== undefined);
          }
        assert.equal(
          Object.values(c.recipients).reduce((a, b) => a + b, 0),
          total,
        );
        assert.ok(
          all.every((m) =>
            m.recipients.some((r) => !['delivered', 'transferred', 'failed'].includes(r.state)),
          ),
        );
      }
    }),
  );
}
