// Attachments streamed to a consumer: bytes arrive in order, the note keeps only the metadata,
// and a slow consumer holds the parser back (memory bounded by the chunk size).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { type AttachmentInfo, parseMessage } from '../src/index.js';

function* payload(size: number, chunk: number): Generator<Buffer> {
  const raw = Buffer.alloc((chunk / 4) * 3 - (((chunk / 4) * 3) % 57));
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 7) & 0xff;
  for (let sent = 0; sent < size; sent += raw.length)
    yield raw.subarray(0, Math.min(raw.length, size - sent));
}

function* message(size: number, chunk: number): Generator<Buffer> {
  yield Buffer.from(
    'Subject: big\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--zz\r\nContent-Type: application/octet-stream; name=big.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n',
  );
  for (const piece of payload(size, chunk)) {
    yield Buffer.from(`${piece.toString('base64').replace(/.{76}/g, '$&\r\n')}\r\n`);
  }
  yield Buffer.from('--zz--\r\n');
}

describe('attachment consumer', () => {
  it('streams an attachment to a sink and waits for it', async () => {
    const seen: AttachmentInfo[] = [];
    const hash = createHash('sha256');
    let bytes = 0;
    let inFlight = 0;
    let maxInFlight = 0;
    const note = await parseMessage(Readable.from(message(5_000_000, 65536)), {
      onAttachment: (info) => {
        seen.push(info);
        return {
          write: async (chunk) => {
            inFlight++;
            maxInFlight = Math.max(maxInFlight, inFlight);
            hash.update(chunk);
            bytes += chunk.length;
            await new Promise((r) => setImmediate(r));
            inFlight--;
          },
          end: () => undefined,
        };
      },
    });
    assert.deepEqual(
      seen.map((s) => [s.fileName, s.mediaType, s.part]),
      [['big.bin', 'application/octet-stream', '2']],
    );
    assert.equal(bytes, 5_000_000);
    const expected = createHash('sha256');
    for (const piece of payload(5_000_000, 65536)) expected.update(piece);
    assert.equal(hash.digest('hex'), expected.digest('hex'));
    const att = note.attachments()[0];
    assert.equal(att?.size, 5_000_000);
    assert.equal(att?.streamed, true);
    assert.equal(att?.content, undefined);
    assert.ok(maxInFlight <= 2, `writes in flight: ${maxInFlight}`);
    assert.equal(note.parts()[1]?.text, 'see attached');
  });

  it('keeps attachments in the note when the consumer declines', async () => {
    const note = await parseMessage(Readable.from(message(10_000, 4096)), { onAttachment: () => undefined });
    assert.equal(note.attachments()[0]?.content?.length, 10_000);
  });

  it('passes a consumer failure on as a rejection', async () => {
    await assert.rejects(
      parseMessage(Readable.from(message(10_000, 4096)), {
        onAttachment: () => ({
          write: () => Promise.reject(new Error('disk full')),
          end: () => undefined,
        }),
      }),
      /disk full/,
    );
  });
});

describe('writableSink', () => {
  it('writes into a Writable with backpressure and waits for it to finish', async () => {
    const { Writable } = await import('node:stream');
    const { writableSink } = await import('../src/index.js');
    const hash = createHash('sha256');
    let received = 0;
    let finished = false;
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        received += chunk.length;
        setImmediate(done);
      },
      final(done) {
        finished = true;
        done();
      },
    });
    const note = await parseMessage(Readable.from(message(300_000, 4096)), {
      onAttachment: () => writableSink(slow),
    });
    const expected = createHash('sha256');
    for (const piece of payload(300_000, 4096)) expected.update(piece);
    assert.equal(received, 300_000);
    assert.equal(finished, true);
    assert.equal(hash.digest('hex'), expected.digest('hex'));
    assert.equal(note.attachments()[0]?.streamed, true);
  });
});
