import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withoutBcc } from '../src/message/bcc.js';
import { bccFreeStream } from '../src/message/outbound-stream.js';

async function collect(stream: () => AsyncIterable<Uint8Array>): Promise<Buffer> {
  const out: Uint8Array[] = [];
  for await (const c of stream()) out.push(c);
  return Buffer.concat(out);
}

function chunked(bytes: Buffer, sizes: number[]): () => AsyncIterable<Uint8Array> {
  return async function* () {
    let at = 0;
    let i = 0;
    while (at < bytes.length) {
      const n = sizes[i++ % sizes.length]!;
      yield bytes.subarray(at, at + n);
      at += n;
    }
  };
}

describe('outbound stream without Bcc', () => {
  const message = Buffer.from('To: a@x\r\nBcc: b@x,\r\n c@x\r\nSubject: s\r\n\r\nBcc: body line\r\nmore\r\n');

  it('is the same bytes as withoutBcc whatever the chunking, and can be read again', async () => {
    const expected = Buffer.from(withoutBcc(message));
    assert.doesNotMatch(expected.toString(), /c@x/);
    for (const sizes of [[1], [2, 3], [7], [message.length], [13, 1, 40]]) {
      const stream = bccFreeStream(chunked(message, sizes));
      assert.deepEqual(await collect(stream), expected, `chunks ${sizes}`);
      assert.deepEqual(await collect(stream), expected, 'a second read (another host) gives the same');
    }
  });

  it('copes with no blank line, an empty message, LF-only lines, and an empty header', async () => {
    for (const text of ['Bcc: x@y\r\nTo: a@b', '', 'Bcc: x\nTo: y\n\nbody\n', '\r\nBcc: body\r\n']) {
      const bytes = Buffer.from(text);
      assert.deepEqual(
        await collect(bccFreeStream(chunked(bytes, [3]))),
        Buffer.from(withoutBcc(bytes)),
        JSON.stringify(text),
      );
    }
  });

  it('a header block past 1 MiB without a blank line is sent on, not held', async () => {
    const huge = Buffer.concat([Buffer.from('X: '), Buffer.alloc(2 * 1024 * 1024, 0x61)]);
    const out = await collect(bccFreeStream(chunked(huge, [64 * 1024])));
    assert.equal(out.length, huge.length);
  });
});
