/**
 * Backpressure on a real socket: a 32 MB message to a backend that reads slowly. The server
 * stops reading the socket while the backend is behind, so the octets in flight (sent by the
 * client, not yet taken by the backend: kernel buffers plus whatever the server holds) stay far
 * below the message size. Without backpressure they would grow towards the whole message.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Backend } from '@mailroute/smtp-server';
import { RawClient, type Running, startServer } from './helpers.js';

const running: Running[] = [];
after(async () => {
  for (const r of running) await r.server.close({ deadline: 200 });
});

describe('backpressure', () => {
  it('a 32 MB message to a slow backend keeps buffered memory bounded', async () => {
    let received = 0;
    const slow: Backend = {
      connect: () => ({
        mailFrom: () => undefined,
        rcptTo: () => undefined,
        async data(message) {
          for await (const chunk of message) {
            received += chunk.length;
            // A backend that digests 64 KiB per 2 ms (about 32 MB/s), whatever it is handed.
            await new Promise((r) => setTimeout(r, 2 * Math.ceil(chunk.length / 65536)));
          }
          return undefined;
        },
      }),
    };
    const r = await startServer({ maxMessageSizeBytes: 100_000_000 }, slow as never);
    running.push(r);
    const c = await RawClient.open(r.ports.smtp);
    await c.until(/^220 /);
    c.write('EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n');
    await c.until(/354 /);
    const line = Buffer.from(`${'x'.repeat(1022)}\r\n`);
    const block = Buffer.concat(Array.from({ length: 256 }, () => line)); // 256 KiB
    let peak = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, c.socket.bytesWritten - received);
    }, 5);
    for (let i = 0; i < 128; i++) {
      if (!c.socket.write(block)) await new Promise((res) => c.socket.once('drain', res));
    }
    c.write('.\r\n');
    await c.until(/250 2\.6\.0 /, 60_000);
    clearInterval(sampler);
    assert.ok(received >= 32 * 1024 * 1024, `backend received ${received}`);
    // Loopback kernel buffers alone can hold several MB; the server's own share is < 1 MB.
    assert.ok(
      peak < 12 * 1024 * 1024,
      `peak in flight ${(peak / 1048576).toFixed(1)} MB for a 32 MB message`,
    );
    c.close();
  });
});
