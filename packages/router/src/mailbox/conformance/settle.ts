/**
 * The settle tests of the MailBox conformance suite: deferrals, final outcomes, reports enqueued
 * with the settle, and who may settle what.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { NewMessage } from '../types.js';
import { MINUTE, messageBytes, msg, readAll, recipient, states, T0, type WithBox } from './fixtures.js';

/** Registers the settle tests (inside the suite's `describe`). */
export function settleTests(withBox: WithBox): void {
  describe('settle', () => {
    test(
      'a deferral by the lease holder waits until nextAttemptMs, counts an attempt and keeps the reply',
      withBox(async (box) => {
        const id = await box.enqueue(msg(0, [{ destination: 'd' }]));
        await box.lease({ owner: 'n1', nowMs: T0, leaseMs: MINUTE, limit: 1 });
        const reply = { code: 451, enhanced: '4.3.0', text: 'try later' };
        const settlement = {
          id,
          owner: 'n1',
          outcomes: [
            {
              index: 0,
              state: 'waiting' as const,
              nextAttemptMs: T0 + 15 * MINUTE,
              attemptMs: T0 + 5,
              reply,
              remoteMta: 'mx.example.net',
            },
          ],
        };
        await box.settle(settlement);
        let r = await recipient(box, id, 0);
        assert.equal(r.state, 'waiting');
        assert.equal(r.attempts, 1);
        assert.equal(r.nextAttemptMs, T0 + 15 * MINUTE);
        assert.equal(r.lastAttemptMs, T0 + 5);
        assert.deepEqual(r.lastReply, reply);
        assert.equal(r.remoteMta, 'mx.example.net');
        assert.equal(r.leaseOwner, undefined);
        await box.settle(settlement);
        r = await recipient(box, id, 0);
        assert.equal(r.attempts, 1, 'a repeated settlement changes nothing');
        assert.deepEqual(
          await box.lease({ owner: 'n1', nowMs: T0 + 15 * MINUTE - 1, leaseMs: MINUTE, limit: 1 }),
          [],
        );
        assert.equal(
          (await box.lease({ owner: 'n1', nowMs: T0 + 15 * MINUTE, leaseMs: MINUTE, limit: 1 })).length,
          1,
        );
      }),
    );

    test(
      'a deferral from someone without the lease is ignored',
      withBox(async (box) => {
        const id = await box.enqueue(msg(0, [{ destination: 'd' }, { destination: 'e' }]));
        await box.lease({ owner: 'n1', nowMs: T0, leaseMs: MINUTE, limit: 10, destinations: ['d'] });
        await box.settle({
          id,
          owner: 'n2',
          outcomes: [
            { index: 0, state: 'waiting', nextAttemptMs: T0 + MINUTE, attemptMs: T0 },
            { index: 1, state: 'waiting', nextAttemptMs: T0 + MINUTE, attemptMs: T0 },
          ],
        });
        const m = await box.get(id);
        assert.deepEqual(states(m), ['in-flight', 'waiting']);
        assert.equal(m?.recipients[1]?.attempts, 0);
        assert.equal(m?.recipients[1]?.nextAttemptMs, T0);
      }),
    );

    test(
      'a final state never goes back, and a repeated final settlement is harmless',
      withBox(async (box) => {
        const id = await box.enqueue(msg(0, [{ destination: 'd' }, { destination: 'e' }]));
        await box.lease({ owner: 'n1', nowMs: T0, leaseMs: MINUTE, limit: 1, destinations: ['d'] });
        const done = {
          id,
          owner: 'n1',
          outcomes: [{ index: 0, state: 'delivered' as const, attemptMs: T0 + 1 }],
        };
        await box.settle(done);
        await box.settle(done);
        await box.settle({
          id,
          owner: 'n1',
          outcomes: [
            { index: 0, state: 'waiting', nextAttemptMs: T0, attemptMs: T0 + 2 },
            { index: 0, state: 'failed', attemptMs: T0 + 2 },
            { index: 0, state: 'held', attemptMs: T0 + 2 },
          ],
        });
        await box.hold(id);
        await box.reroute(id, 0, 'elsewhere', undefined, T0 + 3);
        const r = await recipient(box, id, 0);
        assert.equal(r.state, 'delivered');
        assert.equal(r.attempts, 1);
        assert.equal(r.destination, 'd');
        assert.deepEqual(states(await box.get(id)), ['delivered', 'held']);
      }),
    );

    test(
      'a final outcome is recorded whatever the state (waiting, held, dead, leased by another)',
      withBox(async (box) => {
        const id = await box.enqueue(
          msg(0, [
            { destination: 'd' },
            { destination: 'd', state: 'held' },
            { destination: 'd', state: 'dead' },
            { destination: 'e' },
            { destination: 'f' },
          ]),
        );
        await box.lease({ owner: 'n2', nowMs: T0, leaseMs: MINUTE, limit: 10, destinations: ['e'] });
        await box.settle({
          id,
          owner: 'n1',
          outcomes: [0, 1, 2, 3].map((index) => ({ index, state: 'failed' as const, attemptMs: T0 })),
        });
        assert.deepEqual(states(await box.get(id)), ['failed', 'failed', 'failed', 'failed', 'waiting']);
      }),
    );

    test(
      'countsAsAttempt false leaves attempts; delayReported sticks',
      withBox(async (box) => {
        const id = await box.enqueue(msg(0, [{ destination: 'd' }]));
        await box.lease({ owner: 'n1', nowMs: T0, leaseMs: MINUTE, limit: 1 });
        await box.settle({
          id,
          owner: 'n1',
          outcomes: [
            {
              index: 0,
              state: 'waiting',
              nextAttemptMs: T0,
              attemptMs: T0,
              countsAsAttempt: false,
              delayReported: true,
            },
          ],
        });
        let r = await recipient(box, id, 0);
        assert.equal(r.attempts, 0);
        assert.equal(r.delayReported, true);
        await box.lease({ owner: 'n1', nowMs: T0, leaseMs: MINUTE, limit: 1 });
        await box.settle({
          id,
          owner: 'n1',
          outcomes: [{ index: 0, state: 'waiting', nextAttemptMs: T0, attemptMs: T0 + 1 }],
        });
        r = await recipient(box, id, 0);
        assert.equal(r.attempts, 1);
        assert.equal(r.delayReported, true);
      }),
    );

    test(
      'held and dead outcomes are kept for the operator; not from someone else’s lease',
      withBox(async (box) => {
        const id = await box.enqueue(msg(0, [{ destination: 'd' }, { destination: 'e' }]));
        await box.lease({ owner: 'n1', nowMs: T0, leaseMs: MINUTE, limit: 10 });
        await box.settle({ id, owner: 'n2', outcomes: [{ index: 0, state: 'held', attemptMs: T0 }] });
        assert.deepEqual(states(await box.get(id)), ['in-flight', 'in-flight']);
        await box.settle({
          id,
          owner: 'n1',
          outcomes: [
            { index: 0, state: 'held', attemptMs: T0, countsAsAttempt: false },
            { index: 1, state: 'dead', attemptMs: T0 },
          ],
        });
        assert.deepEqual(states(await box.get(id)), ['held', 'dead']);
        assert.deepEqual(
          await box.lease({ owner: 'n1', nowMs: T0 + MINUTE, leaseMs: MINUTE, limit: 10 }),
          [],
        );
      }),
    );

    test(
      'when every recipient is final the message and its body leave the store',
      withBox(async (box) => {
        const id = await box.enqueue(msg(0, [{ destination: 'd' }, { destination: 'e' }]));
        const keep = await box.enqueue(msg(1, [{ destination: 'd' }]));
        await box.settle({ id, owner: 'n1', outcomes: [{ index: 0, state: 'delivered', attemptMs: T0 }] });
        assert.ok(await box.get(id));
        await box.settle({ id, owner: 'n1', outcomes: [{ index: 1, state: 'failed', attemptMs: T0 }] });
        assert.equal(await box.get(id), undefined);
        await assert.rejects(readAll(box.openBody(id)), { code: 'MAILBOX_NOT_FOUND' });
        assert.deepEqual(
          (await box.list()).map((m) => m.id),
          [keep],
        );
        assert.equal((await box.counts()).messages, 1);
        await box.settle({ id, owner: 'n1', outcomes: [{ index: 1, state: 'failed', attemptMs: T0 }] });
      }),
    );

    test(
      'reports are enqueued with the settlement, once, even when the settlement is repeated',
      withBox(async (box) => {
        const id = await box.enqueue(msg(0, [{ destination: 'd' }, { destination: 'd' }]));
        await box.lease({ owner: 'n1', nowMs: T0, leaseMs: MINUTE, limit: 1 });
        const report = (key: string): NewMessage =>
          msg(`report ${key}`, [{ destination: 'local', address: 'a@example.com' }], {
            envelope: { mailFrom: '', isReport: true },
            idempotencyKey: key,
          });
        const settlement = {
          id,
          owner: 'n1',
          outcomes: [
            {
              index: 0,
              state: 'failed' as const,
              attemptMs: T0,
              reply: { code: 550, text: 'no such user' },
            },
            { index: 1, state: 'failed' as const, attemptMs: T0 },
          ],
          reports: [report(`dsn:${id}:0`), report(`dsn:${id}:1`)],
        };
        await box.settle(settlement);
        assert.equal(await box.get(id), undefined);
        const reports = await box.list({ destination: 'local' });
        assert.equal(reports.length, 2);
        assert.ok(reports.every((r) => r.envelope.isReport === true && r.envelope.mailFrom === ''));
        assert.deepEqual(
          (await readAll(box.openBody(reports[0]!.id))).toString(),
          Buffer.from(messageBytes(`report dsn:${id}:0`)).toString(),
        );
        await box.settle(settlement);
        assert.equal((await box.list()).length, 2, 'the repeated settlement made no second report');
      }),
    );

    test(
      'a settlement that is wrong changes nothing (MAILBOX_INVALID)',
      withBox(async (box) => {
        const id = await box.enqueue(msg(0, [{ destination: 'd' }]));
        await assert.rejects(
          box.settle({
            id,
            owner: 'n1',
            outcomes: [
              { index: 0, state: 'delivered', attemptMs: T0 },
              { index: 5, state: 'delivered', attemptMs: T0 },
            ],
          }),
          { code: 'MAILBOX_INVALID' },
        );
        await assert.rejects(
          box.settle({ id, owner: 'n1', outcomes: [{ index: 0, state: 'waiting', attemptMs: T0 }] }),
          { code: 'MAILBOX_INVALID' },
        );
        assert.deepEqual(states(await box.get(id)), ['waiting']);
      }),
    );
  });
}
