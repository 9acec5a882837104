/**
 * The operator-action tests of the MailBox conformance suite: hold, release, reroute and remove.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MINUTE, msg, readAll, recipient, states, T0, type WithBox } from './fixtures.js';

/** Registers the operator actions tests (inside the suite's `describe`). */
export function operatorActionTests(withBox: WithBox): void {
  describe('operator actions', () => {
    test(
      'hold and release',
      withBox(async (box) => {
        const id = await box.enqueue(
          msg(0, [{ destination: 'd' }, { destination: 'd' }, { destination: 'e' }]),
        );
        await box.lease({ owner: 'n1', nowMs: T0, leaseMs: 10 * MINUTE, limit: 10, destinations: ['e'] });
        await box.hold(id, [0]);
        assert.deepEqual(states(await box.get(id)), ['held', 'waiting', 'in-flight']);
        await box.hold(id);
        await box.hold(id);
        assert.deepEqual(states(await box.get(id)), ['held', 'held', 'in-flight'], 'in-flight is left alone');
        assert.deepEqual(
          await box.lease({ owner: 'n1', nowMs: T0 + MINUTE, leaseMs: MINUTE, limit: 10 }),
          [],
        );
        await box.release(id, T0 + 5 * MINUTE, [1]);
        const r = await recipient(box, id, 1);
        assert.equal(r.state, 'waiting');
        assert.equal(r.nextAttemptMs, T0 + 5 * MINUTE);
        await box.release(id, T0 + 5 * MINUTE);
        assert.deepEqual(states(await box.get(id)), ['waiting', 'waiting', 'in-flight']);
        await assert.rejects(box.hold('NOSUCHID'), { code: 'MAILBOX_NOT_FOUND' });
        await assert.rejects(box.hold(id, [9]), { code: 'MAILBOX_NOT_FOUND' });
        await assert.rejects(box.release('NOSUCHID', T0), { code: 'MAILBOX_NOT_FOUND' });
      }),
    );

    test(
      'release makes dead recipients waiting',
      withBox(async (box) => {
        const id = await box.enqueue(msg(0, [{ destination: 'd', state: 'dead' }]));
        await box.release(id, T0 + 1);
        assert.deepEqual(states(await box.get(id)), ['waiting']);
        assert.equal((await box.lease({ owner: 'n', nowMs: T0 + 1, leaseMs: 1, limit: 1 })).length, 1);
      }),
    );

    test(
      'reroute moves a recipient to another destination and route, due now; not one in flight',
      withBox(async (box) => {
        const id = await box.enqueue(
          msg(0, [
            { destination: 'old', route: { hop: 'a' } },
            { destination: 'old', state: 'held' },
            { destination: 'x' },
          ]),
        );
        await box.reroute(id, 0, 'new', { hop: 'b' }, T0 + MINUTE);
        let r = await recipient(box, id, 0);
        assert.equal(r.destination, 'new');
        assert.deepEqual(r.route, { hop: 'b' });
        assert.equal(r.state, 'waiting');
        assert.equal(r.nextAttemptMs, T0 + MINUTE);
        await box.reroute(id, 1, 'new', undefined, T0 + MINUTE);
        r = await recipient(box, id, 1);
        assert.equal(r.state, 'waiting');
        assert.equal(r.route, undefined);
        await box.lease({ owner: 'n1', nowMs: T0, leaseMs: MINUTE, limit: 10, destinations: ['x'] });
        await assert.rejects(box.reroute(id, 2, 'new', undefined, T0), { code: 'MAILBOX_IN_FLIGHT' });
        await assert.rejects(box.reroute(id, 7, 'new', undefined, T0), { code: 'MAILBOX_NOT_FOUND' });
        const leased = await box.lease({
          owner: 'n1',
          nowMs: T0 + MINUTE,
          leaseMs: MINUTE,
          limit: 10,
          destinations: ['new'],
        });
        assert.deepEqual(
          leased.map((l) => [l.destination, l.recipients.map((x) => x.index)]),
          [['new', [0, 1]]],
        );
      }),
    );

    test(
      'remove deletes a message and its body whatever its states; again is harmless',
      withBox(async (box) => {
        const id = await box.enqueue(msg(0, [{ destination: 'd' }, { destination: 'e', state: 'held' }]));
        await box.lease({ owner: 'n1', nowMs: T0, leaseMs: MINUTE, limit: 10 });
        await box.remove(id);
        assert.equal(await box.get(id), undefined);
        await assert.rejects(readAll(box.openBody(id)), { code: 'MAILBOX_NOT_FOUND' });
        assert.deepEqual(
          await box.lease({ owner: 'n1', nowMs: T0 + 2 * MINUTE, leaseMs: MINUTE, limit: 10 }),
          [],
        );
        await box.remove(id);
        await box.settle({ id, owner: 'n1', outcomes: [{ index: 0, state: 'delivered', attemptMs: T0 }] });
        assert.equal((await box.counts()).messages, 0);
      }),
    );
  });
}
