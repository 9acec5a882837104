/**
 * What the conformance suite does not cover: migrations and the command, NOTIFY wake-ups and the
 * LISTEN connection's recovery, the cross-node per-destination limit, errors when the database
 * is away.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Logger } from '@mailroute/envelope';
import {
  createPostgresMailBox,
  MIGRATIONS,
  migrate,
  SCHEMA_VERSION,
  schemaVersion,
} from '@mailroute/queue-postgres';
import type { NewMessage } from '@mailroute/router';
import { freePort } from '@mailroute/test-support';
import pg from 'pg';
import { adminPool, freshSchema, postgres, skip } from './helpers.js';

const run = promisify(execFile);
const BIN = fileURLToPath(
  new URL('../../../packages/queue-postgres/bin/mailroute-queue-postgres.js', import.meta.url),
);
const T0 = 1_767_000_000_000;

function msg(destination: string, extra: Partial<NewMessage> = {}): NewMessage {
  return {
    envelope: { mailFrom: 'a@example.com' },
    arrivalMs: T0,
    recipients: [{ address: `x@${destination}`, destination }],
    body: Buffer.from('Subject: t\r\n\r\nhi\r\n'),
    ...extra,
  };
}

/** A logger that keeps its lines. */
function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const l = {
    lines,
    debug: () => {},
    info: (_: object, m: string) => void lines.push(`info ${m}`),
    warn: (_: object, m: string) => void lines.push(`warn ${m}`),
    error: (_: object, m: string) => void lines.push(`error ${m}`),
    child: () => l,
  };
  return l;
}

async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('queue-postgres', { skip }, () => {
  test('migrate applies each version once, also from several nodes at once; the store refuses an unmigrated schema', async () => {
    const pool = await adminPool();
    const url = (await postgres()).url;
    const schema = `m${process.pid}`;
    await assert.rejects(createPostgresMailBox({ connectionString: url, schema }), {
      code: 'MAILBOX_INVALID',
      message: /not there; run `mailroute-queue-postgres migrate/,
    });
    assert.equal(await schemaVersion(pool, { schema }), 0);
    const pools = Array.from({ length: 3 }, () => new pg.Pool({ connectionString: url, max: 1 }));
    try {
      const results = await Promise.all(pools.map((p) => migrate(p, { schema })));
      assert.deepEqual(results.map((r) => r.applied.length).sort(), [0, 0, MIGRATIONS.length]);
      assert.deepEqual(await migrate(pool, { schema }), {
        from: SCHEMA_VERSION,
        to: SCHEMA_VERSION,
        applied: [],
      });
      const box = await createPostgresMailBox({ connectionString: url, schema, listen: false });
      await box.close();
      // A schema newer than this package is refused, by migrate and by the store.
      await pool.query(`INSERT INTO "${schema}".schema_migrations (version, name) VALUES ($1, 'future')`, [
        SCHEMA_VERSION + 1,
      ]);
      await assert.rejects(migrate(pool, { schema }), /newer than this package knows/);
      await assert.rejects(createPostgresMailBox({ connectionString: url, schema }), {
        code: 'MAILBOX_INVALID',
      });
    } finally {
      await Promise.all(pools.map((p) => p.end()));
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    }
    await assert.rejects(migrate(pool, { schema: 'x"; DROP TABLE y; --' }), /plain SQL name/);
  });

  test('the mailroute-queue-postgres command migrates and reports the version', async () => {
    const url = (await postgres()).url;
    const schema = `c${process.pid}`;
    const first = await run(process.execPath, [BIN, 'migrate', url, '--schema', schema]);
    assert.match(first.stdout, new RegExp(`migrated from version 0 to ${SCHEMA_VERSION}`));
    const again = await run(process.execPath, [BIN, 'migrate', url, '--schema', schema]);
    assert.match(again.stdout, /nothing to do/);
    const v = await run(process.execPath, [BIN, 'version', url, '--schema', schema]);
    assert.match(v.stdout, new RegExp(`version ${SCHEMA_VERSION}`));
    await assert.rejects(run(process.execPath, [BIN, 'migrate']), (e: { code: number; stderr: string }) => {
      assert.equal(e.code, 64);
      assert.match(e.stderr, /usage/);
      return true;
    });
    const port = await freePort();
    await assert.rejects(
      run(process.execPath, [BIN, 'migrate', `postgres://postgres@127.0.0.1:${port}/x`]),
      (e: { code: number; stderr: string }) => {
        assert.equal(e.code, 1);
        assert.match(e.stderr, /ECONNREFUSED|connect/);
        return true;
      },
    );
    await (await adminPool()).query(`DROP SCHEMA "${schema}" CASCADE`);
  });

  test('an enqueue, a release and a reroute on one node wake the others (NOTIFY)', async () => {
    const { url, schema, drop } = await freshSchema();
    const a = await createPostgresMailBox({ connectionString: url, schema });
    const b = await createPostgresMailBox({ connectionString: url, schema });
    try {
      assert.equal(b.listening, true);
      let wakes = 0;
      b.onWork(() => wakes++);
      const id = await a.enqueue(
        msg('d', { recipients: [{ address: 'x@d', destination: 'd', state: 'held' }] }),
      );
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(wakes, 0, 'a held recipient is no work');
      await a.release(id, T0);
      await until('the release wake-up', () => wakes === 1);
      await a.enqueue(msg('e'));
      await until('the enqueue wake-up', () => wakes === 2);
      await a.reroute(id, 0, 'f', undefined, T0);
      await until('the reroute wake-up', () => wakes === 3);
    } finally {
      await a.close();
      await b.close();
      await drop();
    }
  });

  test('a lost LISTEN connection is logged, polled over and reconnected', async () => {
    const { url, schema, drop } = await freshSchema();
    const logger = recordingLogger();
    const box = await createPostgresMailBox({ connectionString: url, schema, logger, pollIntervalMs: 100 });
    const other = await createPostgresMailBox({ connectionString: url, schema, listen: false });
    const admin = await adminPool();
    try {
      let wakes = 0;
      box.onWork(() => wakes++);
      await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN "mailroute_queue_${schema}"'`,
      );
      await until('the lost line', () =>
        logger.lines.some((l) => l.startsWith('warn') && /lost the LISTEN/.test(l)),
      );
      await until('the poll fallback or the reconnect wake-up', () => wakes >= 1);
      await until('the reconnect', () => box.listening);
      assert.ok(logger.lines.some((l) => /LISTEN connection back/.test(l)));
      const before = wakes;
      await other.enqueue(msg('d'));
      await until('a NOTIFY after the reconnect', () => wakes > before);
    } finally {
      await box.close();
      await other.close();
      await drop();
    }
  });

  test('maxInFlightPerDestination holds across nodes', async () => {
    const { url, schema, drop } = await freshSchema();
    const nodes = await Promise.all(
      [1, 2, 3].map(() =>
        createPostgresMailBox({ connectionString: url, schema, listen: false, maxInFlightPerDestination: 2 }),
      ),
    );
    try {
      for (let i = 0; i < 10; i++) await nodes[0]!.enqueue(msg('slow.example'));
      await nodes[0]!.enqueue(msg('other.example'));
      const leased = (
        await Promise.all(
          nodes.map((n, i) => n.lease({ owner: `n${i}`, nowMs: T0, leaseMs: 60_000, limit: 10 })),
        )
      ).flat();
      assert.equal(leased.filter((u) => u.destination === 'slow.example').length <= 2, true);
      // Contention may leave a destination to another node for one round; a second round fills it.
      const more = (
        await Promise.all(
          nodes.map((n, i) => n.lease({ owner: `n${i}`, nowMs: T0, leaseMs: 60_000, limit: 10 })),
        )
      ).flat();
      const all = [...leased, ...more];
      assert.equal(all.filter((u) => u.destination === 'slow.example').length, 2);
      assert.equal(all.filter((u) => u.destination === 'other.example').length, 1);
      const done = all.find((u) => u.destination === 'slow.example')!;
      await nodes[0]!.settle({
        id: done.message.id,
        owner: done.recipients[0]!.leaseOwner!,
        outcomes: [{ index: 0, state: 'transferred', attemptMs: T0 }],
      });
      const next = await nodes[1]!.lease({ owner: 'n1', nowMs: T0, leaseMs: 60_000, limit: 10 });
      assert.equal(next.length, 1, 'a settled unit frees one place');
      // An expired lease no longer counts.
      const later = await nodes[2]!.lease({ owner: 'n2', nowMs: T0 + 60_000, leaseMs: 60_000, limit: 10 });
      assert.equal(later.filter((u) => u.destination === 'slow.example').length, 2);
      await assert.rejects(
        createPostgresMailBox({ connectionString: url, schema, maxInFlightPerDestination: 0 }),
        { code: 'MAILBOX_INVALID' },
      );
    } finally {
      await Promise.all(nodes.map((n) => n.close()));
      await drop();
    }
  });

  test('a database that is away gives MAILBOX_IO (temporary) and one clear log line', async () => {
    const port = await freePort();
    await assert.rejects(
      createPostgresMailBox({ connectionString: `postgres://postgres@127.0.0.1:${port}/x` }),
      (e: { code: string; temporary: boolean }) => {
        assert.equal(e.code, 'MAILBOX_IO');
        assert.equal(e.temporary, true);
        return true;
      },
    );
    const { url, schema, drop } = await freshSchema();
    const logger = recordingLogger();
    const box = await createPostgresMailBox({
      connectionString: url,
      schema,
      logger,
      listen: false,
      maxConnections: 1,
    });
    const admin = await adminPool();
    try {
      await box.enqueue(msg('d'));
      await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND application_name = '' AND query NOT LIKE 'LISTEN%' AND datname = 'postgres' AND backend_type = 'client backend' AND state = 'idle' AND query LIKE '%recipients%'`,
      );
      // The pool's idle client died: the next call either reconnects at once or reports MAILBOX_IO.
      for (let i = 0; i < 3; i++) {
        try {
          await box.counts();
          break;
        } catch (e) {
          assert.equal((e as { code: string }).code, 'MAILBOX_IO');
        }
      }
      assert.equal((await box.counts()).messages, 1);
      if (logger.lines.some((l) => /lost the connection/.test(l)))
        assert.ok(logger.lines.some((l) => /connected to PostgreSQL again/.test(l)));
    } finally {
      await box.close();
      await drop();
    }
  });
});
