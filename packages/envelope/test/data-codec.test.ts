import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prng } from '@mailroute/testing';
import { createDataDecoder, createDataEncoder, type DataDecoderOptions } from '../src/index.js';

/** Feeds `wire` in the given chunk sizes; returns the decoded message, rest and decoder. */
function decode(wire: string | Buffer, options: DataDecoderOptions = {}, sizes: number[] = []) {
  const input = typeof wire === 'string' ? Buffer.from(wire, 'latin1') : wire;
  const decoder = createDataDecoder(options);
  const out: Buffer[] = [];
  let rest: Buffer | undefined;
  let offset = 0;
  let k = 0;
  while (offset < input.length) {
    const size = sizes.length ? sizes[k++ % sizes.length] : input.length;
    const r = decoder.write(input.subarray(offset, offset + size));
    offset += size;
    out.push(...r.data);
    if (r.done) {
      rest = Buffer.concat([r.rest ?? Buffer.alloc(0), input.subarray(offset)]);
      break;
    }
  }
  return { message: Buffer.concat(out).toString('latin1'), rest: rest?.toString('latin1'), decoder };
}

describe('DATA decoder', () => {
  it('ends at CRLF.CRLF and keeps the last CRLF in the message', () => {
    const r = decode('Subject: hi\r\n\r\nbody\r\n.\r\n');
    assert.equal(r.message, 'Subject: hi\r\n\r\nbody\r\n');
    assert.equal(r.decoder.done, true);
    assert.equal(r.rest, '');
  });
  it('treats ". CRLF" at once as an empty message (the DATA line ended with CRLF)', () => {
    const r = decode('.\r\n');
    assert.equal(r.message, '');
    assert.ok(r.decoder.done);
  });
  it('removes the stuffed dot from lines that begin with "." (RFC 5321 4.5.2)', () => {
    assert.equal(decode('..\r\n...x\r\n.y\r\n.\r\n').message, '.\r\n..x\r\ny\r\n');
    assert.equal(decode('..hidden\r\n.\r\n').message, '.hidden\r\n');
  });
  it('hands back the bytes after the terminator (pipelined commands)', () => {
    const r = decode('a\r\n.\r\nMAIL FROM:<x@y>\r\nRCPT TO:<z@w>\r\n', {}, [3]);
    assert.equal(r.message, 'a\r\n');
    assert.equal(r.rest, 'MAIL FROM:<x@y>\r\nRCPT TO:<z@w>\r\n');
  });
  it('finds the terminator however the chunks split it', () => {
    const wire = 'line one\r\n..dotted\r\nlast\r\n.\r\nQUIT\r\n';
    for (let a = 1; a < wire.length; a++) {
      for (let b = a + 1; b <= wire.length; b++) {
        const decoder = createDataDecoder();
        const parts = [wire.slice(0, a), wire.slice(a, b), wire.slice(b)];
        const out: Buffer[] = [];
        let rest = '';
        let done = false;
        for (const part of parts) {
          const r = decoder.write(Buffer.from(part, 'latin1'));
          if (done) {
            rest += r.rest?.toString('latin1') ?? '';
            continue;
          }
          out.push(...r.data);
          if (r.done) {
            done = true;
            rest = r.rest?.toString('latin1') ?? '';
          }
        }
        assert.equal(
          Buffer.concat(out).toString('latin1'),
          'line one\r\n.dotted\r\nlast\r\n',
          `split ${a},${b}`,
        );
        assert.equal(rest, 'QUIT\r\n', `split ${a},${b}`);
      }
    }
  });
  it('feeds one octet at a time', () => {
    const sizes = [1];
    const r = decode('x\r\n..\r\n.\r\nNOOP\r\n', {}, sizes);
    assert.equal(r.message, 'x\r\n.\r\n');
    assert.equal(r.rest, 'NOOP\r\n');
  });
  it('normalises bare LF and bare CR to CRLF by default (SMTPStrict821LineSyntax=0)', () => {
    const r = decode('a\nb\rc\r\n.\r\n');
    assert.equal(r.message, 'a\r\nb\r\nc\r\n');
    assert.equal(r.decoder.bareLineEndings, 2);
    assert.equal(r.decoder.reply, undefined);
  });
  it('unstuffs a dot after a bare line end but never ends there', () => {
    assert.equal(decode('a\n..b\r\n.\r\n').message, 'a\r\n.b\r\n');
  });
  it('refuses bare CR or LF with 550 5.6.0 under SMTPStrict821LineSyntax=1, reading to the real end', () => {
    const r = decode('a\nb\r\n.\r\nQUIT\r\n', { strict821LineSyntax: true });
    assert.equal(r.decoder.done, true);
    assert.equal(r.message, '');
    assert.equal(`${r.decoder.reply?.code} ${r.decoder.reply?.enhanced}`, '550 5.6.0');
    assert.equal(r.rest, 'QUIT\r\n');
  });
  it('stops output past maxSizeBytes at once but reads on to the end of data (552 5.3.4)', () => {
    const body = 'x'.repeat(100);
    const r = decode(`${body}\r\n${body}\r\n.\r\nQUIT\r\n`, { maxSizeBytes: 150 }, [60]);
    assert.equal(r.decoder.done, true);
    assert.equal(`${r.decoder.reply?.code} ${r.decoder.reply?.enhanced}`, '552 5.3.4');
    assert.ok(r.message.length <= 150, `handed on ${r.message.length} octets`);
    assert.equal(r.rest, 'QUIT\r\n');
    assert.equal(r.decoder.size, 204);
  });
  it('accepts a message of exactly maxSize', () => {
    const r = decode('12345678\r\n.\r\n', { maxSizeBytes: 10 });
    assert.equal(r.decoder.reply, undefined);
    assert.equal(r.message, '12345678\r\n');
  });
  it('validates maxSize: 0, NaN and negatives are errors, never "no limit"', () => {
    for (const bad of [0, -1, Number.NaN, 1.5, '10' as unknown as number]) {
      assert.throws(() => createDataDecoder({ maxSizeBytes: bad }), RangeError, String(bad));
    }
    assert.doesNotThrow(() => createDataDecoder({ maxSizeBytes: Number.POSITIVE_INFINITY }));
  });
  it('counts wire octets up to the terminator', () => {
    const r = decode('ab\r\n..\r\n.\r\nQUIT\r\n');
    assert.equal(r.decoder.wireSize, 'ab\r\n..\r\n.\r\n'.length);
    assert.equal(r.decoder.size, 'ab\r\n.\r\n'.length);
  });
  it('returns the whole chunk as rest after done', () => {
    const d = createDataDecoder();
    d.write(Buffer.from('.\r\n'));
    const again = d.write(Buffer.from('RSET\r\n'));
    assert.equal(again.done, true);
    assert.equal(again.rest?.toString(), 'RSET\r\n');
    assert.deepEqual(again.data, []);
  });
  it('accepts Uint8Array input as well as Buffer', () => {
    const d = createDataDecoder();
    const r = d.write(new TextEncoder().encode('hi\r\n.\r\n'));
    assert.equal(Buffer.concat(r.data).toString(), 'hi\r\n');
  });
  it('passes 8-bit and NUL octets through untouched', () => {
    const body = Buffer.from([0x00, 0xff, 0x80, 0x0d, 0x0a]);
    const wire = Buffer.concat([body, Buffer.from('.\r\n')]);
    const d = createDataDecoder();
    const r = d.write(wire);
    assert.deepEqual(Buffer.concat(r.data), body);
  });
});

describe('DATA encoder', () => {
  function encode(parts: string[]): string {
    const e = createDataEncoder();
    return Buffer.concat([...parts.map((p) => e.encode(Buffer.from(p, 'latin1'))), e.end()]).toString(
      'latin1',
    );
  }
  it('dot-stuffs lines that begin with "." and appends the terminator', () => {
    assert.equal(encode(['.a\r\nb\r\n.\r\n']), '..a\r\nb\r\n..\r\n.\r\n');
  });
  it('turns bare LF and bare CR into CRLF', () => {
    assert.equal(encode(['a\nb\rc']), 'a\r\nb\r\nc\r\n.\r\n');
  });
  it('completes a last line without CRLF, and handles an empty message', () => {
    assert.equal(encode(['abc']), 'abc\r\n.\r\n');
    assert.equal(encode([]), '.\r\n');
    assert.equal(encode(['abc\r']), 'abc\r\n.\r\n');
  });
  it('stuffs across chunk boundaries', () => {
    assert.equal(encode(['a\r', '\n', '.b\r\n']), 'a\r\n..b\r\n.\r\n');
    assert.equal(encode(['a\r\n', '.']), 'a\r\n..\r\n.\r\n');
  });
  it('returns the input itself when nothing changes', () => {
    const e = createDataEncoder();
    const chunk = Buffer.from('plain\r\ntext\r\n');
    assert.equal(e.encode(chunk), chunk);
  });
  it('refuses use after end()', () => {
    const e = createDataEncoder();
    e.end();
    assert.throws(() => e.encode(Buffer.from('x')));
    assert.throws(() => e.end());
  });
  it('round-trips through the decoder for any content', () => {
    const rand = prng(12345);
    const alphabet = ['.', '\r', '\n', 'a', 'b', ' ', '\r\n', '\r\n.', '\n.', '.\r\n'];
    for (let n = 0; n < 2000; n++) {
      let text = '';
      const len = Math.floor(rand() * 40);
      for (let i = 0; i < len; i++) text += alphabet[Math.floor(rand() * alphabet.length)];
      const wire = encode([text]);
      const r = decode(`${wire}NEXT`, {}, [1 + Math.floor(rand() * 7)]);
      // Decoding gives the content with every line end normalised to CRLF and a final CRLF.
      let expected = text.replace(/\r\n|\r|\n/g, '\r\n');
      if (expected !== '' && !expected.endsWith('\r\n')) expected += '\r\n';
      assert.equal(r.message, expected, JSON.stringify(text));
      assert.equal(r.rest, 'NEXT', JSON.stringify(text));
    }
  });
});
