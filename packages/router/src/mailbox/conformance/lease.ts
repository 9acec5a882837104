/**
 * The lease tests of the MailBox conformance suite: which recipients are due, in what order and
 * grouping, filters and limits, concurrent leases and taking over an expired lease.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MINUTE, msg, recipient, states, T0, type WithBox } from './fixtures.js';

/** Registers the lease tests (inside the suite's `describe`). */
export function leaseTests(withBox: WithBox): void {
  describe('lease', () => {
    test(
      'leases due recipients per (message, destination), in queue-id order, marking them in-flight',
      withBox(async (box) => {
        const a = await box.enqueue(
          msg('a', [
            { destination: 'x.example' },
            { destination: 'y.example' },
            { destination: 'x.example' },
          ]),
        );
        const b = await box.enqueue(msg('b', [{ destination: 'y.example' }]));
        const leased = await box.lease({ owner: 'n1', nowMs: T0 + 1, leaseMs: MINUTE, limit: 10 });
        assert.deepEqual(
          leased.map((l) => [l.message.id, l.destination, l.recipients.map((r) => r.index)]),
          [
            [a, 'x.example', [0, 2]],
            [a, 'y.example', [1]],
            [b, 'y.example', [0]],
          ],
        );
        for (const l of leased) {
          assert.equal(l.leaseExpiresMs, T0 + 1 + MINUTE);
          for (const r of l.recipients) {
            assert.equal(r.state, 'in-flight');
            assert.equal(r.leaseOwner, 'n1');
            assert.equal(r.leaseExpiresMs, T0 + 1 + MINUTE);
          }
        }
        const r = await recipient(box, a, 1);
        assert.equal(r.state, 'in-flight');
        assert.equal(r.leaseOwner, 'n1');
        assert.deepEqual(await box.lease({ owner: 'n1', nowMs: T0 + 2, leaseMs: MINUTE, limit: 10 }), []);
      }),
    );

    test(
      'honours destinations, excludeDestinations and limit',
      withBox(async (box) => {
        for (let i = 0; i < 4; i++)
          await box.enqueue(msg(i, [{ destination: 'x' }, { destination: 'y' }, { destination: 'z' }]));
        const now = T0 + 1;
        const onlyY = await box.lease({
          owner: 'n1',
          nowMs: now,
          leaseMs: MINUTE,
          limit: 2,
          destinations: ['y'],
        });
        assert.deepEqual(
          onlyY.map((l) => l.destination),
          ['y', 'y'],
        );
        const notX = await box.lease({
          owner: 'n1',
          nowMs: now,
          leaseMs: MINUTE,
          limit: 100,
          excludeDestinations: ['x'],
        });
        assert.deepEqual(notX.map((l) => l.destination).sort(), ['y', 'y', 'z', 'z', 'z', 'z']);
        const rest = await box.lease({ owner: 'n1', nowMs: now, leaseMs: MINUTE, limit: 3 });
        assert.equal(rest.length, 3);
        assert.ok(rest.every((l) => l.destination === 'x'));
        assert.equal((await box.lease({ owner: 'n1', nowMs: now, leaseMs: MINUTE, limit: 3 })).length, 1);
        assert.deepEqual(await box.lease({ owner: 'n1', nowMs: now, leaseMs: MINUTE, limit: 0 }), []);
      }),
    );

    test(
      'a recipient is not due before its nextAttemptMs',
      withBox(async (box) => {
        const id = await box.enqueue(msg(0, [{ destination: 'd' }], { arrivalMs: T0 + 10 * MINUTE }));
        assert.deepEqual(await box.lease({ owner: 'n1', nowMs: T0, leaseMs: MINUTE, limit: 10 }), []);
        const [l] = await box.lease({ owner: 'n1', nowMs: T0 + 10 * MINUTE, leaseMs: MINUTE, limit: 10 });
        assert.equal(l?.message.id, id);
      }),
    );

    test(
      'work that falls due after an empty lease is found (new, released, rerouted, deferred, expired)',
      withBox(async (box) => {
        const later = await box.enqueue(msg(0, [{ destination: 'd' }], { arrivalMs: T0 + 60 * MINUTE }));
        const lease = (nowMs: number) => box.lease({ owner: 'n1', nowMs, leaseMs: MINUTE, limit: 10 });
        assert.deepEqual(await lease(T0), []);
        const fresh = await box.enqueue(msg(1, [{ destination: 'd' }]));
        assert.deepEqual(
          (await lease(T0)).map((l) => l.message.id),
          [fresh],
        );
        const held = await box.enqueue(msg(2, [{ destination: 'd', state: 'held' }]));
        assert.deepEqual(await lease(T0 + 1), []);
        await box.release(held, T0 + 1);
        assert.deepEqual(
          (await lease(T0 + 1)).map((l) => l.message.id),
          [held],
        );
        await box.settle({
          id: held,
          owner: 'n1',
          outcomes: [{ index: 0, state: 'waiting', nextAttemptMs: T0 + 5, attemptMs: T0 + 2 }],
        });
        assert.deepEqual(await lease(T0 + 4), []);
        assert.deepEqual(
          (await lease(T0 + 5)).map((l) => l.message.id),
          [held],
        );
        await box.reroute(later, 0, 'e', undefined, T0 + 6);
        assert.deepEqual(
          (await lease(T0 + 6)).map((l) => l.message.id),
          [later],
        );
        // Everything is in flight now; the first lease (of `fresh`) ends at T0 + 1 minute.
        assert.deepEqual(await lease(T0 + MINUTE - 1), []);
        assert.deepEqual(
          (await lease(T0 + MINUTE)).map((l) => l.message.id),
          [fresh],
        );
      }),
    );

    test(
      'concurrent lease calls never lease a recipient twice',
      withBox(async (box) => {
        for (let i = 0; i < 30; i++)
          await box.enqueue(msg(i, [{ destination: `d${i % 3}` }, { destination: 'e' }]));
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            box.lease({ owner: `n${i}`, nowMs: T0 + 1, leaseMs: MINUTE, limit: 7 }),
          ),
        );
        const seen = new Set<string>();
        for (const units of results)
          for (const l of units)
            for (const r of l.recipients) {
              const key = `${l.message.id}/${r.index}`;
              assert.ok(!seen.has(key), `${key} leased twice`);
              seen.add(key);
            }
        assert.equal(seen.size, 56, 'eight leases of seven units take 56 of the 60 recipients');
      }),
    );

    test(
      'an expired lease is taken over; the old holder can no longer defer, but a final outcome counts',
      withBox(async (box) => {
        const id = await box.enqueue(msg(0, [{ destination: 'd' }, { destination: 'd' }]));
        await box.lease({ owner: 'n1', nowMs: T0, leaseMs: 1000, limit: 10 });
        assert.deepEqual(await box.lease({ owner: 'n2', nowMs: T0 + 999, leaseMs: 1000, limit: 10 }), []);
        const [taken] = await box.lease({ owner: 'n2', nowMs: T0 + 1000, leaseMs: 1000, limit: 10 });
        assert.ok(taken);
        assert.deepEqual(
          taken.recipients.map((r) => [r.index, r.leaseOwner]),
          [
            [0, 'n2'],
            [1, 'n2'],
          ],
        );
        await box.settle({
          id,
          owner: 'n1',
          outcomes: [
            { index: 0, state: 'waiting', nextAttemptMs: T0 + MINUTE, attemptMs: T0 + 1001 },
            { index: 1, state: 'transferred', attemptMs: T0 + 1001 },
          ],
        });
        const m = await box.get(id);
        assert.deepEqual(states(m), ['in-flight', 'transferred']);
        assert.equal(m?.recipients[0]?.leaseOwner, 'n2');
        assert.equal(m?.recipients[0]?.attempts, 0, 'the ignored deferral counted no attempt');
      }),
    );
  });
}
