import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryMailBox } from '../../src/index.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
async function text(body: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const c of body) parts.push(c);
  return Buffer.concat(parts).toString();
}

test('memory mail box: enqueue, lease, settle, drop', async () => {
  const box = createMemoryMailBox();
  const id = await box.enqueue({
    envelope: { mailFrom: 'a@example.com' },
    arrivalMs: 1000,
    recipients: [
      { address: 'b@example.net', destination: 'example.net' },
      { address: 'c@example.org', destination: 'example.org' },
    ],
    body: bytes('Subject: hi\r\n\r\nhello\r\n'),
  });
  assert.match(id, /^[A-Z0-9]+$/);
  assert.equal(await text(box.openBody(id)), 'Subject: hi\r\n\r\nhello\r\n');
  const leased = await box.lease({ owner: 'n1', nowMs: 2000, leaseMs: 60_000, limit: 10 });
  assert.deepEqual(
    leased.map((l) => l.destination),
    ['example.net', 'example.org'],
  );
  assert.deepEqual(await box.lease({ owner: 'n2', nowMs: 2000, leaseMs: 60_000, limit: 10 }), []);
  await box.settle({ id, owner: 'n1', outcomes: [{ index: 0, state: 'transferred', attemptMs: 2100 }] });
  assert.equal((await box.get(id))?.recipients[0]?.state, 'transferred');
  await box.settle({ id, owner: 'n1', outcomes: [{ index: 1, state: 'transferred', attemptMs: 2100 }] });
  assert.equal(await box.get(id), undefined);
  await box.close();
  await assert.rejects(box.counts(), { code: 'MAILBOX_CLOSED' });
});
