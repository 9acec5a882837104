import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { foldBase64, foldTags, lastLineLength } from '../src/fold.js';

describe('header folding', () => {
  it('keeps lines within 78 characters and unfolds to the tags joined by "; "', () => {
    const names = Array.from({ length: 30 }, (_, i) => `x-header-${i}`);
    const text = foldTags('DKIM-Signature', [
      { pieces: ['v=1'], joiner: '' },
      { pieces: ['d=example.com'], joiner: '' },
      {
        pieces: names.map((n, i) => `${i === 0 ? 'h=' : ''}${n}${i < names.length - 1 ? ':' : ''}`),
        joiner: '',
      },
      { pieces: ['b='], joiner: '' },
    ]);
    for (const line of text.split('\r\n')) assert.ok(line.length <= 78, line);
    assert.ok(
      text
        .split('\r\n')
        .slice(1)
        .every((l) => l.startsWith(' ')),
    );
    assert.equal(text.replace(/\r\n /g, ''), `DKIM-Signature: v=1; d=example.com; h=${names.join(':')}; b=`);
  });

  it('fills the current line with base64 then folds', () => {
    const value = 'A'.repeat(200);
    const folded = foldBase64(value, 70);
    const lines = folded.split('\r\n');
    assert.equal(lines[0]!.length, 8);
    assert.ok(lines.slice(1).every((l) => l.length <= 78 && l.startsWith(' ')));
    assert.equal(folded.replace(/\r\n /g, ''), value);
    assert.equal(lastLineLength('ab\r\n cde'), 4);
  });
});
