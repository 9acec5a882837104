// Child process of large-attachment.test.ts (run alone so its RSS is its own): builds a message
// from fields with a 50 MB attachment given as a stream, feeds the built stream straight into the
// streaming parser with a hashing consumer, and prints the hashes and the peak RSS growth.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { buildMessage, parseMessage } from '@mailroute/itemizer';

const SIZE = Number(process.argv[2] ?? 50_000_000);
const CHUNK = 64 * 1024;

/** Deterministic pseudo-random bytes, produced chunk by chunk (never held whole). */
function* source(hash: ReturnType<typeof createHash>): Generator<Buffer> {
  let x = 0x12345678;
  for (let done = 0; done < SIZE; done += CHUNK) {
    const n = Math.min(CHUNK, SIZE - done);
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      b[i] = x & 0xff;
    }
    hash.update(b);
    yield b;
  }
}

async function main(): Promise<void> {
  global.gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  const sent = createHash('sha256');
  const received = createHash('sha256');
  let size = 0;
  const cpu = process.cpuUsage();
  const started = Date.now();
  const message = buildMessage({
    from: 'nsh@nashcom.de',
    to: 'jane@example.com',
    subject: 'large',
    text: 'a large file',
    attachments: [{ filename: 'large.bin', content: Readable.from(source(sent)) }],
  });
  const note = await parseMessage(message, {
    onAttachment: () => ({
      write(chunk: Buffer) {
        size += chunk.length;
        received.update(chunk);
      },
      end() {},
    }),
  });
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  const used = process.cpuUsage(cpu);
  process.stdout.write(
    JSON.stringify({
      sent: sent.digest('hex'),
      received: received.digest('hex'),
      size,
      files: note.attachments().map((a) => a.fileName),
      defects: note.defects.length,
      peakGrowthBytes: peak - base,
      ms: Date.now() - started,
      cpuMs: (used.user + used.system) / 1000,
    }),
  );
}

await main();
