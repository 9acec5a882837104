import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { selectHeaders } from '../src/canonical/header.js';
import { canonicalizeHeader, parseHeaderBlock } from '../src/canonical/index.js';

describe('header canonicalization (RFC 6376 3.4.1, 3.4.2)', () => {
  const block = 'A: X\r\nB : Y\t\r\n\tZ  \r\n';
  const fields = parseHeaderBlock(block);

  it('parses folded fields', () => {
    assert.deepEqual(
      fields.map((f) => [f.name, f.key, f.raw]),
      [
        ['A', 'a', 'A: X'],
        ['B', 'b', 'B : Y\t\r\n\tZ  '],
      ],
    );
  });

  it('matches the RFC 6376 3.4.5 example, relaxed', () => {
    assert.equal(fields.map((f) => canonicalizeHeader(f.raw, 'relaxed')).join(''), 'a:X\r\nb:Y Z\r\n');
  });

  it('matches the RFC 6376 3.4.5 example, simple (unchanged)', () => {
    assert.equal(fields.map((f) => canonicalizeHeader(f.raw, 'simple')).join(''), block);
  });

  it('lower-cases only ASCII in names and keeps 8-bit values byte for byte', () => {
    const raw = Buffer.from('SUBJECT:  \u00c9t\u00e9  ', 'utf8').toString('latin1');
    assert.equal(
      canonicalizeHeader(raw, 'relaxed', false),
      Buffer.from('subject:\u00c9t\u00e9', 'utf8').toString('latin1'),
    );
  });

  it('selects instances from the bottom up, and an over-signed name selects nothing', () => {
    const f = parseHeaderBlock('Received: 1\r\nFrom: a\r\nReceived: 2\r\nX: y\r\n');
    assert.deepEqual(
      selectHeaders(f, ['received', 'from', 'received', 'received', 'from']).map((x) => x.raw),
      ['Received: 2', 'From: a', 'Received: 1'],
    );
  });

  it('drops lines that are not fields, and a leading continuation', () => {
    const f = parseHeaderBlock(' orphan\r\nno colon here\r\nGood: yes\r\n: empty name\r\n');
    assert.deepEqual(
      f.map((x) => x.raw),
      ['Good: yes'],
    );
  });
});
