/**
 * The enqueue tests of the MailBox conformance suite: what is stored, streamed bodies, atomicity,
 * starting states and idempotency keys.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  chunked,
  MINUTE,
  messageBytes,
  msg,
  readAll,
  recipient,
  states,
  T0,
  type WithBox,
} from './fixtures.js';

/** Registers the enqueue tests (inside the suite's `describe`). */
export function enqueueTests(withBox: WithBox): void {
  describe('enqueue', () => {
    test(
      'stores the envelope, recipients and body; ids are letters and digits, in arrival order',
      withBox(async (box) => {
        const id1 = await box.enqueue(
          msg(
            1,
            [{ destination: 'example.net', orcpt: 'rfc822;x@example.net', notify: ['FAILURE', 'DELAY'] }],
            {
              envelope: { mailFrom: '', envid: 'E1', ret: 'HDRS', body: '8BITMIME', isReport: true },
              messageId: '<1@example.com>',
            },
          ),
        );
        const id2 = await box.enqueue(msg(2, [{ destination: 'local', route: { mailFile: 'mail/jd.nsf' } }]));
        assert.match(id1, /^[A-Za-z0-9]+$/);
        assert.notEqual(id1, id2);
        assert.ok(id1 < id2, 'queue ids sort in arrival order');
        const m = await box.get(id1);
        assert.ok(m);
        assert.equal(m.id, id1);
        assert.deepEqual(m.envelope, {
          mailFrom: '',
          envid: 'E1',
          ret: 'HDRS',
          body: '8BITMIME',
          isReport: true,
        });
        assert.equal(m.arrivalMs, T0);
        assert.equal(m.messageId, '<1@example.com>');
        assert.equal(m.sizeBytes, messageBytes(1).length);
        assert.equal(m.recipients.length, 1);
        const r = m.recipients[0]!;
        assert.equal(r.index, 0);
        assert.equal(r.address, 'r0@example.net');
        assert.equal(r.orcpt, 'rfc822;x@example.net');
        assert.deepEqual(r.notify, ['FAILURE', 'DELAY']);
        assert.equal(r.destination, 'example.net');
        assert.equal(r.state, 'waiting');
        assert.equal(r.attempts, 0);
        assert.ok(r.nextAttemptMs <= T0, 'a new recipient is due at once');
        assert.deepEqual((await recipient(box, id2, 0)).route, { mailFile: 'mail/jd.nsf' });
        assert.deepEqual(await readAll(box.openBody(id1)), Buffer.from(messageBytes(1)));
      }),
    );

    test(
      'takes the body as a stream of chunks and stores it byte for byte',
      withBox(async (box) => {
        const bytes = new Uint8Array(300_001);
        for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + 13) & 0xff;
        const id = await box.enqueue(msg(0, [{ destination: 'd' }], { body: chunked(bytes, 4096) }));
        assert.equal((await box.get(id))?.sizeBytes, bytes.length);
        assert.deepEqual(await readAll(box.openBody(id)), Buffer.from(bytes));
        const empty = await box.enqueue(msg(0, [{ destination: 'd' }], { body: new Uint8Array(0) }));
        assert.equal((await box.get(empty))?.sizeBytes, 0);
        assert.equal((await readAll(box.openBody(empty))).length, 0);
      }),
    );

    test(
      'stores one body and a state per recipient (1,000 recipients)',
      withBox(async (box) => {
        const rcpts = Array.from({ length: 1000 }, (_, i) => ({ destination: `d${i % 7}` }));
        const id = await box.enqueue(msg(0, rcpts));
        const m = await box.get(id);
        assert.ok(m);
        assert.equal(m.recipients.length, 1000);
        assert.deepEqual(
          m.recipients.map((r) => r.index),
          rcpts.map((_, i) => i),
        );
        const c = await box.counts();
        assert.equal(c.messages, 1);
        assert.equal(c.recipients.waiting, 1000);
        assert.equal(c.destinations.length, 7);
      }),
    );

    test(
      'is atomic: a body stream that fails stores nothing',
      withBox(async (box) => {
        async function* broken(): AsyncGenerator<Uint8Array> {
          yield messageBytes(1);
          throw new Error('connection reset');
        }
        await assert.rejects(box.enqueue(msg(0, [{ destination: 'd' }], { body: broken() })));
        assert.equal((await box.counts()).messages, 0);
        assert.deepEqual(await box.list(), []);
      }),
    );

    test(
      'refuses a message without recipients with MAILBOX_INVALID',
      withBox(async (box) => {
        await assert.rejects(box.enqueue(msg(0, [])), { code: 'MAILBOX_INVALID' });
        assert.equal((await box.counts()).messages, 0);
      }),
    );

    test(
      'starts recipients held or dead when asked; those are not due',
      withBox(async (box) => {
        const id = await box.enqueue(
          msg(0, [
            { destination: 'd', state: 'held' },
            { destination: 'd', state: 'dead' },
          ]),
        );
        assert.deepEqual(states(await box.get(id)), ['held', 'dead']);
        assert.deepEqual(
          await box.lease({ owner: 'n1', nowMs: T0 + MINUTE, leaseMs: MINUTE, limit: 10 }),
          [],
        );
      }),
    );

    test(
      'an idempotency key makes a repeated enqueue return the first id and store nothing',
      withBox(async (box) => {
        const id = await box.enqueue(msg(1, [{ destination: 'd' }], { idempotencyKey: 'report:X:0' }));
        let read = false;
        async function* second(): AsyncGenerator<Uint8Array> {
          read = true;
          yield messageBytes(2);
        }
        const again = await box.enqueue(
          msg(2, [{ destination: 'd' }], { idempotencyKey: 'report:X:0', body: second() }),
        );
        assert.equal(again, id);
        assert.equal((await box.counts()).messages, 1);
        assert.deepEqual(await readAll(box.openBody(id)), Buffer.from(messageBytes(1)));
        assert.equal(read, false, 'the second body is not even read');
        const concurrent = await Promise.all(
          Array.from({ length: 5 }, (_, i) =>
            box.enqueue(
              msg(i, [{ destination: 'd' }], { idempotencyKey: 'same', body: chunked(messageBytes(i), 3) }),
            ),
          ),
        );
        assert.equal(new Set(concurrent).size, 1, 'concurrent enqueues with one key give one message');
        assert.equal((await box.counts()).messages, 2);
      }),
    );

    test(
      'an idempotency key is remembered after its message left the store',
      withBox(async (box) => {
        const id = await box.enqueue(msg(1, [{ destination: 'd' }], { idempotencyKey: 'k1' }));
        await box.settle({ id, owner: 'n1', outcomes: [{ index: 0, state: 'delivered', attemptMs: T0 }] });
        assert.equal(await box.get(id), undefined);
        assert.equal(await box.enqueue(msg(1, [{ destination: 'd' }], { idempotencyKey: 'k1' })), id);
        assert.equal((await box.counts()).messages, 0);
      }),
    );
  });
}
