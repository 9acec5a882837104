import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DueIndex, type Indexed } from '../../src/mailbox/due-index.js';

function setup(entries: Record<string, Record<string, number>>) {
  const index = new DueIndex();
  const records = new Map<string, Indexed>();
  for (const [id, dues] of Object.entries(entries)) {
    const r: Indexed = { id };
    records.set(id, r);
    index.set(r, new Map(Object.entries(dues)));
  }
  const lookup = (id: string) => records.get(id);
  const drain = (nowMs: number, filter: Parameters<DueIndex['popDue']>[1] = {}) => {
    const out: string[] = [];
    for (let hit = index.popDue(nowMs, filter, lookup); hit; hit = index.popDue(nowMs, filter, lookup))
      out.push(`${hit.record.id}@${hit.destination}`);
    return out;
  };
  return { index, records, drain };
}

describe('DueIndex: one due queue per destination', () => {
  it('pops due entries by time then id across destinations, never one not yet due', () => {
    const { drain } = setup({
      A: { relay: 30 },
      B: { relay: 10, 'mx:b.example': 20 },
      C: { local: 10 },
      D: { relay: 100 },
    });
    assert.deepEqual(drain(50), ['B@relay', 'C@local', 'B@mx:b.example', 'A@relay']);
  });

  it('takes only the destinations asked for, and never the excluded ones', () => {
    const { drain } = setup({ A: { relay: 1 }, B: { local: 2 }, C: { relay: 3, local: 4 } });
    assert.deepEqual(drain(10, { only: new Set(['local']) }), ['B@local', 'C@local']);
    assert.deepEqual(drain(10, { never: new Set(['relay']) }), []);
    assert.deepEqual(drain(10, {}), ['A@relay', 'C@relay']);
  });

  it('skips entries made stale by a change or by the message leaving', () => {
    const { index, records, drain } = setup({ A: { relay: 5 }, B: { relay: 6 }, C: { relay: 7 } });
    index.set(records.get('A')!, new Map([['relay', 50]])); // deferred
    index.forget(records.get('B')!); // left the store
    records.delete('B');
    assert.deepEqual(drain(10), ['C@relay']);
    assert.deepEqual(drain(60), ['A@relay']);
  });

  it('rebuilds when stale entries pile up, keeping the live ones', () => {
    const { index, records, drain } = setup({ A: { relay: 0 } });
    const a = records.get('A')!;
    for (let t = 1; t <= 5000; t++) index.set(a, new Map([['relay', t]]));
    assert.equal(index.bloated, true, '5,000 stale entries for one live one');
    index.rebuild(records.values());
    assert.equal(index.bloated, false);
    assert.deepEqual(drain(4999), []);
    assert.deepEqual(drain(5000), ['A@relay']);
  });
});
