// A 50 MB attachment given as a stream is built, streamed and parsed back in bounded memory: the
// child process's peak RSS growth must stay far below the attachment (the whole base64 message
// would be 68 MB), and the bytes must arrive whole.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const child = fileURLToPath(new URL('./large-attachment-child.js', import.meta.url));

describe('a 50 MB streamed attachment', () => {
  it('builds and parses back with bounded memory (RSS growth measured)', () => {
    const out = JSON.parse(
      execFileSync(process.execPath, ['--expose-gc', child, '50000000'], { maxBuffer: 1 << 20 }).toString(
        'utf8',
      ),
    ) as {
      sent: string;
      received: string;
      size: number;
      files: string[];
      defects: number;
      peakGrowthBytes: number;
      ms: number;
      cpuMs: number;
    };
    assert.equal(out.size, 50_000_000);
    assert.equal(out.received, out.sent);
    assert.deepEqual(out.files, ['large.bin']);
    assert.equal(out.defects, 0);
    // Bounded: a few slices in flight, far from the 50 MB attachment or its 68 MB encoding.
    assert.ok(out.peakGrowthBytes < 40 * 1024 * 1024, `peak RSS growth ${out.peakGrowthBytes} bytes`);
    console.log(
      `# 50 MB streamed: peak RSS growth ${(out.peakGrowthBytes / 1048576).toFixed(1)} MiB, ${out.ms} ms, ${out.cpuMs.toFixed(0)} ms CPU`,
    );
  });
});
