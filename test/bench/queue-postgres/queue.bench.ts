/**
 * @mailroute/queue-postgres beside the embedded file store, in the same run: enqueue latency
 * (p50/p99) and rate at 50 concurrent 1 KB enqueues, lease+settle throughput with 1, 2 and 3
 * nodes on one database, the database's size per queued message, and EXPLAIN of the hot queries.
 * PostgreSQL runs with its durable defaults (fsync on). The nodes here are separate MailBoxes
 * (each its own pool and connections) in this one process, not separate processes.
 *
 *   MAILROUTE_BENCH_PG_MESSAGES   messages per phase (default 3,000)
 *   MAILROUTE_BENCH_PG_SIZE       messages for the size figure (default 20,000)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPostgresMailBox, migrate } from '@mailroute/queue-postgres';
import { createFileMailBox, type MailBox, type NewMessage } from '@mailroute/router';
import { postgresSkipReason, startPostgres } from '@mailroute/test-support';
import pg from 'pg';

const M = Number(process.env.MAILROUTE_BENCH_PG_MESSAGES ?? 3000);
const SIZE_N = Number(process.env.MAILROUTE_BENCH_PG_SIZE ?? 20_000);
const CLIENTS = 50;
const body = Buffer.alloc(1024, 'x');
const load = (): string => loadavg()[0]!.toFixed(1);

function msg(i: number): NewMessage {
  const d = `d${i % 20}.example`;
  return {
    envelope: { mailFrom: 'a@example.com' },
    arrivalMs: Date.now(),
    recipients: [{ address: `r${i}@${d}`, destination: d }],
    body,
  };
}

async function enqueueRun(
  box: MailBox,
  n: number,
): Promise<{ rate: number; p50: number; p99: number; cpuUs: number }> {
  const lat: number[] = [];
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < n) {
        const i = next++;
        const s = performance.now();
        await box.enqueue(msg(i));
        lat.push(performance.now() - s);
      }
    }),
  );
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  lat.sort((a, b) => a - b);
  return {
    rate: (n / ms) * 1000,
    p50: lat[Math.floor(lat.length * 0.5)]!,
    p99: lat[Math.floor(lat.length * 0.99)]!,
    cpuUs: (cpu.user + cpu.system) / n,
  };
}

/** `nodes` lease/settle loops (limit 20 units) until `n` units are settled. */
async function drain(nodes: MailBox[], n: number): Promise<{ rate: number; cpuUs: number }> {
  let done = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    nodes.map(async (box, k) => {
      const owner = `node${k}`;
      while (done < n) {
        const units = await box.lease({ owner, nowMs: Date.now(), leaseMs: 60_000, limit: 20 });
        if (units.length === 0) {
          await new Promise((r) => setTimeout(r, 5));
          continue;
        }
        await Promise.all(
          units.map((u) =>
            box.settle({
              id: u.message.id,
              owner,
              outcomes: u.recipients.map((r) => ({
                index: r.index,
                state: 'transferred' as const,
                attemptMs: Date.now(),
              })),
            }),
          ),
        );
        done += units.length;
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  return { rate: (n / (performance.now() - t0)) * 1000, cpuUs: (cpu.user + cpu.system) / n };
}

const skip = postgresSkipReason();
if (skip) {
  console.log(`skipped: ${skip}`);
} else {
  const server = await startPostgres({ fast: false });
  const admin = new pg.Pool({ connectionString: server.url, max: 2 });
  const dir = mkdtempSync(join(tmpdir(), 'qp-bench-'));
  try {
    await migrate(admin, { schema: 'bench' });
    const pgOpen = () =>
      createPostgresMailBox({
        connectionString: server.url,
        schema: 'bench',
        listen: false,
        maxConnections: 20,
      });
    console.log(`${M} messages of 1 KB per phase, ${CLIENTS} concurrent enqueues; PostgreSQL fsync on\n`);
    console.log('| store | phase | rate/s | p50 ms | p99 ms | client CPU per op | load |');
    console.log('| --- | --- | --- | --- | --- | --- | --- |');
    const file = await createFileMailBox({ directory: join(dir, 'file') });
    let e = await enqueueRun(file, M);
    console.log(
      `| file | enqueue | ${e.rate.toFixed(0)} | ${e.p50.toFixed(2)} | ${e.p99.toFixed(2)} | ${e.cpuUs.toFixed(0)} µs | ${load()} |`,
    );
    let d = await drain([file], M);
    console.log(
      `| file | lease+settle, 1 node | ${d.rate.toFixed(0)} | | | ${d.cpuUs.toFixed(0)} µs | ${load()} |`,
    );
    await file.close();
    for (const nodes of [1, 2, 3]) {
      const boxes = await Promise.all(Array.from({ length: nodes }, pgOpen));
      e = await enqueueRun(boxes[0]!, M);
      if (nodes === 1)
        console.log(
          `| postgres | enqueue | ${e.rate.toFixed(0)} | ${e.p50.toFixed(2)} | ${e.p99.toFixed(2)} | ${e.cpuUs.toFixed(0)} µs | ${load()} |`,
        );
      d = await drain(boxes, M);
      console.log(
        `| postgres | lease+settle, ${nodes} node${nodes > 1 ? 's' : ''} | ${d.rate.toFixed(0)} | | | ${d.cpuUs.toFixed(0)} µs | ${load()} |`,
      );
      await Promise.all(boxes.map((b) => b.close()));
    }
    // Size: the schema's tables and indexes per queued message.
    const box = await pgOpen();
    const size0 = await admin.query<{ s: string }>(
      `SELECT sum(pg_total_relation_size(c.oid))::bigint AS s FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'bench' AND c.relkind = 'r'`,
    );
    await enqueueRun(box, SIZE_N);
    await admin.query('VACUUM ANALYZE bench.messages, bench.recipients');
    const size1 = await admin.query<{ s: string }>(
      `SELECT sum(pg_total_relation_size(c.oid))::bigint AS s FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'bench' AND c.relkind = 'r'`,
    );
    const per = (Number(size1.rows[0]!.s) - Number(size0.rows[0]!.s)) / SIZE_N;
    console.log(
      `\nsize: ${SIZE_N} queued 1 KB messages (one recipient) take ${((per * SIZE_N) / 1e6).toFixed(1)} MB: ${per.toFixed(0)} bytes each, ${((per * 100_000) / 1e6).toFixed(0)} MB per 100,000`,
    );
    // EXPLAIN of the hot queries with SIZE_N messages waiting.
    const now = Date.now() + 1000;
    const plans: [string, string, unknown[]][] = [
      [
        'lease: candidate units',
        `SELECT r.message_id, r.destination FROM bench.recipients r WHERE r.due_ms <= $1 AND ($2::text[] IS NULL OR r.destination = ANY($2::text[])) AND NOT (r.destination = ANY($3::text[])) AND (r.message_id || '/' || r.destination) <> ALL($4::text[]) ORDER BY r.due_ms, r.message_id, r.idx LIMIT 80`,
        [now, null, [], []],
      ],
      [
        'lease: candidate units of one destination',
        `SELECT r.message_id, r.destination FROM bench.recipients r WHERE r.due_ms <= $1 AND ($2::text[] IS NULL OR r.destination = ANY($2::text[])) AND NOT (r.destination = ANY($3::text[])) AND (r.message_id || '/' || r.destination) <> ALL($4::text[]) ORDER BY r.due_ms, r.message_id, r.idx LIMIT 80`,
        [now, ['d3.example'], [], []],
      ],
      [
        'lease: lock and lease 20 candidate units (SKIP LOCKED)',
        `WITH c AS (SELECT r.message_id AS m, r.destination AS d FROM bench.recipients r WHERE r.due_ms <= $1 ORDER BY r.due_ms, r.message_id, r.idx LIMIT 20), locked AS (SELECT r.message_id, r.idx FROM bench.recipients r JOIN c ON r.message_id = c.m AND r.destination = c.d WHERE r.due_ms <= $1 FOR UPDATE OF r SKIP LOCKED) UPDATE bench.recipients r SET state = 'in-flight', lease_owner = 'n', lease_expires_ms = $2 FROM locked WHERE r.message_id = locked.message_id AND r.idx = locked.idx RETURNING r.message_id, r.idx, r.destination`,
        [now, now + 60_000],
      ],
      [
        'settle: lock the recipients',
        'SELECT idx, state, lease_owner, attempts FROM bench.recipients WHERE message_id = (SELECT min(id) FROM bench.messages) ORDER BY idx FOR UPDATE',
        [],
      ],
      [
        'counts: per destination',
        `SELECT destination, count(*) FILTER (WHERE state = 'waiting') AS waiting, count(*) FILTER (WHERE state = 'in-flight') AS in_flight, min(next_attempt_ms) FILTER (WHERE state = 'waiting') AS next FROM bench.recipients WHERE due_ms IS NOT NULL GROUP BY destination`,
        [],
      ],
    ];
    for (const [name, sql, params] of plans) {
      const c = await admin.connect();
      try {
        await c.query('BEGIN');
        const r = await c.query(`EXPLAIN (ANALYZE, COSTS OFF) ${sql}`, params);
        console.log(`\n${name}:\n${r.rows.map((x) => `    ${x['QUERY PLAN']}`).join('\n')}`);
      } finally {
        await c.query('ROLLBACK');
        c.release();
      }
    }
    await box.close();
  } finally {
    await admin.end();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
