import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { seededRandomSource } from '@mailroute/envelope';
import { createFileMailBox } from '../src/mailbox/file/store.js';

const child = fileURLToPath(new URL('./crash-child.js', import.meta.url));

/** Runs the child; kills it with SIGKILL after `killAfterAcks` acks (or lets it drain). */
function run(
  dir: string,
  log: string,
  first: number,
  count: number,
  killAfterAcks?: number,
): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, join(dir, 'mail.box'), log, String(first), String(count)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const acks: number[] = [];
    let buffer = '';
    p.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let nl = buffer.indexOf('\n');
      while (nl !== -1) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.startsWith('ack ')) acks.push(Number(line.slice(4)));
        if (killAfterAcks !== undefined && acks.length >= killAfterAcks) p.kill('SIGKILL');
        nl = buffer.indexOf('\n');
      }
    });
    p.on('error', reject);
    p.on('exit', () => resolve(acks));
  });
}

describe('Router over the file store: SIGKILL at random moments', () => {
  it('every acknowledged message is transferred after restarts; duplicates bounded by what was in flight', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'router-crash-'));
    const log = join(dir, 'transferred.log');
    try {
      const rnd = seededRandomSource(7);
      const acked = new Set<number>();
      const rounds = 4;
      const perRound = 150;
      for (let round = 0; round < rounds; round++) {
        const acks = await run(dir, log, round * perRound, perRound, 5 + Math.floor(rnd() * (perRound - 10)));
        for (const a of acks) acked.add(a);
      }
      // A last run with nothing new: it drains what the killed runs left.
      await run(dir, log, rounds * perRound, 0);
      const lines = existsSync(log)
        ? readFileSync(log, 'utf8')
            .split('\n')
            .filter((l) => l !== '')
        : [];
      const seen = new Map<string, number>();
      for (const l of lines) seen.set(l, (seen.get(l) ?? 0) + 1);
      const lost = [...acked].filter((i) => !seen.has(`m${i}@crash`));
      if (lost.length > 0) {
        const box = await createFileMailBox({ directory: join(dir, 'mail.box') });
        const left = await box.list({ limit: 1000 });
        t.diagnostic(
          `lost ${lost.join(',')}; still queued: ${JSON.stringify(left.map((m) => [m.messageId, m.recipients.map((r) => [r.state, r.nextAttemptMs, r.attempts])]))}`,
        );
        await box.close();
      }
      assert.deepEqual(lost, [], 'no acknowledged message is lost');
      const duplicates = [...seen.values()].reduce((n, c) => n + (c - 1), 0);
      // At most the transfer threads' worth per kill (11 threads at 256 MB) can be in flight.
      assert.ok(duplicates <= rounds * 11, `${duplicates} duplicates`);
      assert.ok(acked.size >= rounds * 5);
      t.diagnostic(`acknowledged ${acked.size}, transferred ${seen.size} distinct, ${duplicates} duplicates`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
