/** Backpressure: while the backend is slow to read the message, the session stops reading input. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OPEN, RecordingBackend, startSession } from './harness.js';

describe('backpressure', () => {
  it('a slow backend pauses the transport and the buffered input stays bounded', async () => {
    const b = new RecordingBackend();
    let release!: () => void;
    let gate = new Promise<void>((r) => {
      release = r;
    });
    b.readDelay = () => gate;
    const h = await startSession({}, b);
    await h.send(`${OPEN}DATA\r\n`);
    const line = `${'m'.repeat(998)}\r\n`;
    let maxPending = 0;
    for (let i = 0; i < 2000 && !h.transport.paused; i++) {
      await h.send(line.repeat(16));
      maxPending = Math.max(maxPending, (h.session as unknown as { input: { length: number } }).input.length);
    }
    assert.ok(h.transport.paused, 'the transport was paused');
    assert.ok(maxPending < 1024 * 1024, `pending input ${maxPending}`);
    // Let the backend go: reading resumes and the message completes.
    b.readDelay = undefined;
    release();
    gate = Promise.resolve();
    await h.send('.\r\n');
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(!h.transport.paused);
    assert.match(h.take(), /250 2\.6\.0 /);
  });
});
