// Transfer decoding (RFC 2045 section 6): base64 and quoted-printable, streamed and broken.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Base64Decoder, QuotedPrintableDecoder } from '../src/entity/content-transfer-encoding.js';
import { parseMessage } from '../src/index.js';
import { crlf } from './helpers.js';

function feed(decoder: { write(b: Buffer): Buffer; end(): Buffer }, input: string, size: number): Buffer {
  const buf = Buffer.from(input, 'latin1');
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(decoder.write(buf.subarray(i, i + size)));
  out.push(decoder.end());
  return Buffer.concat(out);
}

describe('base64', () => {
  const data = Buffer.from('The quick brown fox jumps over the lazy dog. 0123456789 \u00ff\u0000', 'latin1');
  const encoded = data.toString('base64').replace(/.{1,20}/g, '$&\r\n');

  it('decodes across any chunking', () => {
    for (const size of [1, 3, 4, 7, 1000])
      assert.deepEqual(feed(new Base64Decoder(), encoded, size), data, `chunk ${size}`);
  });

  it('decodes odd line lengths and random chunkings the same (fast and slow paths)', () => {
    const raw = Buffer.alloc(3001);
    for (let i = 0; i < raw.length; i++) raw[i] = (i * 131 + 17) & 0xff;
    const text = raw.toString('base64').replace(/.{13}/g, '$&\r\n');
    for (const size of [1, 2, 5, 13, 77, 4096])
      assert.deepEqual(feed(new Base64Decoder(), text, size), raw, `chunk ${size}`);
    const withJunk = text.replace(/\r\n/g, (m, at: number) => (at % 7 === 0 ? ` ${m}` : m));
    for (const size of [3, 64])
      assert.deepEqual(feed(new Base64Decoder(), withJunk, size), raw, `spaces, chunk ${size}`);
  });

  it('skips characters outside the alphabet and says so', () => {
    const d = new Base64Decoder();
    assert.equal(feed(d, 'SGVs*bG8=', 3).toString(), 'Hello');
    assert.match(d.invalid ?? '', /outside the base64 alphabet/);
  });

  it('decodes padded runs from concatenated encoders', () => {
    const d = new Base64Decoder();
    assert.equal(feed(d, 'QQ==QUJD', 2).toString(), 'AABC');
    assert.equal(d.invalid, undefined);
  });

  it('flags a truncated final quantum', () => {
    const d = new Base64Decoder();
    assert.equal(feed(d, 'SGVsbG8gV29ybGQhA', 5).toString(), 'Hello World!');
    assert.match(d.invalid ?? '', /single character/);
  });

  it('decodes unpadded input', () => {
    const d = new Base64Decoder();
    assert.equal(feed(d, 'SGk', 1).toString(), 'Hi');
  });
});

describe('quoted-printable', () => {
  it('decodes escapes and soft line breaks across chunkings', () => {
    const input = 'caf=C3=A9 soft=\r\nbreak =3D equals=\nLF\r\nhard';
    for (const size of [1, 2, 3, 100]) {
      assert.equal(
        feed(new QuotedPrintableDecoder(), input, size).toString('utf8'),
        'café softbreak = equalsLF\r\nhard',
      );
    }
  });

  it('keeps a malformed escape as text and says so', () => {
    const d = new QuotedPrintableDecoder();
    assert.equal(feed(d, 'a=ZZb=', 2).toString(), 'a=ZZb=');
    assert.match(d.invalid ?? '', /malformed/);
  });

  it('accepts transport padding after a soft break', () => {
    assert.equal(feed(new QuotedPrintableDecoder(), 'ab=  \r\ncd', 1).toString(), 'abcd');
  });
});

describe('bodies through parseMessage', () => {
  it('records bad base64 on the part', async () => {
    const note = await parseMessage(crlf('Content-Transfer-Encoding: base64', '', 'SGVsbG8*'));
    assert.equal(note.parts()[0]?.text, 'Hello');
    assert.deepEqual(
      note.defects.filter((d) => d.code === 'invalid-base64').map((d) => d.part),
      [''],
    );
  });

  it('keeps the body of an unknown transfer encoding', async () => {
    const note = await parseMessage(crlf('Content-Transfer-Encoding: x-uuencode', '', 'begin 644 x'));
    assert.equal(note.parts()[0]?.text, 'begin 644 x');
    assert.ok(note.defects.some((d) => d.code === 'unknown-transfer-encoding'));
  });

  it('keeps binary and 8bit bytes as they are', async () => {
    const body = Buffer.from([0, 1, 2, 0xff, 0x0d, 0x0a, 0x80]);
    const note = await parseMessage(
      Buffer.concat([
        crlf('Content-Type: application/octet-stream', 'Content-Transfer-Encoding: binary', '', ''),
        body,
      ]),
    );
    assert.deepEqual(note.attachments()[0]?.content, body);
  });
});

describe('quoted-printable trailing white space (RFC 2045 6.7 rule 3)', () => {
  it('deletes white space at the end of every encoded line, for any chunking', () => {
    const input = 'abc   \r\ndef \t\r\nghi=20\r\nsoft  =\r\nend  ';
    for (const size of [1, 2, 3, 5, 1000])
      assert.equal(
        feed(new QuotedPrintableDecoder(), input, size).toString('latin1'),
        'abc\r\ndef\r\nghi \r\nsoft  end',
        `chunk ${size}`,
      );
  });

  it('deletes it before a bare LF line end too, and keeps white space inside a line', () => {
    assert.equal(feed(new QuotedPrintableDecoder(), 'a b \nc\t', 4).toString('latin1'), 'a b\nc');
  });

  it('holds back no more than a bounded run of white space', () => {
    const d = new QuotedPrintableDecoder();
    const out = d.write(Buffer.alloc(5000, 0x20));
    assert.ok(out.length >= 5000 - 1024, 'a run longer than any line is passed on');
  });
});
