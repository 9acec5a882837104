/**
 * mail.box store benchmark: how fast messages become durable, beside the naive ways in the same
 * run. Peers:
 *
 * - `file store`: createFileMailBox (journal, small bodies inline, group commit).
 * - `file per message`: what a simple queue does (and Postfix's queue file): each message in its
 *   own file, fsynced, then its directory fsynced: two fsyncs per message, no sharing.
 * - `journal, fsync each`: the same journal frames, one fdatasync per message (group commit off),
 *   which isolates what grouping buys.
 * - `sqlite …`: better-sqlite3 in WAL mode with synchronous=FULL (one transaction per message,
 *   and batched per event-loop turn), when `MAILBOX_BENCH_SQLITE` names an installed
 *   better-sqlite3 (it is not a dependency of the project; see the router README).
 *
 * Cells: 1 KB and 100 KB bodies, 1, 10 and 50 concurrent enqueuers, three rounds with the peers
 * in rotated order, the median round shown; then settle/s and lease/s on
 * the file store. Each figure comes with CPU time per operation (this process) and the load
 * average, since the machine is shared.
 *
 * Run: node test/bench/router-store/dist/store.bench.js
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileMailBox, type LeasedMessage, type NewMessage } from '@mailroute/router';

const T0 = 1_767_000_000_000;

interface Peer {
  readonly name: string;
  /** Opens a fresh store in `dir`; returns an enqueue function, a close, and an fsync counter. */
  open(dir: string): Promise<{
    enqueue(m: NewMessage): Promise<unknown>;
    fsyncs(): number;
    close(): Promise<void>;
  }>;
}

function message(n: number, body: Buffer): NewMessage {
  return {
    envelope: { mailFrom: 'sender@example.com', receivedFrom: 'client.example' },
    arrivalMs: T0 + n,
    messageId: `<${n}@bench>`,
    recipients: [
      { address: `r${n}@example.net`, destination: 'example.net', route: { hop: 'mx.example.net' } },
    ],
    body,
  };
}

const fileStore: Peer = {
  name: 'file store (group commit)',
  async open(dir) {
    const box = await createFileMailBox({ directory: dir });
    return {
      enqueue: (m) => box.enqueue(m),
      fsyncs: () => {
        const s = box.stats();
        return s.journalFlushes + s.directorySyncs + s.bodyFiles;
      },
      close: () => box.close(),
    };
  },
};

async function syncDir(path: string): Promise<void> {
  const d = await open(path, 'r');
  await d.sync();
  await d.close();
}

const filePerMessage: Peer = {
  name: 'file per message (2 fsyncs each)',
  async open(dir) {
    let fsyncs = 0;
    let n = 0;
    return {
      async enqueue(m) {
        const head = Buffer.from(`${JSON.stringify({ envelope: m.envelope, recipients: m.recipients })}\n`);
        const f = await open(join(dir, `${process.pid}-${n++}.msg`), 'wx');
        await f.writev([head, m.body as Buffer]);
        await f.datasync();
        await f.close();
        await syncDir(dir);
        fsyncs += 2;
      },
      fsyncs: () => fsyncs,
      close: async () => {},
    };
  },
};

const journalEach: Peer = {
  name: 'journal, fsync each',
  async open(dir) {
    const f: FileHandle = await open(join(dir, 'journal.log'), 'a');
    let fsyncs = 0;
    let tail: Promise<void> = Promise.resolve();
    return {
      enqueue(m) {
        const head = Buffer.from(`${JSON.stringify({ envelope: m.envelope, recipients: m.recipients })}\n`);
        // One writer at a time (an append log), each message flushed on its own.
        tail = tail.then(async () => {
          await f.writev([head, m.body as Buffer]);
          await f.datasync();
          fsyncs++;
        });
        return tail;
      },
      fsyncs: () => fsyncs,
      close: () => f.close(),
    };
  },
};

interface SqliteDb {
  pragma(s: string): unknown;
  exec(s: string): void;
  prepare(s: string): { run(...a: unknown[]): unknown };
  transaction(fn: (rows: NewMessage[]) => void): (rows: NewMessage[]) => void;
  close(): void;
}

function sqlitePeers(): Peer[] {
  const path = process.env.MAILBOX_BENCH_SQLITE;
  if (!path) return [];
  const Database = createRequire(import.meta.url)(path) as new (file: string) => SqliteDb;
  const make = (batched: boolean): Peer => ({
    name: batched ? 'sqlite WAL FULL, batched per turn' : 'sqlite WAL FULL, txn per message',
    async open(dir) {
      const db = new Database(join(dir, 'mail.box.sqlite'));
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.exec(
        'CREATE TABLE m (id INTEGER PRIMARY KEY, envelope TEXT, body BLOB);' +
          'CREATE TABLE r (mid INTEGER, idx INTEGER, address TEXT, destination TEXT, state TEXT, PRIMARY KEY (mid, idx))',
      );
      const insertM = db.prepare('INSERT INTO m (id, envelope, body) VALUES (?, ?, ?)');
      const insertR = db.prepare('INSERT INTO r VALUES (?, ?, ?, ?, ?)');
      let id = 0;
      let commits = 0;
      const write = db.transaction((rows: NewMessage[]) => {
        for (const m of rows) {
          const mid = ++id;
          insertM.run(mid, JSON.stringify(m.envelope), m.body);
          for (const [i, r] of m.recipients.entries())
            insertR.run(mid, i, r.address, r.destination, 'waiting');
        }
      });
      let batch: { m: NewMessage; done: () => void }[] = [];
      return {
        enqueue(m) {
          if (!batched) {
            write([m]);
            commits++;
            return Promise.resolve();
          }
          return new Promise<void>((done) => {
            batch.push({ m, done });
            if (batch.length === 1)
              setImmediate(() => {
                const b = batch;
                batch = [];
                write(b.map((x) => x.m));
                commits++;
                for (const x of b) x.done();
              });
          });
        },
        fsyncs: () => commits, // WAL + FULL: one fsync of the WAL per commit
        close: async () => db.close(),
      };
    },
  });
  return [make(false), make(true)];
}

const load = (): string => loadavg()[0]!.toFixed(1);

interface Cell {
  peer: string;
  perSec: number;
  cpuUsPerOp: number;
  fsyncsPerOp: number;
  load: string;
}

async function enqueueCell(peer: Peer, bodyBytes: number, concurrency: number, total: number): Promise<Cell> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-store-'));
  try {
    const store = await peer.open(dir);
    const body = randomBytes(bodyBytes);
    // Warm-up, not counted.
    await Promise.all(
      Array.from({ length: Math.min(concurrency, 20) }, (_, i) => store.enqueue(message(-1 - i, body))),
    );
    const fsyncsBefore = store.fsyncs();
    let next = 0;
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < total) await store.enqueue(message(next++, body));
      }),
    );
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const used = process.cpuUsage(cpu);
    const fsyncs = store.fsyncs() - fsyncsBefore;
    await store.close();
    return {
      peer: peer.name,
      perSec: total / seconds,
      cpuUsPerOp: (used.user + used.system) / total,
      fsyncsPerOp: fsyncs / total,
      load: load(),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function settleAndLease(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-store-'));
  try {
    const box = await createFileMailBox({ directory: dir });
    const body = randomBytes(1024);
    const total = 3000;
    let next = 0;
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (next < total) await box.enqueue(message(next++, body));
      }),
    );
    // lease/s: one unit per call, so the figure is the cost of a call on a 3,000-message queue.
    let cpu = process.cpuUsage();
    let start = process.hrtime.bigint();
    const units: LeasedMessage[] = [];
    for (let i = 0; i < total; i++)
      units.push(...(await box.lease({ owner: 'n1', nowMs: T0 + 1e6, leaseMs: 600_000, limit: 1 })));
    let seconds = Number(process.hrtime.bigint() - start) / 1e9;
    let used = process.cpuUsage(cpu);
    console.log(
      `| lease (limit 1, 3,000 queued) | ${(total / seconds).toFixed(0)}/s | ${((used.user + used.system) / total).toFixed(0)} µs | - | ${load()} |`,
    );
    // settle/s: half deferred (written, message kept), half final (message dropped), 10 at a time.
    const before = box.stats();
    cpu = process.cpuUsage();
    start = process.hrtime.bigint();
    let k = 0;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        while (k < units.length) {
          const u = units[k]!;
          const final = k++ % 2 === 0;
          await box.settle({
            id: u.message.id,
            owner: 'n1',
            outcomes: [
              final
                ? { index: 0, state: 'transferred', attemptMs: T0, reply: { code: 250, text: 'ok' } }
                : {
                    index: 0,
                    state: 'waiting',
                    attemptMs: T0,
                    nextAttemptMs: T0 + 900_000,
                    reply: { code: 451, text: 'later' },
                  },
            ],
          });
        }
      }),
    );
    seconds = Number(process.hrtime.bigint() - start) / 1e9;
    used = process.cpuUsage(cpu);
    const after = box.stats();
    console.log(
      `| settle (10 concurrent) | ${(units.length / seconds).toFixed(0)}/s | ${((used.user + used.system) / units.length).toFixed(0)} µs | ${((after.journalFlushes - before.journalFlushes) / units.length).toFixed(2)} | ${load()} |`,
    );
    await box.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const peers = [fileStore, journalEach, filePerMessage, ...sqlitePeers()];
console.log(
  `Node ${process.version}, ${tmpdir()}, load average at start ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}\n`,
);
console.log('| body | concurrent | store | enqueues/s | CPU per enqueue | fsyncs per enqueue | load |');
console.log('|---|---|---|---|---|---|---|');
// Three rounds per cell, the peers in a rotated order each round, the median round kept: the
// machine is shared, and a neighbour's burst should not decide a comparison.
const median = (cells: Cell[]): Cell =>
  [...cells].sort((a, b) => a.perSec - b.perSec)[Math.floor(cells.length / 2)]!;
for (const bodyBytes of [1024, 100 * 1024]) {
  for (const concurrency of [1, 10, 50]) {
    const total = concurrency === 1 ? 200 : bodyBytes > 10_000 ? 600 : 1500;
    const results = new Map<string, Cell[]>();
    for (let round = 0; round < 3; round++)
      for (let i = 0; i < peers.length; i++) {
        const peer = peers[(i + round) % peers.length]!;
        const c = await enqueueCell(peer, bodyBytes, concurrency, total);
        results.set(peer.name, [...(results.get(peer.name) ?? []), c]);
      }
    for (const peer of peers) {
      const c = median(results.get(peer.name)!);
      console.log(
        `| ${bodyBytes / 1024} KB | ${concurrency} | ${c.peer} | ${c.perSec.toFixed(0)} | ${c.cpuUsPerOp.toFixed(0)} µs | ${c.fsyncsPerOp.toFixed(2)} | ${c.load} |`,
      );
    }
  }
}
console.log('\n| operation (file store) | rate | CPU per op | flushes per op | load |');
console.log('|---|---|---|---|---|');
await settleAndLease();
