import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRandomSource } from '@mailroute/envelope';
import { bccViewFor, withoutBcc } from '../src/message/bcc.js';
import { headerEnd, headerFields, headerValue, rewriteFields } from '../src/message/header-block.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

describe('header block', () => {
  it('finds fields, unfolds them, and stops at the blank line', () => {
    const m = b('To: a@x\r\nSubject: one\r\n two\r\n\tthree\r\nX: y\r\n\r\nBody: not a field\r\n');
    assert.equal(headerEnd(m), m.indexOf('\r\n\r\n') + 4);
    assert.deepEqual(
      headerFields(m).map((f) => [f.name, f.value]),
      [
        ['To', 'a@x'],
        ['Subject', 'one two\tthree'],
        ['X', 'y'],
      ],
    );
    assert.equal(headerValue(m, 'subject'), 'one two\tthree');
    assert.equal(headerValue(m, 'Body'), undefined);
  });

  it('copes with LF-only lines, no body, no blank line, lines without a colon, empty input', () => {
    assert.deepEqual(
      headerFields(b('A: 1\nB: 2\n\nbody')).map((f) => f.name),
      ['A', 'B'],
    );
    assert.deepEqual(
      headerFields(b('A: 1\r\nnot a field\r\nB: 2')).map((f) => f.name),
      ['A', 'B'],
    );
    assert.deepEqual(headerFields(b('')), []);
    assert.equal(headerEnd(b('A: 1')), 4);
    assert.deepEqual(headerFields(b('\r\nA: 1\r\n')), []);
  });

  it('rewrites only the chosen fields, byte for byte elsewhere, 8-bit included', () => {
    const m = Buffer.concat([
      b('A: 1\r\nBcc: x@y\r\n z@w\r\n'),
      Buffer.from('S: ü\r\n\r\nbody ü\r\n', 'utf8'),
    ]);
    const out = rewriteFields(m, (f) => (f.name === 'Bcc' ? '' : undefined));
    assert.equal(Buffer.from(out).toString('utf8'), 'A: 1\r\nS: ü\r\n\r\nbody ü\r\n');
    assert.equal(
      rewriteFields(m, () => undefined),
      m,
      'unchanged input is returned as is',
    );
  });

  it('Bcc: gone for others, only the own address for a Bcc recipient, body untouched', () => {
    const m = b('To: a@x\r\nBcc: B <b@x>, c@x\r\nResent-Bcc: d@x\r\n\r\nBcc: in the body\r\n');
    assert.equal(Buffer.from(withoutBcc(m)).toString(), 'To: a@x\r\n\r\nBcc: in the body\r\n');
    assert.equal(
      Buffer.from(bccViewFor(m, ['C@x'])).toString(),
      'To: a@x\r\nBcc: c@x\r\n\r\nBcc: in the body\r\n',
    );
    assert.equal(Buffer.from(bccViewFor(m, ['a@x'])).toString(), 'To: a@x\r\n\r\nBcc: in the body\r\n');
  });

  it('seeded fuzz: random header blocks never throw, and rewriting nothing is the identity', () => {
    const rnd = seededRandomSource(42);
    const pieces = [
      'Bcc',
      'To',
      ':',
      ' ',
      '\t',
      '\r',
      '\n',
      '\r\n',
      'a@b',
      ',',
      '<',
      '>',
      '\u00ff',
      '\u0000',
      'x',
    ];
    for (let i = 0; i < 3000; i++) {
      const text = Array.from(
        { length: Math.floor(rnd() * 60) },
        () => pieces[Math.floor(rnd() * pieces.length)],
      ).join('');
      const m = b(text);
      const fields = headerFields(m);
      for (const f of fields) assert.ok(f.start < f.end && f.end <= m.length);
      assert.deepEqual(Buffer.from(rewriteFields(m, () => undefined)), m);
      const stripped = withoutBcc(m);
      assert.ok(stripped.length <= m.length);
      assert.ok(!headerFields(stripped).some((f) => f.name.toLowerCase() === 'bcc'));
      bccViewFor(m, ['a@b']);
    }
  });
});
