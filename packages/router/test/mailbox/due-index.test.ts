import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRandomSource } from '@mailroute/envelope';
import { type DestinationFilter, DueIndex, type Indexed } from '../../src/mailbox/due-index.js';

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

describe('DueIndex: one due queue per destination, a heap of destinations above them', () => {
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

  it('orders entries across many destinations by time, then id, then destination', () => {
    const rnd = seededRandomSource(7);
    const dues: Record<string, Record<string, number>> = {};
    const expected: { at: number; id: string; d: string }[] = [];
    for (let i = 0; i < 300; i++) {
      const id = `M${String(i).padStart(3, '0')}`;
      dues[id] = {};
      for (let j = 0; j < 3; j++) {
        const d = `mx:d${Math.floor(rnd() * 1000)}.example`;
        if (dues[id][d] !== undefined) continue;
        const at = Math.floor(rnd() * 20); // few distinct times: many ties on time and on (time, id)
        dues[id][d] = at;
        expected.push({ at, id, d });
      }
    }
    const { drain } = setup(dues);
    expected.sort((a, b) => a.at - b.at || cmp(a.id, b.id) || cmp(a.d, b.d));
    const due = expected.filter((e) => e.at <= 9).map((e) => `${e.id}@${e.d}`);
    assert.deepEqual(drain(9), due);
    assert.deepEqual(
      drain(19),
      expected.filter((e) => e.at > 9).map((e) => `${e.id}@${e.d}`),
    );
  });

  it('leaves excluded destinations out without losing their place', () => {
    const { drain } = setup({
      A: { hot1: 1, cold: 4 },
      B: { hot2: 2 },
      C: { cold: 3, hot1: 5 },
      D: { other: 6 },
    });
    const never = new Set(['hot1', 'hot2']);
    assert.deepEqual(drain(10, { never }), ['C@cold', 'A@cold', 'D@other']);
    assert.deepEqual(drain(10, { only: new Set(['hot1', 'other']), never: new Set(['hot2']) }), [
      'A@hot1',
      'C@hot1',
    ]);
    assert.deepEqual(drain(10), ['B@hot2']);
  });

  it('finds nothing due when the earliest head is stale and the live entries are later', () => {
    const { index, records, drain } = setup({ A: { relay: 1 }, B: { relay: 2, local: 40 } });
    index.set(records.get('A')!, new Map([['relay', 30]]));
    index.set(records.get('B')!, new Map([['local', 40]]));
    assert.deepEqual(drain(20), [], 'the stale heads at 1 and 2 are dropped, not leased');
    assert.deepEqual(drain(35), ['A@relay']);
    assert.deepEqual(drain(40), ['B@local']);
  });

  it('looks at a few destinations per pop, not at every destination', () => {
    const index = new DueIndex();
    const records = new Map<string, Indexed>();
    for (let i = 0; i < 10_000; i++) {
      const r: Indexed = { id: `M${String(i).padStart(5, '0')}` };
      records.set(r.id, r);
      index.set(r, new Map([[`mx:d${i}.example`, 1000 + i]]));
    }
    let lookups = 0;
    const lookup = (id: string) => {
      lookups++;
      return records.get(id);
    };
    const never = new Set(['mx:d0.example', 'mx:d1.example', 'mx:d2.example']);
    const taken: string[] = [];
    for (let n = 0; n < 100; n++) {
      const hit = index.popDue(1_000_000, { never }, lookup);
      assert.ok(hit);
      taken.push(hit.destination);
    }
    assert.equal(taken[0], 'mx:d3.example');
    assert.equal(taken[99], 'mx:d102.example');
    assert.ok(lookups <= 2 * 100, `${lookups} lookups for 100 pops among 10,000 destinations`);
  });

  it('matches a linear scan over seeded random changes, forgets, pops and rebuilds', () => {
    const rnd = seededRandomSource(2026);
    const pick = (n: number) => Math.floor(rnd() * n);
    const names = Array.from({ length: 40 }, (_, i) => `d${i}`);
    const index = new DueIndex();
    const records = new Map<string, Indexed>();
    // The reference: every live entry, as (id, destination) to time.
    const model = new Map<string, Map<string, number>>();
    const lookup = (id: string) => records.get(id);
    const randomSet = (k: number) => new Set(Array.from({ length: k }, () => names[pick(names.length)]!));
    let pops = 0;
    for (let op = 0; op < 2000; op++) {
      const id = `M${pick(60)}`;
      const roll = rnd();
      if (roll < 0.4) {
        // A change: the message's due times per destination, some kept, some moved, some gone.
        const r = records.get(id) ?? { id };
        records.set(id, r);
        const dues = new Map<string, number>();
        for (let k = pick(4); k > 0; k--) dues.set(names[pick(names.length)]!, pick(30));
        index.set(r, dues);
        model.set(id, new Map(dues));
      } else if (roll < 0.5) {
        const r = records.get(id);
        if (r === undefined) continue;
        index.forget(r);
        records.delete(id);
        model.delete(id);
      } else if (roll < 0.52) {
        index.rebuild(records.values());
      } else {
        const nowMs = pick(35);
        const filter: DestinationFilter = {
          only: rnd() < 0.2 ? randomSet(1 + pick(3)) : undefined,
          never: rnd() < 0.5 ? randomSet(pick(6)) : undefined,
        };
        let want: { id: string; d: string; at: number } | undefined;
        for (const [mid, dues] of model)
          for (const [d, at] of dues) {
            if (at > nowMs || filter.never?.has(d) || (filter.only && !filter.only.has(d))) continue;
            if (want === undefined || (at - want.at || cmp(mid, want.id) || cmp(d, want.d)) < 0)
              want = { id: mid, d, at };
          }
        const hit = index.popDue(nowMs, filter, lookup);
        assert.deepEqual(
          hit && `${hit.record.id}@${hit.destination}`,
          want && `${want.id}@${want.d}`,
          `operation ${op}`,
        );
        if (want !== undefined) {
          pops++;
          model.get(want.id)!.delete(want.d);
        }
      }
      if (index.bloated) index.rebuild(records.values());
      for (const [mid, dues] of model)
        assert.deepEqual(records.get(mid)!.dueAt ?? new Map(), dues, `operation ${op}: ${mid}`);
    }
    assert.ok(pops > 300, `${pops} entries popped`);
    const rest = [...model].flatMap(([mid, dues]) => [...dues].map(([d, at]) => ({ id: mid, d, at })));
    rest.sort((a, b) => a.at - b.at || cmp(a.id, b.id) || cmp(a.d, b.d));
    const left: string[] = [];
    for (let hit = index.popDue(Infinity, {}, lookup); hit; hit = index.popDue(Infinity, {}, lookup))
      left.push(`${hit.record.id}@${hit.destination}`);
    assert.deepEqual(
      left,
      rest.map((e) => `${e.id}@${e.d}`),
    );
  });
});

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
