/**
 * Several router nodes (separate processes, `node-child.ts`: real `createRouter` Routers over the
 * PostgreSQL mail.box, transferring with @mailroute/smtp-client) relay N messages to a counting
 * SMTP sink (@mailroute/testing's capture server, counting every message it accepts by
 * Message-ID and by the sending node's EHLO name). The test process submits the mail through a
 * Router of its own that is not started (an SMTP front end): the nodes learn of it from NOTIFY.
 * MAILROUTE_PG_MESSAGES changes N (default 3,000, the issue's figure).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sleep, systemClock } from '@mailroute/envelope';
import { createPostgresMailBox } from '@mailroute/queue-postgres';
import { startCaptureServer } from '@mailroute/testing';
import { adminPool, freshSchema, postgres, skip } from './helpers.js';
import { relayNode } from './relay-node.js';

const N = Number(process.env.MAILROUTE_PG_MESSAGES ?? 3000);
/** The restart test relays half as many: what it shows is the outage, not the volume. */
const RESTART_N = Math.ceil(N / 2);
const CHILD = fileURLToPath(new URL('./node-child.js', import.meta.url));
const messageId = (i: number): string => `<m${i}@multinode.test>`;

/** The counting sink: every accepted message by Message-ID, with the EHLO names of its senders in order. */
async function countingSink() {
  const seen = new Map<string, string[]>();
  let total = 0;
  const server = await startCaptureServer({
    // Counting is done in the rule; the kept copies are only a bounded window.
    maxMessages: 200,
    whenFull: 'drop-oldest',
    rules: {
      message(m) {
        const id = m.header('message-id') ?? '?';
        total++;
        const list = seen.get(id);
        if (list) list.push(m.helo);
        else seen.set(id, [m.helo]);
        return undefined;
      },
    },
  });
  return { port: server.port, seen, total: () => total, close: () => server.close() };
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

/**
 * Submits n messages of 1 KB through a Router that is not started, 50 at a time (50 SMTP
 * clients); a temporary failure (the database restarting) is retried with the same idempotency
 * key, as a client retries after a 451. Resolves with the queue id of each message by index.
 */
async function submitAll(url: string, schema: string, sinkPort: number, n: number): Promise<string[]> {
  const box = await createPostgresMailBox({
    connectionString: url,
    schema,
    listen: false,
    maxConnections: 10,
  });
  const { router, agent } = relayNode({ box, owner: 'front', sinkPort });
  const ids: string[] = new Array(n);
  const filler = 'x'.repeat(76);
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (next < n) {
          const i = next++;
          const body = Buffer.from(
            `From: sender@test.example\r\nTo: r${i}@d${i % 5}.example\r\nMessage-ID: ${messageId(i)}\r\nSubject: ${i}\r\n\r\n${`${filler}\r\n`.repeat(12)}`,
          );
          for (let delay = 50; ; delay = Math.min(2000, delay * 2)) {
            try {
              ids[i] = (
                await router.submit({
                  envelope: { mailFrom: 'sender@test.example' },
                  recipients: [{ address: `r${i}@d${i % 5}.example` }],
                  body,
                  idempotencyKey: `multinode-${i}`,
                })
              ).id;
              break;
            } catch (e) {
              if ((e as { temporary?: boolean }).temporary !== true) throw e;
              await sleep(systemClock, delay);
            }
          }
        }
      }),
    );
  } finally {
    await agent.close();
    await box.close();
  }
  return ids;
}

/** Every message delivered; the queue empty. */
async function drained(
  schema: string,
  sink: Awaited<ReturnType<typeof countingSink>>,
  n: number,
): Promise<void> {
  const pool = await adminPool();
  await until(
    'every message delivered and the queue empty',
    async () => {
      if (sink.seen.size < n) return false;
      const c = await pool
        .query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".messages`)
        .catch(() => ({ rows: [{ n: '-1' }] }));
      return Number(c.rows[0]!.n) === 0;
    },
    600_000,
  );
}

function perNode(seen: Map<string, string[]>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const helos of seen.values()) for (const h of helos) out[h] = (out[h] ?? 0) + 1;
  return out;
}

describe('several router nodes on one PostgreSQL queue', { skip, timeout: 900_000 }, () => {
  test(`three nodes relay ${N} messages over SMTP, each once; one SIGKILLed midway loses nothing`, async () => {
    const { url, schema, drop } = await freshSchema();
    const sink = await countingSink();
    const nodes: ChildProcess[] = [];
    try {
      for (const owner of ['node1', 'node2', 'node3'])
        nodes.push(await startNode(url, schema, owner, sink.port));
      const startedMs = Date.now();
      const submitted = submitAll(url, schema, sink.port, N);
      await until('a third of the messages at the sink', () => sink.seen.size >= N / 3, 600_000);
      nodes[1]!.kill('SIGKILL');
      await new Promise((r) => nodes[1]!.once('exit', r));
      // What node2 held when it died: its in-flight leases, the only mail that may be sent twice.
      const pool = await adminPool();
      const held = await pool.query<{ id: string }>(
        `SELECT DISTINCT message_id AS id FROM "${schema}".recipients WHERE state = 'in-flight' AND lease_owner = 'node2'`,
      );
      const heldIds = new Set(held.rows.map((r) => r.id));
      const ids = await submitted;
      const submittedMs = Date.now() - startedMs;
      await drained(schema, sink, N);
      const elapsedMs = Date.now() - startedMs;

      const duplicates: string[] = [];
      for (let i = 0; i < N; i++) {
        const helos = sink.seen.get(messageId(i));
        assert.ok(helos, `message ${i} (${ids[i]}) reached the sink`);
        if (helos.length === 1) continue;
        duplicates.push(ids[i]!);
        assert.equal(helos.length, 2, `message ${i} delivered ${helos.length} times`);
        assert.equal(helos[0], 'node2.test', `message ${i}: only the killed node's mail is sent twice`);
        assert.ok(heldIds.has(ids[i]!), `message ${i} (${ids[i]}) was one of node2's in-flight leases`);
      }
      assert.equal(sink.seen.size, N, 'no message the test did not send');
      const counts = perNode(sink.seen);
      process.stderr.write(
        `multi-node: ${N} messages through 3 Router nodes in ${elapsedMs} ms (${Math.round((N * 1000) / elapsedMs)}/s; submitted in ${submittedMs} ms); ` +
          `${sink.total()} deliveries, ${duplicates.length} duplicate(s) (node2 held ${heldIds.size} lease(s) when killed); per node ${JSON.stringify(counts)}\n`,
      );
      for (const i of [0, 2]) assert.equal(nodes[i]!.exitCode, null, `node${i + 1} is still running`);
      assert.ok((counts['node1.test'] ?? 0) > 0 && (counts['node3.test'] ?? 0) > 0, 'the work was shared');
    } finally {
      for (const n of nodes) n.kill('SIGKILL');
      await sink.close();
      await drop();
    }
  });

  test('PostgreSQL restarts midway: the nodes recover, nothing is lost or sent twice', async () => {
    const { url, schema, drop } = await freshSchema();
    const sink = await countingSink();
    const nodes: ChildProcess[] = [];
    const server = await postgres();
    try {
      for (const owner of ['node1', 'node2']) nodes.push(await startNode(url, schema, owner, sink.port));
      const startedMs = Date.now();
      const submitted = submitAll(url, schema, sink.port, RESTART_N);
      await until('a third of the messages at the sink', () => sink.seen.size >= RESTART_N / 3, 600_000);
      const restartMs = Date.now();
      await server.restart();
      const restartedMs = Date.now() - restartMs;
      const ids = await submitted;
      await drained(schema, sink, RESTART_N);
      const elapsedMs = Date.now() - startedMs;
      const duplicates: string[] = [];
      for (let i = 0; i < RESTART_N; i++) {
        const helos = sink.seen.get(messageId(i));
        assert.ok(helos, `message ${i} (${ids[i]}) reached the sink`);
        if (helos.length > 1) duplicates.push(`${ids[i]} (${helos.join(', ')})`);
      }
      process.stderr.write(
        `restart: ${RESTART_N} messages through 2 Router nodes in ${elapsedMs} ms, PostgreSQL down ${restartedMs} ms; ` +
          `${sink.total()} deliveries, ${duplicates.length} duplicate(s)${duplicates.length > 0 ? `: ${duplicates.join('; ')}` : ''}; per node ${JSON.stringify(perNode(sink.seen))}\n`,
      );
      assert.deepEqual(duplicates, [], 'no message was sent twice');
      for (const n of nodes) assert.equal(n.exitCode, null, 'the nodes lived through the restart');
    } finally {
      for (const n of nodes) n.kill('SIGKILL');
      await sink.close();
      await drop().catch(() => {});
    }
  });
});
