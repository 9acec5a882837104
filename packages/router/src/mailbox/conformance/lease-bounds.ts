/**
 * The per-destination bounds of a lease in the MailBox conformance suite: `perDestinationLimit`
 * and `destinationRoom` cap the units one call takes per destination while `limit` is filled from
 * the others, a room of 0 leaves a destination out, and bad bounds are refused.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LeasedMessage, LeaseRequest, MailBox } from '../types.js';
import { MINUTE, msg, T0, type WithBox } from './fixtures.js';

const NOW = T0 + 1;

function lease(box: MailBox, extra: Partial<LeaseRequest>): Promise<LeasedMessage[]> {
  return box.lease({ owner: 'n1', nowMs: NOW, leaseMs: MINUTE, limit: 100, ...extra });
}

/** Units per destination, sorted by destination name. */
function perDestination(units: readonly LeasedMessage[]): Record<string, number> {
  const n = new Map<string, number>();
  for (const u of units) n.set(u.destination, (n.get(u.destination) ?? 0) + 1);
  return Object.fromEntries([...n].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Registers the lease-bound tests (inside the suite's `describe`). */
export function leaseBoundTests(withBox: WithBox): void {
  describe('lease bounds per destination', () => {
    test(
      'perDestinationLimit takes at most that many units of a destination and fills limit from the others',
      withBox(async (box) => {
        // The hot destination's backlog comes first in queue-id order; its first message has two
        // recipients there, which are one unit.
        const hot = [await box.enqueue(msg('h0', [{ destination: 'hot' }, { destination: 'hot' }]))];
        for (let i = 1; i < 6; i++) hot.push(await box.enqueue(msg(`h${i}`, [{ destination: 'hot' }])));
        const a1 = await box.enqueue(msg('a1', [{ destination: 'a' }]));
        const b1 = await box.enqueue(msg('b1', [{ destination: 'b' }]));
        const a2 = await box.enqueue(msg('a2', [{ destination: 'a' }]));
        const b2 = await box.enqueue(msg('b2', [{ destination: 'b' }]));
        const first = await lease(box, { limit: 5, perDestinationLimit: 2 });
        assert.deepEqual(
          first.map((u) => [u.message.id, u.destination]),
          [
            [hot[0], 'hot'],
            [hot[1], 'hot'],
            [a1, 'a'],
            [b1, 'b'],
            [a2, 'a'],
          ],
          'earliest due first, two of hot, the rest from the others',
        );
        assert.deepEqual(
          first[0]?.recipients.map((r) => r.index),
          [0, 1],
        );
        // What the bound left is still waiting: the next lease takes it, earliest due first.
        const second = await lease(box, { limit: 5, perDestinationLimit: 2 });
        assert.deepEqual(
          second.map((u) => [u.message.id, u.destination]),
          [
            [hot[2], 'hot'],
            [hot[3], 'hot'],
            [b2, 'b'],
          ],
        );
        assert.deepEqual(
          (await lease(box, {})).map((u) => u.message.id),
          [hot[4], hot[5]],
        );
      }),
    );

    test(
      'a long backlog of one destination ahead of the others does not hide them',
      withBox(async (box) => {
        for (let i = 0; i < 40; i++) await box.enqueue(msg(`h${i}`, [{ destination: 'hot' }]));
        const a = await box.enqueue(msg('a', [{ destination: 'a' }]));
        const b = await box.enqueue(msg('b', [{ destination: 'b' }]));
        const units = await lease(box, { limit: 3, perDestinationLimit: 1 });
        assert.deepEqual(
          units.map((u) => u.destination),
          ['hot', 'a', 'b'],
        );
        assert.deepEqual(
          units.slice(1).map((u) => u.message.id),
          [a, b],
        );
      }),
    );

    test(
      'destinationRoom overrides perDestinationLimit; a room of 0 leaves the destination out',
      withBox(async (box) => {
        for (let i = 0; i < 4; i++)
          await box.enqueue(
            msg(i, [{ destination: 'hot' }, { destination: 'cold' }, { destination: 'warm' }]),
          );
        // A destination named like an Object.prototype member has no room of its own.
        for (let i = 0; i < 3; i++) await box.enqueue(msg(`c${i}`, [{ destination: 'constructor' }]));
        assert.deepEqual(
          perDestination(await lease(box, { perDestinationLimit: 1, destinationRoom: { hot: 3, cold: 0 } })),
          { constructor: 1, hot: 3, warm: 1 },
        );
        // Room without a default bound: only the named destination is bounded.
        assert.deepEqual(perDestination(await lease(box, { destinationRoom: { warm: 1 } })), {
          cold: 4,
          constructor: 2,
          hot: 1,
          warm: 1,
        });
        assert.deepEqual(perDestination(await lease(box, {})), { warm: 2 });
      }),
    );

    test(
      'with perDestinationLimit 0 only destinations given room are taken, within destinations',
      withBox(async (box) => {
        for (let i = 0; i < 3; i++)
          await box.enqueue(msg(i, [{ destination: 'x' }, { destination: 'y' }, { destination: 'z' }]));
        assert.deepEqual(await lease(box, { perDestinationLimit: 0 }), []);
        assert.deepEqual(
          perDestination(await lease(box, { perDestinationLimit: 0, destinationRoom: { y: 2, z: 0 } })),
          { y: 2 },
        );
        assert.deepEqual(
          perDestination(
            await lease(box, {
              destinations: ['x', 'z'],
              perDestinationLimit: 0,
              destinationRoom: { x: 1, y: 5 },
            }),
          ),
          { x: 1 },
        );
        assert.deepEqual(perDestination(await lease(box, {})), { x: 2, y: 1, z: 3 });
      }),
    );

    test(
      'bounds that are not counts are refused with MAILBOX_INVALID and lease nothing',
      withBox(async (box) => {
        await box.enqueue(msg(0, [{ destination: 'd' }]));
        const bad: Partial<LeaseRequest>[] = [
          { perDestinationLimit: -1 },
          { perDestinationLimit: 1.5 },
          { perDestinationLimit: Number.NaN },
          { perDestinationLimit: Number.POSITIVE_INFINITY },
          { perDestinationLimit: '2' as unknown as number },
          { destinationRoom: { d: -1 } },
          { destinationRoom: { d: 0.5 } },
          { destinationRoom: { d: '1' as unknown as number } },
          { destinationRoom: null as unknown as Record<string, number> },
          { destinationRoom: [1] as unknown as Record<string, number> },
          { destinationRoom: 3 as unknown as Record<string, number> },
        ];
        for (const extra of bad)
          await assert.rejects(lease(box, extra), { code: 'MAILBOX_INVALID' }, JSON.stringify(extra));
        assert.equal((await lease(box, {})).length, 1, 'the refused calls leased nothing');
      }),
    );
  });
}
