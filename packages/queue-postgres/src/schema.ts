/**
 * The schema, as versioned migrations the package applies when asked (`migrate(pool)` or
 * `mailroute-queue-postgres migrate <url>`), never on import or open. Each migration runs in its
 * own transaction under an advisory lock, so two nodes starting together apply it once.
 */
import type pg from 'pg';

/** One schema version: the SQL that takes the previous version to this one. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  /** The SQL; `{s}` stands for the quoted schema name. */
  readonly sql: string;
}

/**
 * The migrations in order. A released migration is never edited: a change is a new version.
 *
 * Bodies up to `inlineBodyMaxBytes` are one bytea in `messages.body`; larger ones are rows of
 * `body_chunks` (256 KiB each by default), so a 50 MB message never is one value in memory.
 * `due_ms` is the time a recipient falls due (a waiting one's next attempt, an in-flight one's
 * lease end), kept by PostgreSQL, so the lease query walks one partial index.
 */
export const MIGRATIONS: readonly Migration[] = Object.freeze([
  {
    version: 1,
    name: 'messages, recipients, body chunks, idempotency keys',
    sql: `
CREATE SEQUENCE {s}.queue_ids;
CREATE TABLE {s}.messages (
  id text PRIMARY KEY,
  envelope jsonb NOT NULL,
  arrival_ms bigint NOT NULL,
  message_id text,
  size_bytes bigint NOT NULL,
  idempotency_key text,
  body bytea,
  chunks integer NOT NULL DEFAULT 0
);
CREATE INDEX messages_arrival ON {s}.messages (arrival_ms);
CREATE TABLE {s}.body_chunks (
  message_id text NOT NULL REFERENCES {s}.messages (id) ON DELETE CASCADE,
  n integer NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY (message_id, n)
);
CREATE TABLE {s}.recipients (
  message_id text NOT NULL REFERENCES {s}.messages (id) ON DELETE CASCADE,
  idx integer NOT NULL,
  address text NOT NULL,
  orcpt text,
  notify jsonb,
  destination text NOT NULL,
  route jsonb,
  state text NOT NULL CHECK (state IN ('waiting','in-flight','delivered','transferred','failed','held','dead')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_ms bigint NOT NULL,
  last_attempt_ms bigint,
  last_reply jsonb,
  remote_mta text,
  lease_owner text,
  lease_expires_ms bigint,
  delay_reported boolean NOT NULL DEFAULT false,
  due_ms bigint GENERATED ALWAYS AS (
    CASE state WHEN 'waiting' THEN next_attempt_ms WHEN 'in-flight' THEN lease_expires_ms END
  ) STORED,
  PRIMARY KEY (message_id, idx)
);
CREATE INDEX recipients_due ON {s}.recipients (due_ms, message_id, idx) WHERE due_ms IS NOT NULL;
CREATE INDEX recipients_destination_due ON {s}.recipients (destination, due_ms, message_id, idx) WHERE due_ms IS NOT NULL;
CREATE INDEX recipients_state ON {s}.recipients (state, message_id);
CREATE TABLE {s}.idempotency_keys (
  key text PRIMARY KEY,
  message_id text NOT NULL,
  dropped_at_ms bigint
);
CREATE INDEX idempotency_keys_dropped ON {s}.idempotency_keys (dropped_at_ms) WHERE dropped_at_ms IS NOT NULL;
`,
  },
]);

/** The newest schema version this package knows. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** The default schema (PostgreSQL namespace) of the queue's tables. */
export const DEFAULT_SCHEMA = 'mailroute';

/** A schema name quoted as an SQL identifier; only plain names are accepted. */
export function quotedSchema(schema: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema))
    throw new TypeError(`schema must be a plain SQL name (letters, digits, _): ${JSON.stringify(schema)}`);
  return `"${schema}"`;
}

/** What {@link migrate} did. */
export interface MigrateResult {
  /** The version before. 0 for an empty database. */
  readonly from: number;
  /** The version now ({@link SCHEMA_VERSION}). */
  readonly to: number;
  /** The versions applied by this call. */
  readonly applied: readonly number[];
}

/** Anything that hands out a client: a `pg.Pool`. */
export interface ClientSource {
  connect(): Promise<pg.PoolClient>;
}

/**
 * Brings the schema up to {@link SCHEMA_VERSION}: creates the schema and its version table if
 * missing, then applies the migrations not yet applied, each in a transaction. Safe to run from
 * several nodes at once (an advisory lock serialises them). Refuses a database whose version is
 * newer than this package (an older node must not run against a newer schema).
 */
export async function migrate(pool: ClientSource, options: { schema?: string } = {}): Promise<MigrateResult> {
  const schema = options.schema ?? DEFAULT_SCHEMA;
  const s = quotedSchema(schema);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // One lock per schema name: nodes of the same queue wait for each other here.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`mailroute-queue-postgres:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const { rows } = await client.query<{ v: number | null }>(
      `SELECT max(version) AS v FROM ${s}.schema_migrations`,
    );
    const from = rows[0]?.v ?? 0;
    if (from > SCHEMA_VERSION)
      throw new Error(
        `the queue schema ${schema} is at version ${from}, newer than this package knows (${SCHEMA_VERSION}); upgrade @mailroute/queue-postgres`,
      );
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (m.version <= from) continue;
      await client.query(m.sql.replaceAll('{s}', s));
      await client.query(`INSERT INTO ${s}.schema_migrations (version, name) VALUES ($1, $2)`, [
        m.version,
        m.name,
      ]);
      applied.push(m.version);
    }
    await client.query('COMMIT');
    return { from, to: SCHEMA_VERSION, applied };
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    client.release();
  }
}

/** The schema's version in the database, 0 when it was never migrated. */
export async function schemaVersion(
  pool: { query: pg.Pool['query'] },
  options: { schema?: string } = {},
): Promise<number> {
  const schema = options.schema ?? DEFAULT_SCHEMA;
  const { rows } = await pool.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [
    `${quotedSchema(schema)}.schema_migrations`,
  ]);
  if (!rows[0]?.t) return 0;
  const v = await pool.query<{ v: number | null }>(
    `SELECT max(version) AS v FROM ${quotedSchema(schema)}.schema_migrations`,
  );
  return v.rows[0]?.v ?? 0;
}
