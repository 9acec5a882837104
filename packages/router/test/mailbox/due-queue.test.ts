import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandomSource } from '@mailroute/envelope';
import { type DueEntry, DueQueue } from '../../src/mailbox/due-queue.js';

test('the due queue pops by time, then by queue id (seeded random pushes and pops)', () => {
  const rnd = seededRandomSource(42);
  const q = new DueQueue();
  const model: DueEntry[] = [];
  const order = (a: DueEntry, b: DueEntry): number => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  for (let i = 0; i < 5000; i++) {
    if (rnd() < 0.6 || model.length === 0) {
      const e = { at: Math.floor(rnd() * 50), id: `ID${Math.floor(rnd() * 1000)}` };
      q.push(e);
      model.push(e);
    } else {
      model.sort(order);
      assert.deepEqual(q.pop(), model.shift());
    }
    assert.equal(q.size, model.length);
  }
  model.sort(order);
  while (model.length > 0) assert.deepEqual(q.pop(), model.shift());
  assert.equal(q.pop(), undefined);
});
