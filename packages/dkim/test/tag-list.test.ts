import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prng } from '@mailroute/testing';
import { parseTagList } from '../src/canonical/index.js';
import { parseKeyRecord, parseSignature } from '../src/index.js';

describe('tag-list parsing (RFC 6376 3.2)', () => {
  it('reads tags with folding whitespace and a trailing semicolon', () => {
    const r = parseTagList(' v=1;\r\n a = rsa-sha256 ;\tb=ab cd\r\n ef; ');
    assert.ok(r.ok);
    assert.deepEqual(
      [...r.value],
      [
        ['v', '1'],
        ['a', 'rsa-sha256'],
        ['b', 'ab cd\r\n ef'],
      ],
    );
  });

  it('accepts an empty value', () => {
    const r = parseTagList('p=');
    assert.ok(r.ok);
    assert.equal(r.value.get('p'), '');
  });

  for (const [text, why] of [
    ['v=1; v=1', /duplicate tag v=/],
    ['v=1;; a=b', /empty tag-spec/],
    [';', /empty tag-spec/],
    ['v', /without "="/],
    ['1v=2', /invalid tag name/],
    ['=2', /invalid tag name/],
    ['a-b=1', /invalid tag name/],
    ['a=b\u0000c', /invalid characters/],
    ['a=b;c', /without "="/],
  ] as const) {
    it(`rejects ${JSON.stringify(text)}`, () => {
      const r = parseTagList(text);
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.reason.message, why);
    });
  }

  it('never throws on random input (seeded fuzz, 3000 cases)', () => {
    const rand = prng(3002);
    const pieces = [
      'v',
      '=',
      ';',
      ' ',
      '\r\n ',
      'a',
      '1',
      'b',
      'h',
      ':',
      'p',
      '\u0000',
      '\u00ff',
      'x=y',
      'bh=',
      'DKIM1',
    ];
    for (let i = 0; i < 3000; i++) {
      let s = '';
      const n = Math.floor(rand() * 30);
      for (let j = 0; j < n; j++) s += pieces[Math.floor(rand() * pieces.length)];
      const r = parseTagList(s);
      assert.equal(typeof r.ok, 'boolean');
      const sig = parseSignature(s);
      if (!sig.ok) assert.equal(typeof sig.reason.message, 'string');
      const key = parseKeyRecord(s);
      if (!key.ok) assert.equal(typeof key.reason.message, 'string');
    }
  });
});
