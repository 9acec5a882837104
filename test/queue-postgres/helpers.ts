/**
 * One PostgreSQL server per test file (started on first use, stopped when the file's tests end)
 * and a fresh, migrated schema per test.
 */
import { after } from 'node:test';
import { migrate } from '@mailroute/queue-postgres';
import { type PostgresServer, postgresSkipReason, startPostgres } from '@mailroute/test-support';
import pg from 'pg';

/** Why these tests skip (PostgreSQL not installed), or false. */
export const skip = postgresSkipReason();

let server: Promise<PostgresServer> | undefined;
let admin: pg.Pool | undefined;
let schemas = 0;

/** The file's server (started once). */
export function postgres(): Promise<PostgresServer> {
  server ??= startPostgres();
  return server;
}

after(async () => {
  await admin?.end().catch(() => {});
  if (server) await (await server).stop();
});

/** A pool on the file's server for the test's own queries. */
export async function adminPool(): Promise<pg.Pool> {
  const s = await postgres();
  if (!admin) {
    admin = new pg.Pool({ connectionString: s.url, max: 4 });
    admin.on('error', () => {}); // an idle client dropped by a server restart is replaced
  }
  return admin;
}

/** A new, migrated schema: its name and a function that drops it. */
export async function freshSchema(): Promise<{ url: string; schema: string; drop: () => Promise<void> }> {
  const s = await postgres();
  const pool = await adminPool();
  const schema = `t${process.pid}_${++schemas}`;
  await migrate(pool, { schema });
  return {
    url: s.url,
    schema,
    drop: async () => {
      await pool.query(`DROP SCHEMA "${schema}" CASCADE`);
    },
  };
}
