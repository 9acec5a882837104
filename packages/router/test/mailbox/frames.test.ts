import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { seededRandomSource } from '@mailroute/envelope';
import { tableCrc32 } from '../../src/mailbox/file/crc32.js';
import { bufferSource, encodeFrame, FRAME_HEADER_BYTES, readFrame } from '../../src/mailbox/file/frames.js';

function segment(...frames: ReturnType<typeof encodeFrame>[]): Buffer {
  return Buffer.concat(frames.flatMap((f) => f.buffers.map((b) => Buffer.from(b))));
}

test('frames round-trip with their bodies, and the end is clean', async () => {
  const a = encodeFrame({ t: 'enq', n: 1 }, [Buffer.from('hello '), Buffer.from('world')]);
  const b = encodeFrame({ t: 'rm', n: 2 }, []);
  const bytes = segment(a, b);
  const src = bufferSource(bytes);
  const first = await readFrame(src, 0);
  assert.equal(first.kind, 'frame');
  if (first.kind !== 'frame') return;
  assert.deepEqual(first.meta, { t: 'enq', n: 1 });
  assert.equal(bytes.subarray(first.bodyStart, first.end).toString(), 'hello world');
  assert.equal(first.bodyStart, a.bodyStart);
  const second = await readFrame(src, first.end);
  assert.equal(second.kind, 'frame');
  if (second.kind !== 'frame') return;
  assert.deepEqual(second.meta, { t: 'rm', n: 2 });
  assert.deepEqual(await readFrame(src, second.end), { kind: 'end' });
});

test('every cut of a frame is a torn tail, never a frame and never an exception', async () => {
  const f = encodeFrame({ t: 'set', id: 'X', rcpts: [{ index: 0 }] }, [Buffer.alloc(300, 7)]);
  const whole = segment(f);
  for (let cut = 1; cut < whole.length; cut++) {
    const r = await readFrame(bufferSource(whole.subarray(0, cut)), 0);
    assert.equal(r.kind, 'torn', `cut at ${cut}`);
  }
});

test('seeded fuzz: damaged bytes are reported as torn or read as a frame whose CRC matched', async () => {
  const rnd = seededRandomSource(3464);
  const good = segment(
    encodeFrame({ t: 'enq', m: { id: 'A' } }, [Buffer.from('body')]),
    encodeFrame({ t: 'rm', id: 'A' }, []),
  );
  for (let i = 0; i < 3000; i++) {
    const bytes = Buffer.from(good);
    const flips = 1 + Math.floor(rnd() * 4);
    for (let j = 0; j < flips; j++) bytes[Math.floor(rnd() * bytes.length)] = Math.floor(rnd() * 256);
    const len = rnd() < 0.3 ? Math.floor(rnd() * bytes.length) : bytes.length;
    const src = bufferSource(bytes.subarray(0, len));
    let offset = 0;
    for (let k = 0; k < 4; k++) {
      const r = await readFrame(src, offset);
      if (r.kind !== 'frame') break;
      assert.ok(r.end > offset && r.end <= len);
      offset = r.end;
    }
  }
  // Random garbage of any length, including a header claiming 4 GB.
  for (let i = 0; i < 500; i++) {
    const bytes = Buffer.alloc(Math.floor(rnd() * 64));
    for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(rnd() * 256);
    if (bytes.length >= FRAME_HEADER_BYTES && rnd() < 0.5) bytes.writeUInt32BE(0x4d424f58, 0);
    const r = await readFrame(bufferSource(bytes), 0);
    assert.ok(r.kind === 'torn' || r.kind === 'end' || r.kind === 'frame');
  }
});

test('the portable CRC-32 agrees with the native one, also when continued across pieces', () => {
  const rnd = seededRandomSource(32);
  for (let i = 0; i < 200; i++) {
    const bytes = Buffer.alloc(Math.floor(rnd() * 3000));
    for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(rnd() * 256);
    const cut = Math.floor(rnd() * bytes.length);
    const whole = zlibCrc32(bytes);
    assert.equal(tableCrc32(bytes), whole);
    assert.equal(tableCrc32(bytes.subarray(cut), tableCrc32(bytes.subarray(0, cut))), whole);
  }
  assert.equal(tableCrc32(Buffer.from('123456789')), 0xcbf43926); // the standard check value
});
