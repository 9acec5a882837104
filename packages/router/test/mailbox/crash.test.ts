// Crash safety of the file mail box: a child process enqueues and settles as fast as it can and
// is SIGKILLed at seeded random moments; after each kill the store is reopened and every promise
// the child printed (see crash-child.ts) is checked. Several rounds run on one directory, so
// recovery also recovers what earlier recoveries wrote.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createLineLogger, seededRandomSource } from '@mailroute/envelope';
import { createFileMailBox } from '../../src/mailbox/file/store.js';
import type { QueuedMessage } from '../../src/mailbox/types.js';

const SEED = Number(process.env.MAILBOX_CRASH_SEED ?? 20261202);
const ROUNDS = Number(process.env.MAILBOX_CRASH_ROUNDS ?? 8);
const child = fileURLToPath(new URL('./crash-child.js', import.meta.url));
const tuning = { segmentMaxBytes: 32 * 1024, snapshotAfterBytes: 32 * 1024, inlineBodyMaxBytes: 16 * 1024 };

/** Runs the child until it printed READY and then `killAfterMs` more; returns its whole lines. */
function runAndKill(directory: string, round: number, killAfterMs: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, directory, String(SEED), String(round)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    const guard = setTimeout(() => p.kill('SIGKILL'), 30_000); // never hang the suite
    p.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (!timer && out.includes('READY\n')) timer = setTimeout(() => p.kill('SIGKILL'), killAfterMs);
    });
    p.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
    });
    p.on('error', reject);
    p.on('exit', (code, signal) => {
      clearTimeout(guard);
      clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`the child ended by itself (${code}): ${err}`));
      else resolve(out.split('\n').slice(0, -1)); // the last piece has no newline: not printed whole
    });
  });
}

async function bodyHash(box: Awaited<ReturnType<typeof createFileMailBox>>, id: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of box.openBody(id)) h.update(c);
  return h.digest('hex');
}

test(`SIGKILL during enqueue, lease and settle loses nothing acknowledged (${ROUNDS} rounds, seed ${SEED})`, async (t) => {
  const directory = mkdtempSync(join(tmpdir(), 'mailbox-crash-'));
  const rnd = seededRandomSource(SEED);
  const enqueued = new Map<string, { hash: string; count: number }>();
  const attempted = new Set<string>();
  const finals = new Map<string, string>();
  const reports = new Map<string, string>();
  let torn = 0;
  let snapshots = 0;
  let roundSnapshots = 0;
  let passed = false;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const lines = await runAndKill(directory, round, 150 + Math.floor(rnd() * 900));
      for (const line of lines) {
        const [kind, a, b, c] = line.split(' ');
        if (kind === 'E') enqueued.set(a!, { hash: b!, count: Number(c) });
        else if (kind === 'T') attempted.add(a!);
        else if (kind === 'S') finals.set(`${a} ${b}`, c!);
        else if (kind === 'R') reports.set(a!, b!);
        else if (kind === 'P') roundSnapshots = Math.max(roundSnapshots, Number(a));
      }
      snapshots += roundSnapshots;
      roundSnapshots = 0;
      // What recovery says (the queue id and path of a body it did not find), for the failure message.
      const said: string[] = [];
      const logger = createLineLogger(
        (r) => said.push(`${r.level} ${r.message} ${JSON.stringify(r.context)}`),
        'warn',
      );
      const box = await createFileMailBox({ directory, ...tuning, logger });
      try {
        torn += box.stats().recovery.tornBytes > 0 ? 1 : 0;
        assert.equal(
          box.stats().recovery.missingBodies,
          0,
          `round ${round}: no acknowledged body went missing; recovery said:\n${said.join('\n')}`,
        );
        const all: QueuedMessage[] = await box.list({ limit: 1_000_000 });
        assert.equal((await box.counts()).messages, all.length);
        const byMessageId = new Map<string, QueuedMessage[]>();
        for (const m of all) {
          const list = byMessageId.get(m.messageId ?? '') ?? [];
          list.push(m);
          byMessageId.set(m.messageId ?? '', list);
          for (const r of m.recipients)
            assert.ok(
              ['waiting', 'held', 'dead', 'delivered', 'transferred', 'failed'].includes(r.state),
              `${m.id}/${r.index} is ${r.state} after a restart`,
            );
        }
        for (const [id, e] of enqueued) {
          const m = await box.get(id);
          if (!m) {
            assert.ok(attempted.has(id), `round ${round}: acknowledged message ${id} is lost`);
            continue;
          }
          assert.equal(m.recipients.length, e.count, `${id} kept its recipients`);
          assert.equal(await bodyHash(box, id), e.hash, `${id} kept its body`);
        }
        for (const [key, state] of finals) {
          const [id, index] = key.split(' ');
          const m = await box.get(id!);
          if (m) assert.equal(m.recipients[Number(index)]?.state, state, `${key} went back from ${state}`);
        }
        for (const [key, hash] of reports) {
          const found = byMessageId.get(`<${key}@test>`) ?? [];
          assert.equal(found.length, 1, `report ${key} is stored exactly once`);
          assert.equal(await bodyHash(box, found[0]!.id), hash);
        }
        for (const [messageId, list] of byMessageId)
          assert.equal(list.length, 1, `${messageId} is stored ${list.length} times`);
      } finally {
        await box.close();
      }
    }
    t.diagnostic(
      `${enqueued.size} acknowledged enqueues, ${finals.size} final outcomes, ${reports.size} reports, ` +
        `${torn} of ${ROUNDS} restarts cut a torn tail, ${snapshots} snapshots written by the children`,
    );
    assert.ok(enqueued.size > ROUNDS, 'the child got work done before each kill');
    assert.ok(finals.size > 0 && reports.size > 0, 'kills landed while settling too');
    // One snapshot per open is recovery's; the rest were written under load, where kills land.
    assert.ok(snapshots > 2 * ROUNDS, 'the children wrote snapshots while working');
    passed = true;
  } finally {
    // A failing run keeps its store for reading (its path is printed).
    if (passed) rmSync(directory, { recursive: true, force: true });
    else t.diagnostic(`the store of the failing run is kept in ${directory}`);
  }
});
