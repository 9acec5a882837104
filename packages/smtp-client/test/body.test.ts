/**
 * The DATA fast path: a message that needs no dot-stuffing or line-end repair goes out as it is.
 * Checked against the envelope's encoder on 5,000 seeded random messages.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDataEncoder } from '@mailroute/envelope';
import { seededRandom } from '@mailroute/testing';
import { needsNoStuffing } from '../src/message.js';

describe('DATA fast path', () => {
  it('agrees with the encoder: when it says "as is", the encoder changes nothing', () => {
    const random = seededRandom(42);
    const rand = (n: number): number => random.int(0, n - 1);
    const alphabet = ['a', 'b', '.', '\r\n', '\r\n', '\r\n.', '\n', '\r', ' ', '..'];
    let fast = 0;
    for (let n = 0; n < 5000; n++) {
      let text = '';
      const len = rand(30);
      for (let i = 0; i < len; i++) text += alphabet[rand(rand(4) === 0 ? alphabet.length : 5)];
      const bytes = Buffer.from(text);
      const enc = createDataEncoder();
      const encoded = Buffer.concat([enc.encode(bytes), enc.end()]);
      if (needsNoStuffing(bytes)) {
        fast++;
        const tail = bytes.length === 0 || bytes[bytes.length - 1] === 10 ? '.\r\n' : '\r\n.\r\n';
        assert.deepEqual(encoded, Buffer.concat([bytes, Buffer.from(tail)]), JSON.stringify(text));
      }
    }
    assert.ok(fast > 500, `fast path taken ${fast} times`);
  });

  it('refuses bare LF, bare CR, a leading dot and a dot after a line end', () => {
    assert.equal(needsNoStuffing(Buffer.from('a\r\nb\r\n')), true);
    for (const t of ['a\nb', 'a\rb', '.a\r\n', 'a\r\n.b', 'a\r'])
      assert.equal(needsNoStuffing(Buffer.from(t)), false, t);
  });
});
