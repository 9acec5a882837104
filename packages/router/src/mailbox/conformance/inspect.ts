/**
 * The inspect tests of the MailBox conformance suite: get, list, counts and the copies they return.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { QueueId } from '../types.js';
import { MINUTE, msg, readAll, recipient, T0, type WithBox } from './fixtures.js';

/** Registers the inspect tests (inside the suite's `describe`). */
export function inspectTests(withBox: WithBox): void {
  describe('inspect', () => {
    test(
      'list filters by state, destination and arrival, and pages with after/limit in id order',
      withBox(async (box) => {
        const ids: QueueId[] = [];
        for (let i = 0; i < 25; i++)
          ids.push(
            await box.enqueue(
              msg(
                i,
                [
                  { destination: i % 2 ? 'odd' : 'even' },
                  { destination: 'all', state: i % 5 === 0 ? 'held' : 'waiting' },
                ],
                {
                  arrivalMs: T0 + i * MINUTE,
                },
              ),
            ),
          );
        assert.equal((await box.list()).length, 25);
        const pages: QueueId[] = [];
        let after: QueueId | undefined;
        for (;;) {
          const page = await box.list({ limit: 10, after });
          assert.ok(page.length <= 10);
          if (page.length === 0) break;
          pages.push(...page.map((m) => m.id));
          after = page[page.length - 1]!.id;
        }
        assert.deepEqual(pages, ids);
        assert.deepEqual(
          (await box.list({ destination: 'odd' })).map((m) => m.id),
          ids.filter((_, i) => i % 2 === 1),
        );
        assert.deepEqual(
          (await box.list({ state: 'held' })).map((m) => m.id),
          ids.filter((_, i) => i % 5 === 0),
        );
        assert.deepEqual(
          await box.list({ state: 'held', destination: 'odd' }),
          [],
          'one recipient matches both',
        );
        assert.deepEqual(
          (await box.list({ arrivedBeforeMs: T0 + 3 * MINUTE })).map((m) => m.id),
          ids.slice(0, 3),
        );
        assert.deepEqual(
          (await box.list({ destination: 'even', after: ids[10], limit: 2 })).map((m) => m.id),
          [ids[12], ids[14]],
        );
        await assert.rejects(box.list({ limit: 0 }), { code: 'MAILBOX_INVALID' });
      }),
    );

    test(
      'counts by state and destination, with the earliest next attempt',
      withBox(async (box) => {
        const a = await box.enqueue(
          msg(0, [{ destination: 'x' }, { destination: 'y' }, { destination: 'y', state: 'held' }]),
        );
        await box.enqueue(msg(1, [{ destination: 'x' }], { arrivalMs: T0 + 7 }));
        await box.lease({ owner: 'n1', nowMs: T0, leaseMs: MINUTE, limit: 10, destinations: ['y'] });
        await box.settle({
          id: a,
          owner: 'n1',
          outcomes: [{ index: 1, state: 'waiting', nextAttemptMs: T0 + 99, attemptMs: T0 }],
        });
        await box.lease({ owner: 'n1', nowMs: T0, leaseMs: MINUTE, limit: 1, destinations: ['x'] });
        await box.settle({
          id: a,
          owner: 'n1',
          outcomes: [{ index: 0, state: 'transferred', attemptMs: T0 }],
        });
        const c = await box.counts();
        assert.equal(c.messages, 2);
        assert.deepEqual(c.recipients, {
          waiting: 2,
          'in-flight': 0,
          delivered: 0,
          transferred: 1,
          failed: 0,
          held: 1,
          dead: 0,
        });
        assert.deepEqual(c.destinations, [
          { destination: 'x', waiting: 1, inFlight: 0, nextAttemptMs: T0 + 7 },
          { destination: 'y', waiting: 1, inFlight: 0, nextAttemptMs: T0 + 99 },
        ]);
        await box.lease({ owner: 'n1', nowMs: T0 + 100, leaseMs: MINUTE, limit: 10, destinations: ['y'] });
        assert.deepEqual((await box.counts()).destinations[1], {
          destination: 'y',
          waiting: 0,
          inFlight: 1,
        });
      }),
    );

    test(
      'openBody is readable any number of times, also at once',
      withBox(async (box) => {
        const bytes = Buffer.alloc(200_000, 'x');
        const id = await box.enqueue(msg(0, [{ destination: 'd' }], { body: bytes }));
        const reads = await Promise.all([
          readAll(box.openBody(id)),
          readAll(box.openBody(id)),
          readAll(box.openBody(id)),
        ]);
        for (const r of reads) assert.deepEqual(r, bytes);
        assert.deepEqual(await readAll(box.openBody(id)), bytes);
        await assert.rejects(readAll(box.openBody('NOSUCHID')), { code: 'MAILBOX_NOT_FOUND' });
      }),
    );

    test(
      'a returned message is a copy: changing it changes nothing in the store',
      withBox(async (box) => {
        const id = await box.enqueue(msg(0, [{ destination: 'd', route: { a: 1 } }]));
        const m = (await box.get(id)) as unknown as {
          recipients: { state: string; destination: string }[];
        };
        m.recipients[0]!.state = 'delivered';
        m.recipients[0]!.destination = 'changed';
        const again = await recipient(box, id, 0);
        assert.equal(again.state, 'waiting');
        assert.equal(again.destination, 'd');
      }),
    );
  });
}
