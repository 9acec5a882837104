// The file store lets a journal segment go only once no live message needs it. "No longer needed"
// must mean the frame that dropped the message is durable, not merely applied in memory: a
// snapshot's garbage collection that ran between the two deleted the segment holding the body
// of a message whose drop a crash could still undo, and recovery then found a queued message
// without a body (seen once in crash.test.ts). These tests stall the journal behind large
// frames so the snapshot's collection runs while the drop frame waits, and "crash" at that
// moment by copying the store and opening the copy.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { createFileMailBox } from '../../src/mailbox/file/store.js';
import type { NewMessage, QueueId } from '../../src/mailbox/types.js';

const T0 = 1_767_000_000_000;

function message(fill: number, size: number): NewMessage {
  return {
    envelope: { mailFrom: 'a@example.com' },
    arrivalMs: T0,
    recipients: [{ address: 'r@example.net', destination: 'd' }],
    body: Buffer.alloc(size, fill),
  };
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

type Drop = (box: Awaited<ReturnType<typeof createFileMailBox>>, id: QueueId) => Promise<void>;

interface Outcome {
  /** Rounds where the snapshot was written while the drop frame still waited: the window. */
  raced: number;
  /** Rounds where the kept body's segment was gone while a crash could still undo the drop. */
  unsafe: number;
  /** Bodies recovery missed after a crash at such a moment. */
  missing: number;
}

async function dropDuringSnapshot(drop: Drop, rounds: number): Promise<Outcome> {
  let raced = 0;
  let unsafe = 0;
  let missing = 0;
  for (let round = 0; round < rounds; round++) {
    const dir = mkdtempSync(join(tmpdir(), 'mailbox-drop-'));
    const copy = `${dir}-crash`;
    try {
      // The first commit past 1 KB starts a snapshot: it rolls to segment 1 and holds the kept
      // message, whose body is inline in segment 0.
      const box = await createFileMailBox({ directory: dir, snapshotAfterBytes: 1024 });
      const kept = await box.enqueue(message(0x41, 2000));
      // Large frames keep the journal busy, so the drop frame queued behind them is slow to land.
      const busy = Array.from({ length: 6 }, (_, i) => box.enqueue(message(0x42 + i, 250_000)));
      await turn();
      let dropped = false;
      const dropping = drop(box, kept).then(() => {
        dropped = true;
      });
      const segment0 = join(dir, 'journal', '000000000000.log');
      let snapshotFirst = false;
      while (!dropped && existsSync(segment0)) {
        await turn();
        if (!dropped && box.stats().snapshots > 0) snapshotFirst = true;
      }
      if (snapshotFirst) raced++;
      if (!dropped) {
        // The segment is gone while a crash could still undo the drop: crash here.
        unsafe++;
        cpSync(dir, copy, { recursive: true });
      }
      await Promise.all([dropping, ...busy]);
      await box.close();
      if (existsSync(copy)) {
        rmSync(join(copy, 'LOCK'), { force: true }); // the copy's lock names this live process
        const after = await createFileMailBox({ directory: copy });
        missing += after.stats().recovery.missingBodies;
        await after.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(copy, { recursive: true, force: true });
    }
  }
  return { raced, unsafe, missing };
}

/** Runs 10 rounds of `drop` against a snapshot and checks no body's segment went too early. */
async function checkDropOrder(t: TestContext, what: string, drop: Drop): Promise<void> {
  const r = await dropDuringSnapshot(drop, 10);
  t.diagnostic(
    `${r.raced} of 10 rounds wrote the snapshot before the ${what} was durable, ${r.unsafe} found ` +
      `the segment gone then; ${r.missing} bodies missing after a crash there`,
  );
  assert.ok(r.raced > 0, `the snapshot overtook the ${what} frame: the window was there`);
  assert.equal(r.unsafe, 0, 'no segment went before the frame that let it go was durable');
  assert.equal(r.missing, 0, 'a crash at that moment loses no body');
}

test('a settlement that drops a message: its segment outlives the drop frame, not just the drop', (t) =>
  checkDropOrder(t, 'drop', async (box, id) => {
    const [unit] = await box.lease({ owner: 'n', nowMs: T0, leaseMs: 60_000, limit: 1, destinations: ['d'] });
    assert.equal(unit?.message.id, id);
    await box.settle({ id, owner: 'n', outcomes: [{ index: 0, state: 'transferred', attemptMs: T0 }] });
  }));

test("the operator's remove: its segment outlives the remove frame", (t) =>
  checkDropOrder(t, 'remove', (box, id) => box.remove(id)));
