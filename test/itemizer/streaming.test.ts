// Streaming equivalence: every fixture gives the same parts, payloads and defects whether it
// arrives whole, in 7-byte chunks, or as a Node Readable of 1-byte-to-4-KiB pieces.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { type Note, parseMessage } from '@mailroute/itemizer';
import { seededRandom } from '@mailroute/testing';
import { fixturesRoot, mimeFixtureFiles } from './fixtures.js';

function summary(note: Note): string[] {
  return [
    ...note
      .parts()
      .map(
        (p) =>
          `${p.path} ${p.mediaType} ${p.size} ${p.content ? createHash('sha256').update(p.content).digest('hex') : '-'}`,
      ),
    ...note.defects.map((d) => `defect ${d.code} ${d.part}`).sort(),
  ];
}

function* pieces(buf: Buffer): Generator<Buffer> {
  const random = seededRandom(buf.length);
  for (let i = 0; i < buf.length; ) {
    const n = random.int(1, 4096);
    yield buf.subarray(i, i + n);
    i += n;
  }
}

describe('streaming equivalence over the MIME fixtures', {
  skip: fixturesRoot === undefined ? 'fixtures folder absent' : false,
}, () => {
  it('whole buffer, 7-byte chunks and random-size stream chunks agree', async () => {
    for (const file of mimeFixtureFiles().filter((f) => !/(MANIFEST|README)\./.test(f))) {
      const buf = readFileSync(file);
      const whole = summary(await parseMessage(buf, { chunkSizeBytes: buf.length + 1 }));
      assert.deepEqual(
        summary(await parseMessage(buf, { chunkSizeBytes: 7 })),
        whole,
        `${file} in 7-byte chunks`,
      );
      assert.deepEqual(summary(await parseMessage(Readable.from(pieces(buf)))), whole, `${file} as a stream`);
    }
  });
});
