// Limits against MIME bombs, validated options, and time linear in the input.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_LIMITS, parseMessage } from '../src/index.js';
import { crlf } from './helpers.js';

function nested(depth: number): Buffer {
  const lines: string[] = [];
  for (let i = 0; i < depth; i++) lines.push(`Content-Type: multipart/mixed; boundary=b${i}`, '', `--b${i}`);
  lines.push('Content-Type: text/plain', '', 'deep');
  for (let i = depth - 1; i >= 0; i--) lines.push(`--b${i}--`);
  return crlf(...lines);
}

describe('limits', () => {
  it('has documented defaults', () => {
    assert.deepEqual(DEFAULT_LIMITS, { maxDepth: 32, maxHeaderBytes: 256 * 1024, maxParts: 1000 });
  });

  it('rejects a limit that is not a positive integer (never "no limit")', async () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '10' as unknown as number]) {
      await assert.rejects(parseMessage(Buffer.from('x'), { limits: { maxParts: bad } }), RangeError);
    }
  });

  it('keeps entities deeper than maxDepth unparsed, with a defect', async () => {
    const note = await parseMessage(nested(10), { limits: { maxDepth: 4 } });
    assert.ok(note.parts().length <= 6);
    assert.ok(note.defects.some((d) => d.code === 'nesting-too-deep'));
    const unparsed = note.attachments()[0];
    assert.equal(unparsed?.mediaType, 'multipart/mixed');
    assert.ok(unparsed?.content?.toString().includes('deep'), 'the unparsed rest is kept as bytes');
  });

  it('survives 10,000 levels of nesting', async () => {
    const note = await parseMessage(nested(10_000));
    assert.ok(note.parts().length <= DEFAULT_LIMITS.maxDepth + 2);
    assert.ok(note.defects.some((d) => d.code === 'nesting-too-deep'));
  });

  it('skips parts over maxParts, with a defect', async () => {
    const lines = ['Content-Type: multipart/mixed; boundary=b', ''];
    for (let i = 0; i < 5000; i++) lines.push('--b', '', `part ${i}`);
    lines.push('--b--');
    const note = await parseMessage(crlf(...lines), { limits: { maxParts: 100 } });
    assert.equal(note.parts().length, 100);
    assert.ok(note.defects.some((d) => d.code === 'too-many-parts'));
  });

  it('skips a header block over maxHeaderBytes and still reads the body', async () => {
    const big = `X-Big: ${'a'.repeat(5000)}`;
    const note = await parseMessage(crlf('Subject: kept', big, big, '', 'body'), {
      limits: { maxHeaderBytes: 8000 },
    });
    assert.equal(note.text('Subject'), 'kept');
    assert.equal(note.getAll('X-Big').length, 1);
    assert.equal(note.parts()[0]?.text, 'body');
    assert.ok(note.defects.some((d) => d.code === 'header-block-too-large'));
  });

  it('drops one endless header line instead of buffering it', async () => {
    const note = await parseMessage(Buffer.from(`Subject: ${'x'.repeat(3_000_000)}\r\n\r\nbody`), {
      limits: { maxHeaderBytes: 4096 },
      chunkSizeBytes: 1024,
    });
    assert.equal(note.parts()[0]?.text, 'body');
    assert.ok(note.defects.some((d) => d.code === 'header-block-too-large'));
  });

  it('stays linear on inputs full of near-boundaries', async () => {
    const time = async (n: number): Promise<number> => {
      const lines = ['Content-Type: multipart/mixed; boundary=abcdefghij', '', '--abcdefghij', ''];
      for (let i = 0; i < n; i++) lines.push('--abcdefghi', '--', '-');
      lines.push('--abcdefghij--');
      const msg = Buffer.from(lines.join('\r\n'));
      const t0 = process.hrtime.bigint();
      await parseMessage(msg);
      return Number(process.hrtime.bigint() - t0);
    };
    await time(2000); // warm up
    const small = await time(20_000);
    const large = await time(200_000);
    assert.ok(large < small * 30, `10x input took ${(large / small).toFixed(1)}x the time`);
  });
});

describe('preamble and epilogue', () => {
  it('keeps at most 64 KiB of each, with a defect, at any chunking', async () => {
    const big = 'p'.repeat(200_000);
    const msg = Buffer.from(
      `Content-Type: multipart/mixed; boundary=b\r\n\r\n${big}\r\n--b\r\n\r\nx\r\n--b--\r\n${big}`,
    );
    for (const chunkSize of [7, 65536]) {
      const note = await parseMessage(msg, { chunkSizeBytes: chunkSize });
      assert.equal(note.parts()[0]?.preamble?.length, 65536);
      assert.equal(note.parts()[0]?.epilogue?.length, 65536);
      assert.equal(note.parts()[1]?.text, 'x');
      assert.ok(note.defects.some((d) => d.code === 'preamble-truncated'));
    }
  });
});
