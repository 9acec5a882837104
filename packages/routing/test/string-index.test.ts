import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StringIndex } from '../src/string-index.js';

describe('StringIndex', () => {
  it('keeps every key through growth and agrees with a Map', () => {
    const index = new StringIndex(1);
    const reference = new Map<string, number[]>();
    for (let i = 0; i < 20_000; i++) {
      const key = `k${i % 7_000}`; // every key is added about three times, with different ids
      const id = i % 5_000;
      index.add(key, id);
      const list = reference.get(key) ?? [];
      if (!list.includes(id)) list.push(id);
      reference.set(key, list);
    }
    assert.equal(index.size, reference.size);
    for (const [key, ids] of reference) {
      const got = index.get(key);
      assert.deepEqual(typeof got === 'number' ? [got] : got, ids, key);
    }
    assert.equal(index.get('missing'), undefined);
    assert.equal(index.get(''), undefined);
  });

  it('adds the same pair once, and collects several ids under a shared key', () => {
    const index = new StringIndex();
    index.add('john', 1);
    index.add('john', 1);
    assert.equal(index.get('john'), 1);
    index.add('john', 2);
    index.add('john', 2);
    index.add('john', 3);
    assert.deepEqual(index.get('john'), [1, 2, 3]);
    index.add('', 9);
    assert.equal(index.get(''), 9);
  });
});
