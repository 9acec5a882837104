import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HeaderTooLargeError } from '../src/index.js';
import { MessageSplitter } from '../src/message.js';

function split(message: string, size: number, max = 1 << 20): { headers: string[]; body: string } {
  const s = new MessageSplitter(max);
  const bytes = Buffer.from(message, 'latin1');
  const body: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) body.push(Buffer.from(s.push(bytes.subarray(i, i + size))));
  return { headers: s.end().map((h) => h.raw), body: Buffer.concat(body).toString('latin1') };
}

describe('message splitting', () => {
  const cases: [string, string[], string][] = [
    ['A: 1\r\nB: 2\r\n\r\nbody\r\n', ['A: 1', 'B: 2'], 'body\r\n'],
    ['A: 1\nB: 2\n\nbody\n', ['A: 1', 'B: 2'], 'body\n'],
    ['\r\nbody', [], 'body'],
    ['\nbody', [], 'body'],
    ['A: 1\r\n folded\r\n\r\n', ['A: 1\r\n folded'], ''],
    ['A: only a header', ['A: only a header'], ''],
  ];
  for (const [message, headers, body] of cases) {
    it(`splits ${JSON.stringify(message)} the same in every chunk size`, () => {
      for (const size of [1, 2, 3, 4, 7, 1000])
        assert.deepEqual(split(message, size), { headers, body }, `size ${size}`);
    });
  }

  it('bounds the header block, whether it ends or not', () => {
    assert.throws(() => split(`X: ${'y'.repeat(300)}\r\n\r\nbody`, 1000, 100), HeaderTooLargeError);
    assert.throws(() => split(`X: ${'y'.repeat(300)}`, 7, 100), HeaderTooLargeError);
  });

  it('takes linear time for a header dripping in one byte at a time', () => {
    const header = `X-Long: ${'z'.repeat(100_000)}\r\n\r\nbody`;
    const start = process.hrtime.bigint();
    const r = split(header, 1);
    assert.equal(r.body, 'body');
    // Quadratic copying would take minutes here; linear takes well under a few seconds.
    assert.ok(Number(process.hrtime.bigint() - start) < 10e9);
  });

  it('keeps its own copy of header bytes when the caller reuses its buffer', () => {
    const s = new MessageSplitter(1 << 20);
    const buf = Buffer.from('From: a@ex');
    s.push(buf);
    buf.fill(0x21);
    const body = s.push(Buffer.from('ample.com\r\n\r\nhi'));
    assert.equal(Buffer.from(body).toString(), 'hi');
    assert.deepEqual(
      s.end().map((h) => h.raw),
      ['From: a@example.com'],
    );
  });
});
