/**
 * The MailBox conformance tests of what survives: reopen after close keeps everything (durable
 * stores only), and a large body streams in and out intact, within a memory bound when asked.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { seededRandomSource } from '@mailroute/envelope';
import {
  chunked,
  type MailBoxConformanceOptions,
  type MailBoxFixture,
  MINUTE,
  msg,
  readAll,
  T0,
  type WithBox,
  withoutLeases,
} from './fixtures.js';

/** Registers the durability and large-body tests (inside the suite's `describe`). */
export function durabilityTests(
  factory: () => Promise<MailBoxFixture>,
  withBox: WithBox,
  options: MailBoxConformanceOptions,
): void {
  const largeBodyBytes = options.largeBodyBytes ?? 50 * 1024 * 1024;

  describe('durability', () => {
    test('reopen after close keeps everything', async (t) => {
      const fixture = await factory();
      try {
        if (!fixture.reopen) {
          t.skip('the store is not durable');
          return;
        }
        let box = fixture.mailBox;
        const a = await box.enqueue(
          msg('a', [{ destination: 'x' }, { destination: 'y' }], { idempotencyKey: 'ka' }),
        );
        const b = await box.enqueue(
          msg('b', [{ destination: 'w', route: { n: 1 } }], {
            messageId: '<b@x>',
            body: chunked(Buffer.alloc(70_000, 'b'), 1000),
          }),
        );
        const c = await box.enqueue(msg('c', [{ destination: 'x' }], { idempotencyKey: 'kc' }));
        const d = await box.enqueue(msg('d', [{ destination: 'z' }, { destination: 'z' }]));
        await box.lease({ owner: 'n1', nowMs: T0, leaseMs: MINUTE, limit: 10, destinations: ['x', 'z'] });
        await box.settle({
          id: a,
          owner: 'n1',
          outcomes: [
            {
              index: 0,
              state: 'waiting',
              nextAttemptMs: T0 + MINUTE,
              attemptMs: T0,
              reply: { code: 421, text: 'busy' },
            },
          ],
        });
        await box.settle({
          id: c,
          owner: 'n1',
          outcomes: [{ index: 0, state: 'failed', attemptMs: T0 }],
          reports: [msg('report c', [{ destination: 'local' }], { idempotencyKey: 'dsn:c' })],
        });
        await box.settle({
          id: d,
          owner: 'n1',
          outcomes: [{ index: 0, state: 'delivered', attemptMs: T0 }],
        });
        await box.hold(a, [1]);
        await box.reroute(b, 0, 'x2', { n: 2 }, T0 + 1);
        const before = await box.list({ limit: 1000 });
        const bodies = new Map<string, Buffer>();
        for (const m of before) bodies.set(m.id, await readAll(box.openBody(m.id)));
        await box.close();
        box = await fixture.reopen();
        try {
          const after = await box.list({ limit: 1000 });
          assert.deepEqual(after.map(withoutLeases), before.map(withoutLeases));
          for (const m of after) assert.deepEqual(await readAll(box.openBody(m.id)), bodies.get(m.id));
          assert.equal(await box.get(c), undefined);
          assert.equal(await box.enqueue(msg('c', [{ destination: 'x' }], { idempotencyKey: 'kc' })), c);
          assert.equal(await box.enqueue(msg('a', [{ destination: 'x' }], { idempotencyKey: 'ka' })), a);
          const e = await box.enqueue(msg('e', [{ destination: 'x' }]));
          assert.ok(e > d, 'new ids sort after the old ones');
          // In-flight work of the closed store is leasable again once its lease has run out.
          const units = await box.lease({
            owner: 'n2',
            nowMs: T0 + 2 * MINUTE,
            leaseMs: MINUTE,
            limit: 100,
          });
          assert.ok(units.some((u) => u.message.id === d && u.recipients[0]?.index === 1));
        } finally {
          await box.close();
        }
      } finally {
        await fixture.mailBox.close().catch(() => {});
        await fixture.cleanup?.();
      }
    });
  });

  test(
    `a large body (${largeBodyBytes} bytes) streams in and out intact`,
    { skip: largeBodyBytes === 0 ? 'largeBodyBytes is 0' : false },
    withBox(async (box) => {
      const chunk = 64 * 1024;
      const rnd = seededRandomSource(50);
      const pattern = new Uint8Array(chunk);
      for (let i = 0; i < chunk; i++) pattern[i] = Math.floor(rnd() * 256);
      const hashIn = createHash('sha256');
      const rssBefore = process.memoryUsage().rss;
      let rssPeak = rssBefore;
      async function* source(): AsyncGenerator<Uint8Array> {
        for (let sent = 0, n = 0; sent < largeBodyBytes; n++) {
          const c = new Uint8Array(pattern.subarray(0, Math.min(chunk, largeBodyBytes - sent)));
          c[0] = n & 0xff; // every chunk differs
          hashIn.update(c);
          sent += c.length;
          if (n % 64 === 0) rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
          yield c;
        }
      }
      const id = await box.enqueue(msg(0, [{ destination: 'd' }], { body: source() }));
      assert.equal((await box.get(id))?.sizeBytes, largeBodyBytes);
      const hashOut = createHash('sha256');
      let n = 0;
      let size = 0;
      for await (const c of box.openBody(id)) {
        hashOut.update(c);
        size += c.length;
        if (n++ % 64 === 0) rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      }
      assert.equal(size, largeBodyBytes);
      assert.equal(hashOut.digest('hex'), hashIn.digest('hex'));
      if (options.largeBodyMaxGrowthBytes !== undefined)
        assert.ok(
          rssPeak - rssBefore <= options.largeBodyMaxGrowthBytes,
          `memory grew by ${rssPeak - rssBefore} bytes streaming ${largeBodyBytes} bytes`,
        );
      await box.remove(id);
    }),
  );
}
