/**
 * Several nodes (separate processes, `node-child.ts`) on one PostgreSQL queue relay N messages to
 * a counting sink. These nodes run lease/settle loops directly on the MailBox (not the full
 * Router): what is tested is the store's sharing, takeover and recovery. MAILROUTE_PG_MESSAGES
 * changes N (default 1,500; the figure is 3,000).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { createInterface } from 'node:readline';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createPostgresMailBox } from '@mailroute/queue-postgres';
import { adminPool, freshSchema, postgres, skip } from './helpers.js';

const N = Number(process.env.MAILROUTE_PG_MESSAGES ?? 1500);
const CHILD = fileURLToPath(new URL('./node-child.js', import.meta.url));

/** The counting sink: every line `owner id/index` is recorded and answered `ok` after a short pause. */
async function countingSink(): Promise<{
  port: number;
  seen: Map<string, string[]>;
  total: () => number;
  close: () => Promise<void>;
}> {
  const seen = new Map<string, string[]>();
  let total = 0;
  const server: Server = createServer((socket) => {
    // A killed node resets its connection: that is expected, not a failure of the sink.
    socket.on('error', () => {});
    // readline re-emits its input's errors on the interface: without a listener there, a reset
    // from a killed node would be an uncaught exception in the test process.
    const lines = createInterface({ input: socket });
    lines.on('error', () => {});
    lines.on('line', (line) => {
      const [owner, key] = line.split(' ') as [string, string];
      total++;
      const list = seen.get(key);
      if (list) list.push(owner);
      else seen.set(key, [owner]);
      setTimeout(() => {
        if (!socket.destroyed) socket.write('ok\n');
      }, 1); // a remote MTA takes a moment
    });
  });
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    seen,
    total: () => total,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function startNode(url: string, schema: string, owner: string, sinkPort: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CHILD, url, schema, owner, String(sinkPort)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr?.on('data', (d) => process.stderr.write(String(d)));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${owner} exited ${code} before it was ready`)));
    createInterface({ input: child.stdout! }).once('line', () => resolve(child));
  });
}

async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function enqueueAll(url: string, schema: string): Promise<string[]> {
  const box = await createPostgresMailBox({ connectionString: url, schema, listen: false });
  const ids: string[] = [];
  const body = Buffer.alloc(1024, 'x');
  try {
    for (let i = 0; i < N; i += 50)
      ids.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(50, N - i) }, (_, j) =>
            box.enqueue({
              envelope: { mailFrom: 'a@example.com' },
              arrivalMs: Date.now(),
              recipients: [
                { address: `r${i + j}@d${(i + j) % 5}.example`, destination: `d${(i + j) % 5}.example` },
              ],
              body,
            }),
          ),
        )),
      );
  } finally {
    await box.close();
  }
  return ids;
}

describe('several nodes on one PostgreSQL queue', { skip, timeout: 600_000 }, () => {
  test(`three nodes relay ${N} messages, each once; one SIGKILLed midway loses nothing`, async () => {
    const { url, schema, drop } = await freshSchema();
    const sink = await countingSink();
    const nodes: ChildProcess[] = [];
    try {
      const ids = await enqueueAll(url, schema);
      for (const owner of ['node1', 'node2', 'node3'])
        nodes.push(await startNode(url, schema, owner, sink.port));
      await until('a third of the messages', () => sink.seen.size >= N / 3, 300_000);
      nodes[1]!.kill('SIGKILL');
      await new Promise((r) => nodes[1]!.once('exit', r));
      // What node2 held when it died: its in-flight leases, the only work that may be sent twice.
      const pool = await adminPool();
      const held = await pool.query<{ k: string }>(
        `SELECT message_id || '/' || idx AS k FROM "${schema}".recipients WHERE state = 'in-flight' AND lease_owner = 'node2'`,
      );
      const heldKeys = new Set(held.rows.map((r) => r.k));
      await until(
        'every message delivered and the queue empty',
        async () => {
          if (sink.seen.size < N) return false;
          const c = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".messages`);
          return Number(c.rows[0]!.n) === 0;
        },
        300_000,
      );
      for (const id of ids) assert.ok(sink.seen.has(`${id}/0`), `${id} was delivered`);
      const duplicates = [...sink.seen].filter(([, owners]) => owners.length > 1);
      for (const [key, owners] of duplicates) {
        assert.equal(owners.length, 2, `${key} delivered ${owners.length} times`);
        assert.equal(owners[0], 'node2', `${key}: only the killed node's work is sent twice`);
        assert.ok(heldKeys.has(key), `${key} was one of node2's in-flight leases`);
      }
      const perNode = new Map<string, number>();
      for (const owners of sink.seen.values())
        for (const o of owners) perNode.set(o, (perNode.get(o) ?? 0) + 1);
      process.stderr.write(
        `multi-node: ${N} messages, ${sink.total()} deliveries, ${duplicates.length} duplicates (node2 held ${heldKeys.size} leases when killed); per node ${JSON.stringify(Object.fromEntries(perNode))}\n`,
      );
      assert.ok(duplicates.length <= heldKeys.size);
      for (const i of [0, 2]) assert.equal(nodes[i]!.exitCode, null, `node${i + 1} is still running`);
      assert.ok((perNode.get('node1') ?? 0) > 0 && (perNode.get('node3') ?? 0) > 0, 'the work was shared');
    } finally {
      for (const n of nodes) n.kill('SIGKILL');
      await sink.close();
      await drop();
    }
  });

  test('PostgreSQL restarts midway: the nodes recover and nothing is lost or sent twice', async () => {
    const { url, schema, drop } = await freshSchema();
    const sink = await countingSink();
    const nodes: ChildProcess[] = [];
    const server = await postgres();
    try {
      const ids = await enqueueAll(url, schema);
      for (const owner of ['node1', 'node2']) nodes.push(await startNode(url, schema, owner, sink.port));
      await until('a third of the messages', () => sink.seen.size >= N / 3, 300_000);
      await server.restart();
      const pool = await adminPool();
      await until(
        'every message delivered and the queue empty',
        async () => {
          if (sink.seen.size < N) return false;
          const c = await pool
            .query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".messages`)
            .catch(() => ({ rows: [{ n: '-1' }] }));
          return Number(c.rows[0]!.n) === 0;
        },
        300_000,
      );
      for (const id of ids) assert.ok(sink.seen.has(`${id}/0`), `${id} was delivered`);
      const duplicates = [...sink.seen].filter(([, owners]) => owners.length > 1);
      process.stderr.write(
        `restart: ${N} messages, ${sink.total()} deliveries, ${duplicates.length} duplicates\n`,
      );
      assert.equal(duplicates.length, 0, 'no message was sent twice');
      for (const n of nodes) assert.equal(n.exitCode, null, 'the nodes lived through the restart');
    } finally {
      for (const n of nodes) n.kill('SIGKILL');
      await sink.close();
      await drop().catch(() => {});
    }
  });
});
