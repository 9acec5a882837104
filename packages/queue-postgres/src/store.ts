/**
 * mail.box on PostgreSQL: the router's `MailBox` in tables, shared by every router node that opens
 * the same database and schema. Enqueue is one transaction (the SMTP 250 follows its commit);
 * leases take recipient rows with `FOR UPDATE SKIP LOCKED`, so concurrent nodes never lease one
 * recipient twice and never wait for each other; a lease that runs out makes its rows due again,
 * so a dead node's work is taken over; every other change is one statement or one transaction.
 */
import { type Clock, type Logger, silentLogger, systemClock } from '@mailroute/envelope';
import {
  bodyChunks,
  DEFAULT_KEY_RETENTION_MS,
  type JsonValue,
  type LeasedMessage,
  type LeaseRequest,
  type ListFilter,
  type MailBox,
  type MailBoxCounts,
  mailBoxError,
  type NewMessage,
  type QueuedMessage,
  type QueueId,
  type RecipientOutcome,
  type RecipientState,
  type Settlement,
  validateNewMessage,
} from '@mailroute/router';
import pg from 'pg';
import {
  envelopeJson,
  MESSAGE_COLUMNS,
  type MessageRow,
  messageFromRows,
  RECIPIENT_COLUMNS,
  type RecipientRow,
} from './rows.js';
import { DEFAULT_SCHEMA, quotedSchema, SCHEMA_VERSION, schemaVersion } from './schema.js';
import { WorkSignal } from './wakeups.js';

/** Options of {@link createPostgresMailBox}. */
export interface PostgresMailBoxOptions {
  /** `postgres://user:password@host:port/database`; or pass {@link pool}. */
  readonly connectionString?: string | undefined;
  /**
   * A pool you own (closing the mail box does not end it). Its `options` must let this package
   * open one more connection for LISTEN: it uses the pool's connection settings.
   */
  readonly pool?: pg.Pool | undefined;
  /** The schema (PostgreSQL namespace) of the queue's tables; default `mailroute`. Migrate it first. */
  readonly schema?: string | undefined;
  /** Connections of the pool this package makes; default 10 (pg's default). */
  readonly maxConnections?: number | undefined;
  /** Stamps dropped keys and logs; default the system clock. */
  readonly clock?: Clock | undefined;
  /** Default silent. */
  readonly logger?: Logger | undefined;
  /**
   * How long an idempotency key is remembered after its message left the store. Default 7 days
   * (the embedded stores' default).
   */
  readonly keyRetentionMs?: number | undefined;
  /**
   * Bodies up to this size are one `bytea` value in the message row; larger ones are stored in
   * `body_chunks` rows of {@link chunkBytes} each and streamed in and out. Default 256 KiB.
   */
  readonly inlineBodyMaxBytes?: number | undefined;
  /** The size of one body chunk row; default 256 KiB. */
  readonly chunkBytes?: number | undefined;
  /**
   * At most this many units (a message for a destination) in flight per destination across every
   * node of the queue (Domino: "Maximum concurrent transfer threads" per destination, which here
   * holds for the whole cluster rather than per server). Default unlimited: each node's Router
   * limits its own threads.
   */
  readonly maxInFlightPerDestination?: number | undefined;
  /** Listen for NOTIFY wake-ups (one extra connection per node). Default true. */
  readonly listen?: boolean | undefined;
  /** While the LISTEN connection is down, wake the listeners this often. Default 5,000 ms. */
  readonly pollIntervalMs?: number | undefined;
  /** The longest wait between reconnect attempts of the LISTEN connection. Default 30,000 ms. */
  readonly reconnectMaxDelayMs?: number | undefined;
}

/** The PostgreSQL MailBox: the {@link MailBox} contract plus wake-ups and the pool. */
export interface PostgresMailBox extends MailBox {
  /**
   * Calls `listener` when work may have become due now on any node (an enqueue, a release, a
   * reroute: PostgreSQL NOTIFY), and every `pollIntervalMs` while the LISTEN connection is down.
   * Work that falls due later (a retry time, a lease end) is not signalled: lease at that time.
   * Returns the unsubscribe function.
   */
  onWork(listener: () => void): () => void;
  /** True while the LISTEN connection is up. */
  readonly listening: boolean;
  /** The pool the store uses (for monitoring; do not end it while the store is open). */
  readonly pool: pg.Pool;
}

/** Default {@link PostgresMailBoxOptions.inlineBodyMaxBytes}. */
export const DEFAULT_INLINE_BODY_MAX_BYTES = 256 * 1024;

const FINAL: ReadonlySet<string> = new Set(['delivered', 'transferred', 'failed']);
const STATES: ReadonlySet<string> = new Set([
  'waiting',
  'in-flight',
  'delivered',
  'transferred',
  'failed',
  'held',
  'dead',
]);
/** How often (at most) a node deletes idempotency keys past their retention. */
const KEY_PRUNE_INTERVAL_MS = 60_000;

/** bigint columns (`int8`, oid 20) as JS numbers: every one here is epoch ms or a size. */
const typeParsers = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 20 && format !== 'binary'
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/** The PostgreSQL error classes that mean the connection or server went away, not a bad query. */
function isConnectionError(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && (code.startsWith('08') || code.startsWith('57P'))) return true;
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE' || code === 'ENOTFOUND')
    return true;
  return /Connection terminated|connection timeout|Client has encountered a connection error/i.test(
    e.message,
  );
}

/** True for an error that came from PostgreSQL or the driver (rather than a body stream or our own). */
function isDatabaseError(e: unknown): boolean {
  return e instanceof Error && ('severity' in e || isConnectionError(e));
}

interface TxClient {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>>;
}

class KeyTaken {
  constructor(readonly id: QueueId) {}
}

/**
 * Opens the queue in an existing, migrated schema (see `migrate`): it refuses a schema at another
 * version with `MAILBOX_INVALID`. Nothing is created here.
 */
export async function createPostgresMailBox(options: PostgresMailBoxOptions): Promise<PostgresMailBox> {
  if (!options.pool && !options.connectionString)
    throw mailBoxError('MAILBOX_INVALID', 'createPostgresMailBox needs a connectionString or a pool');
  const clock = options.clock ?? systemClock;
  const schema = options.schema ?? DEFAULT_SCHEMA;
  const s = quotedSchema(schema);
  const logger = (options.logger ?? silentLogger).child({ component: 'mailbox', store: 'postgres', schema });
  const retentionMs = options.keyRetentionMs ?? DEFAULT_KEY_RETENTION_MS;
  const inlineMax = options.inlineBodyMaxBytes ?? DEFAULT_INLINE_BODY_MAX_BYTES;
  const chunkBytes = options.chunkBytes ?? 256 * 1024;
  const cap = options.maxInFlightPerDestination;
  if (cap !== undefined && (!Number.isInteger(cap) || cap < 1))
    throw mailBoxError('MAILBOX_INVALID', 'maxInFlightPerDestination must be a positive integer');
  if (!Number.isInteger(chunkBytes) || chunkBytes < 1024)
    throw mailBoxError('MAILBOX_INVALID', 'chunkBytes must be an integer of at least 1024');
  const ownPool = !options.pool;
  const pool =
    options.pool ??
    new pg.Pool({
      connectionString: options.connectionString,
      max: options.maxConnections ?? 10,
      types: typeParsers,
    });
  const channel = `mailroute_queue_${schema}`;

  // One clear line when the database goes away and one when it is back; the calls in between
  // reject with MAILBOX_IO (temporary: an SMTP session answers 451) and the pool reconnects.
  let downSinceMs: number | undefined;
  const noteLost = (e: unknown): void => {
    if (downSinceMs !== undefined) return;
    downSinceMs = clock.now();
    logger.warn(
      { reason: e instanceof Error ? e.message : String(e) },
      'queue-postgres: lost the connection to PostgreSQL; calls fail with MAILBOX_IO (temporary) until it is back',
    );
  };
  const noteUp = (): void => {
    if (downSinceMs === undefined) return;
    logger.info({ downMs: clock.now() - downSinceMs }, 'queue-postgres: connected to PostgreSQL again');
    downSinceMs = undefined;
  };
  const onPoolError = (e: Error): void => {
    // An idle client lost its connection (a server restart): the pool drops it.
    if (isConnectionError(e)) noteLost(e);
    else logger.error({ err: e }, 'queue-postgres: idle connection error');
  };
  pool.on('error', onPoolError);

  let closed = false;
  const open = (): void => {
    if (closed) throw mailBoxError('MAILBOX_CLOSED', 'the mail box is closed');
  };
  const mapError = (e: unknown): unknown => {
    if (closed && isDatabaseError(e)) return mailBoxError('MAILBOX_CLOSED', 'the mail box is closed', e);
    if (!isDatabaseError(e)) return e;
    if (isConnectionError(e)) noteLost(e);
    return mailBoxError('MAILBOX_IO', `PostgreSQL: ${(e as Error).message}`, e);
  };

  const query = async <R extends pg.QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>> => {
    open();
    try {
      const r = await pool.query<R>(text, values);
      noteUp();
      return r;
    } catch (e) {
      throw mapError(e);
    }
  };

  /** Runs `body` in a transaction on one connection; a broken connection is not given back. */
  const tx = async <T>(body: (c: TxClient) => Promise<T>, begin = 'BEGIN'): Promise<T> => {
    open();
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (e) {
      throw mapError(e);
    }
    let broken: Error | undefined;
    // A checked-out client that loses its connection between two statements emits 'error'
    // with no query to reject: without this listener that would crash the process.
    const onClientError = (e: Error): void => {
      broken = e;
      if (isConnectionError(e)) noteLost(e);
    };
    client.on('error', onClientError);
    try {
      await client.query(begin);
      const out = await body(client);
      await client.query('COMMIT');
      noteUp();
      return out;
    } catch (e) {
      if (isConnectionError(e)) broken = e as Error;
      else await client.query('ROLLBACK').catch((r: Error) => (broken = r));
      throw e instanceof KeyTaken ? e : mapError(e);
    } finally {
      client.off('error', onClientError);
      client.release(broken);
    }
  };

  const version = await schemaVersion(pool, { schema }).catch((e) => {
    if (ownPool) void pool.end().catch(() => {});
    throw mapError(e);
  });
  if (version !== SCHEMA_VERSION) {
    if (ownPool) await pool.end().catch(() => {});
    throw mailBoxError(
      'MAILBOX_INVALID',
      version === 0
        ? `the queue schema ${schema} is not there; run \`mailroute-queue-postgres migrate <url>\` or migrate(pool) first`
        : `the queue schema ${schema} is at version ${version}, this package needs ${SCHEMA_VERSION}; run the migrations`,
    );
  }

  const signal = new WorkSignal({
    newClient: () => new pg.Client({ ...pool.options, types: typeParsers } as pg.ClientConfig),
    channel,
    clock,
    logger,
    pollIntervalMs: options.pollIntervalMs ?? 5000,
    reconnectMaxDelayMs: options.reconnectMaxDelayMs ?? 30_000,
  });
  if (options.listen ?? true) await signal.start();

  const notify = (c: TxClient): Promise<unknown> => c.query('SELECT pg_notify($1, $2)', [channel, '']);

  /**
   * Inserts a message with a large body in the caller's transaction: its key first (a key
   * already there throws KeyTaken with the first id), then the row, the recipients and the body
   * as chunk rows while it streams in.
   */
  const insertMessage = async (
    c: TxClient,
    message: NewMessage,
    body: { stream: AsyncIterator<Uint8Array>; head: Uint8Array[] },
  ): Promise<QueueId> => {
    const idRow = await c.query<{ id: string }>(
      `SELECT lpad(nextval('${s}.queue_ids')::text, 16, '0') AS id`,
    );
    const id = idRow.rows[0]!.id;
    if (message.idempotencyKey !== undefined) {
      // Waits for a concurrent enqueue of the same key to finish; then either it committed (this
      // inserts nothing) or it rolled back (this one wins).
      const k = await c.query(
        `INSERT INTO ${s}.idempotency_keys (key, message_id) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING RETURNING key`,
        [message.idempotencyKey, id],
      );
      if (k.rowCount === 0) {
        const existing = await c.query<{ message_id: string }>(
          `SELECT message_id FROM ${s}.idempotency_keys WHERE key = $1`,
          [message.idempotencyKey],
        );
        throw new KeyTaken(existing.rows[0]!.message_id);
      }
    }
    await c.query(
      `INSERT INTO ${s}.messages (id, envelope, arrival_ms, message_id, size_bytes, idempotency_key, body, chunks)
       VALUES ($1, $2::jsonb, $3, $4, $5, $6, $7, 0)`,
      [
        id,
        envelopeJson(message.envelope),
        Math.floor(message.arrivalMs),
        message.messageId ?? null,
        0,
        message.idempotencyKey ?? null,
        null,
      ],
    );
    const rs = message.recipients;
    await c.query(
      `INSERT INTO ${s}.recipients (message_id, idx, address, orcpt, notify, destination, route, state, next_attempt_ms)
       SELECT $1, u.idx, u.address, u.orcpt, u.notify::jsonb, u.destination, u.route::jsonb, u.state, $2
       FROM unnest($3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
         AS u(idx, address, orcpt, notify, destination, route, state)`,
      [
        id,
        Math.floor(message.arrivalMs),
        rs.map((_, i) => i),
        rs.map((r) => r.address),
        rs.map((r) => r.orcpt ?? null),
        rs.map((r) => (r.notify === undefined ? null : JSON.stringify(r.notify))),
        rs.map((r) => r.destination),
        rs.map((r) => (r.route === undefined ? null : JSON.stringify(r.route))),
        rs.map((r) => r.state ?? 'waiting'),
      ],
    );
    {
      // Chunk rows as the stream comes in, never the whole body in memory. One chunk buffer is
      // filled and reused (pg has copied it into its socket buffer when the INSERT resolves), so
      // a 50 MB body makes no 50 MB of garbage on this side.
      const piece = Buffer.allocUnsafe(chunkBytes);
      let filled = 0;
      let n = 0;
      let size = 0;
      const flush = async (): Promise<void> => {
        await c.query(`INSERT INTO ${s}.body_chunks (message_id, n, data) VALUES ($1, $2, $3)`, [
          id,
          n++,
          piece.subarray(0, filled),
        ]);
        size += filled;
        filled = 0;
      };
      const add = async (bytes: Uint8Array): Promise<void> => {
        for (let at = 0; at < bytes.length; ) {
          const take = Math.min(chunkBytes - filled, bytes.length - at);
          piece.set(bytes.subarray(at, at + take), filled);
          filled += take;
          at += take;
          if (filled === chunkBytes) await flush();
        }
      };
      for (const h of body.head) await add(h);
      for (;;) {
        const next = await body.stream.next();
        if (next.done) break;
        await add(next.value);
      }
      if (filled > 0) await flush();
      await c.query(`UPDATE ${s}.messages SET size_bytes = $2, chunks = $3 WHERE id = $1`, [id, size, n]);
    }
    if (rs.some((r) => (r.state ?? 'waiting') === 'waiting')) await notify(c);
    return id;
  };

  /**
   * A message with a body small enough to be inline, in ONE statement (the key, the row, the
   * recipients and the NOTIFY as data-modifying CTEs): atomic on its own, one round trip. Resolves
   * with the new id, or undefined when its idempotency key was stored already (nothing inserted).
   */
  const insertInline = async (
    run: (text: string, values: unknown[]) => Promise<pg.QueryResult<{ id: string | null }>>,
    message: NewMessage,
    body: Buffer,
  ): Promise<QueueId | undefined> => {
    const rs = message.recipients;
    const r = await run(
      `WITH i AS (SELECT lpad(nextval('${s}.queue_ids')::text, 16, '0') AS id),
       k AS (INSERT INTO ${s}.idempotency_keys (key, message_id) SELECT $1, i.id FROM i WHERE $1::text IS NOT NULL
             ON CONFLICT (key) DO NOTHING RETURNING message_id),
       m AS (INSERT INTO ${s}.messages (id, envelope, arrival_ms, message_id, size_bytes, idempotency_key, body, chunks)
             SELECT i.id, $2::jsonb, $3, $4, $5, $1, $6, 0 FROM i WHERE $1::text IS NULL OR EXISTS (SELECT 1 FROM k)
             RETURNING id),
       r AS (INSERT INTO ${s}.recipients (message_id, idx, address, orcpt, notify, destination, route, state, next_attempt_ms)
             SELECT m.id, u.idx, u.address, u.orcpt, u.notify::jsonb, u.destination, u.route::jsonb, u.state, $3
             FROM m, unnest($7::int[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])
               AS u(idx, address, orcpt, notify, destination, route, state)
             RETURNING 1)
       SELECT (SELECT id FROM m) AS id,
              CASE WHEN $14 AND EXISTS (SELECT 1 FROM m) THEN pg_notify($15, '') END AS notified,
              (SELECT count(*) FROM r) AS recipients`,
      [
        message.idempotencyKey ?? null,
        envelopeJson(message.envelope),
        Math.floor(message.arrivalMs),
        message.messageId ?? null,
        body.length,
        body,
        rs.map((_, i) => i),
        rs.map((x) => x.address),
        rs.map((x) => x.orcpt ?? null),
        rs.map((x) => (x.notify === undefined ? null : JSON.stringify(x.notify))),
        rs.map((x) => x.destination),
        rs.map((x) => (x.route === undefined ? null : JSON.stringify(x.route))),
        rs.map((x) => x.state ?? 'waiting'),
        rs.some((x) => (x.state ?? 'waiting') === 'waiting'),
        channel,
      ],
    );
    return r.rows[0]?.id ?? undefined;
  };

  const keyed = async (key: string | undefined): Promise<QueueId | undefined> => {
    if (key === undefined) return undefined;
    const r = await query<{ message_id: string }>(
      `SELECT message_id FROM ${s}.idempotency_keys WHERE key = $1`,
      [key],
    );
    return r.rows[0]?.message_id;
  };

  const readWhole = async (body: NewMessage['body']): Promise<Buffer> => {
    const parts: Uint8Array[] = [];
    for await (const c of bodyChunks(body)) parts.push(c);
    return Buffer.concat(parts);
  };

  const loadMessages = async (c: TxClient | undefined, ids: readonly string[]): Promise<QueuedMessage[]> => {
    if (ids.length === 0) return [];
    const run = c ? c.query.bind(c) : query;
    const ms = await run<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM ${s}.messages WHERE id = ANY($1::text[]) ORDER BY id`,
      [ids],
    );
    const rs = await run<RecipientRow>(
      `SELECT ${RECIPIENT_COLUMNS} FROM ${s}.recipients WHERE message_id = ANY($1::text[]) ORDER BY message_id, idx`,
      [ids],
    );
    const byId = new Map<string, RecipientRow[]>();
    for (const r of rs.rows) {
      const list = byId.get(r.message_id);
      if (list) list.push(r);
      else byId.set(r.message_id, [r]);
    }
    return ms.rows.filter((m) => byId.has(m.id)).map((m) => messageFromRows(m, byId.get(m.id)!));
  };

  let lastPruneMs = 0;
  const pruneKeys = async (): Promise<void> => {
    const now = clock.now();
    if (now - lastPruneMs < KEY_PRUNE_INTERVAL_MS) return;
    lastPruneMs = now;
    await query(`DELETE FROM ${s}.idempotency_keys WHERE dropped_at_ms < $1`, [now - retentionMs]).catch(
      (e) => logger.warn({ err: e }, 'queue-postgres: pruning idempotency keys failed'),
    );
  };

  /** Drops a message whose recipients are all final (in the caller's transaction). */
  const dropIfFinal = async (c: TxClient, id: QueueId): Promise<void> => {
    await c.query(
      `WITH d AS (
         DELETE FROM ${s}.messages m WHERE m.id = $1
           AND NOT EXISTS (SELECT 1 FROM ${s}.recipients r WHERE r.message_id = $1
                           AND r.state NOT IN ('delivered', 'transferred', 'failed'))
         RETURNING idempotency_key)
       UPDATE ${s}.idempotency_keys k SET dropped_at_ms = $2 FROM d WHERE k.key = d.idempotency_key AND k.message_id = $1`,
      [id, clock.now()],
    );
  };

  /** Locks a message's recipients (in index order, so two transactions never deadlock). */
  const lockRecipients = async (
    c: TxClient,
    id: QueueId,
  ): Promise<{ idx: number; state: RecipientState; lease_owner: string | null; attempts: number }[]> => {
    const r = await c.query<{
      idx: number;
      state: RecipientState;
      lease_owner: string | null;
      attempts: number;
    }>(
      `SELECT idx, state, lease_owner, attempts FROM ${s}.recipients WHERE message_id = $1 ORDER BY idx FOR UPDATE`,
      [id],
    );
    return r.rows;
  };

  const checkIndexes = (id: QueueId, count: number, indexes: readonly number[] | undefined): void => {
    if (indexes === undefined) return;
    if (!Array.isArray(indexes)) throw mailBoxError('MAILBOX_INVALID', 'indexes must be an array');
    for (const i of indexes)
      if (!Number.isInteger(i) || i < 0 || i >= count)
        throw mailBoxError('MAILBOX_NOT_FOUND', `message ${id} has no recipient ${i}`);
  };

  const box: PostgresMailBox = {
    pool,
    get listening() {
      return signal.listening;
    },

    onWork(listener: () => void): () => void {
      return signal.subscribe(listener);
    },

    async enqueue(message: NewMessage): Promise<QueueId> {
      open();
      validateNewMessage(message);
      const existing = await keyed(message.idempotencyKey);
      if (existing !== undefined) return existing;
      // Read up to the inline limit before taking a connection: a slow sender of a small
      // message never holds one. A larger body streams into chunk rows inside the transaction.
      const it = bodyChunks(message.body)[Symbol.asyncIterator]();
      const head: Uint8Array[] = [];
      let headBytes = 0;
      let large = false;
      try {
        for (;;) {
          const next = await it.next();
          if (next.done) break;
          head.push(next.value);
          headBytes += next.value.length;
          if (headBytes > inlineMax) {
            large = true;
            break;
          }
        }
      } catch (e) {
        throw mapError(e);
      }
      if (!large) {
        const id = await insertInline(query, message, Buffer.concat(head));
        if (id !== undefined) return id;
        const first = await keyed(message.idempotencyKey);
        if (first === undefined)
          throw mailBoxError('MAILBOX_IO', 'an idempotency key vanished during enqueue');
        return first;
      }
      try {
        return await tx((c) => insertMessage(c, message, { stream: it, head }));
      } catch (e) {
        if (e instanceof KeyTaken) {
          await it.return?.(undefined);
          return e.id;
        }
        throw e;
      }
    },

    async lease(req: LeaseRequest): Promise<LeasedMessage[]> {
      open();
      if (!req || typeof req.owner !== 'string' || req.owner === '')
        throw mailBoxError('MAILBOX_INVALID', 'a lease needs an owner');
      if (!Number.isFinite(req.nowMs)) throw mailBoxError('MAILBOX_INVALID', 'nowMs is not a time');
      if (!Number.isFinite(req.leaseMs) || req.leaseMs <= 0)
        throw mailBoxError('MAILBOX_INVALID', 'leaseMs must be positive');
      if (!Number.isInteger(req.limit) || req.limit < 0)
        throw mailBoxError('MAILBOX_INVALID', 'limit must be a count');
      if (req.limit === 0) return [];
      const now = Math.floor(req.nowMs);
      const expires = Math.floor(req.nowMs + req.leaseMs);
      const only = req.destinations ? [...req.destinations] : null;
      const never = req.excludeDestinations ? [...req.excludeDestinations] : [];
      return tx(async (c) => {
        const units: { id: string; destination: string; rows: { idx: number }[] }[] = [];
        const tried: string[] = []; // `message/destination` (queue ids are digits: no ambiguity)
        const full = new Set<string>(); // destinations at maxInFlightPerDestination
        for (;;) {
          const want = req.limit - units.length;
          if (want <= 0) break;
          // Candidate units, earliest due first; no locks yet. The query walks the due index in
          // order and stops after a few rows per unit wanted (never the whole queue); units are
          // the rows' distinct (message, destination) in order of appearance. Units tried before
          // in this call (taken, or locked by another node) are left out, so the loop moves on.
          const rows = await c.query<{ message_id: string; destination: string }>(
            `SELECT r.message_id, r.destination FROM ${s}.recipients r
             WHERE r.due_ms <= $1
               AND ($2::text[] IS NULL OR r.destination = ANY($2::text[]))
               AND NOT (r.destination = ANY($3::text[]))
               AND (r.message_id || '/' || r.destination) <> ALL($4::text[])
             ORDER BY r.due_ms, r.message_id, r.idx
             LIMIT $5`,
            [now, only, [...never, ...full], tried, want * 4],
          );
          const seen = new Set<string>();
          const cand = { rows: [] as { message_id: string; destination: string }[] };
          for (const r of rows.rows) {
            const k = `${r.message_id}/${r.destination}`;
            if (seen.has(k)) continue;
            seen.add(k);
            cand.rows.push(r);
            if (cand.rows.length >= want) break;
          }
          if (cand.rows.length === 0) break;
          let picks = cand.rows;
          for (const p of picks) tried.push(`${p.message_id}/${p.destination}`);
          if (cap !== undefined) picks = await withinCap(c, picks, now, full);
          if (picks.length === 0) continue;
          // Lock and lease the candidates' due rows in one statement; rows another node is
          // leasing right now are skipped, not waited for.
          const leased = await c.query<{ message_id: string; idx: number; destination: string }>(
            `WITH c AS (SELECT * FROM unnest($1::text[], $2::text[]) AS c(m, d)),
             locked AS (
               SELECT r.message_id, r.idx FROM ${s}.recipients r JOIN c ON r.message_id = c.m AND r.destination = c.d
               WHERE r.due_ms <= $3
               FOR UPDATE OF r SKIP LOCKED)
             UPDATE ${s}.recipients r SET state = 'in-flight', lease_owner = $4, lease_expires_ms = $5
             FROM locked WHERE r.message_id = locked.message_id AND r.idx = locked.idx
             RETURNING r.message_id, r.idx, r.destination`,
            [picks.map((p) => p.message_id), picks.map((p) => p.destination), now, req.owner, expires],
          );
          const byUnit = new Map<string, { idx: number }[]>();
          for (const r of leased.rows) {
            const k = `${r.message_id}\u0000${r.destination}`;
            const list = byUnit.get(k);
            if (list) list.push(r);
            else byUnit.set(k, [r]);
          }
          for (const p of picks) {
            const rows = byUnit.get(`${p.message_id}\u0000${p.destination}`);
            if (rows)
              units.push({
                id: p.message_id,
                destination: p.destination,
                rows: rows.sort((a, b) => a.idx - b.idx),
              });
          }
        }
        if (units.length === 0) return [];
        const messages = new Map(
          (await loadMessages(c, [...new Set(units.map((u) => u.id))])).map((m) => [m.id, m]),
        );
        return units.map((u) => ({
          message: messages.get(u.id)!,
          destination: u.destination,
          recipients: messages.get(u.id)!.recipients.filter((r) => u.rows.some((x) => x.idx === r.index)),
          leaseExpiresMs: expires,
        }));
      });
    },

    async settle(settlement: Settlement): Promise<void> {
      open();
      validateSettlement(settlement);
      const reports = settlement.reports ?? [];
      for (const r of reports) validateNewMessage(r);
      // Report bodies are read before the transaction (they are small, made by the Router);
      // one whose key is stored already is not read at all.
      const bodies: (Buffer | undefined)[] = [];
      for (const r of reports)
        bodies.push((await keyed(r.idempotencyKey)) === undefined ? await readWhole(r.body) : undefined);
      await tx(async (c) => {
        const rows = await lockRecipients(c, settlement.id);
        if (rows.length > 0) {
          for (const o of settlement.outcomes)
            if (!Number.isInteger(o.index) || o.index < 0 || o.index >= rows.length)
              throw mailBoxError('MAILBOX_INVALID', `message ${settlement.id} has no recipient ${o.index}`);
          let changed = false;
          for (const o of settlement.outcomes) {
            const r = rows[o.index]!;
            if (!mayRecord(r, o, settlement.owner)) continue;
            const counts = o.countsAsAttempt !== false;
            r.state = o.state;
            r.lease_owner = null;
            if (counts) r.attempts++;
            await c.query(
              `UPDATE ${s}.recipients SET state = $3, attempts = $4,
                 last_attempt_ms = CASE WHEN $5 THEN $6 ELSE last_attempt_ms END,
                 next_attempt_ms = COALESCE($7, next_attempt_ms),
                 last_reply = COALESCE($8::jsonb, last_reply),
                 remote_mta = COALESCE($9, remote_mta),
                 delay_reported = delay_reported OR $10,
                 lease_owner = NULL, lease_expires_ms = NULL
               WHERE message_id = $1 AND idx = $2`,
              [
                settlement.id,
                o.index,
                o.state,
                r.attempts,
                counts,
                Math.floor(o.attemptMs),
                o.state === 'waiting' ? Math.floor(o.nextAttemptMs!) : null,
                o.reply === undefined ? null : JSON.stringify(o.reply),
                o.remoteMta ?? null,
                o.delayReported === true,
              ],
            );
            changed = true;
          }
          if (changed && rows.every((r) => FINAL.has(r.state))) await dropIfFinal(c, settlement.id);
        }
        for (let i = 0; i < reports.length; i++) {
          const body = bodies[i];
          if (!body) continue;
          // A key a concurrent settlement stored meanwhile makes this insert nothing (no error).
          await insertInline((text, values) => c.query(text, values), reports[i]!, body);
        }
      });
      await pruneKeys();
    },

    async *openBody(id: QueueId): AsyncIterable<Uint8Array> {
      const head = await query<{ body: Buffer | null; chunks: number }>(
        `SELECT body, chunks FROM ${s}.messages WHERE id = $1`,
        [id],
      );
      const m = head.rows[0];
      if (!m) throw mailBoxError('MAILBOX_NOT_FOUND', `no message ${String(id)}`);
      if (m.chunks === 0) {
        if (m.body && m.body.length > 0) yield m.body;
        return;
      }
      for (let n = 0; n < m.chunks; n++) {
        const r = await query<{ data: Buffer }>(
          `SELECT data FROM ${s}.body_chunks WHERE message_id = $1 AND n = $2`,
          [id, n],
        );
        const data = r.rows[0]?.data;
        if (!data)
          throw mailBoxError('MAILBOX_NOT_FOUND', `message ${String(id)} was removed while it was read`);
        yield data;
      }
    },

    async get(id: QueueId): Promise<QueuedMessage | undefined> {
      open();
      if (typeof id !== 'string') return undefined;
      return (await loadMessages(undefined, [id]))[0];
    },

    async list(filter: ListFilter = {}): Promise<QueuedMessage[]> {
      open();
      const limit = filter.limit ?? 100;
      if (!Number.isInteger(limit) || limit < 1)
        throw mailBoxError('MAILBOX_INVALID', 'limit must be positive');
      return tx(async (c) => {
        const ids = await c.query<{ id: string }>(
          `SELECT m.id FROM ${s}.messages m
           WHERE ($1::text IS NULL OR m.id > $1)
             AND ($2::bigint IS NULL OR m.arrival_ms < $2)
             AND (($3::text IS NULL AND $4::text IS NULL) OR EXISTS (
               SELECT 1 FROM ${s}.recipients r WHERE r.message_id = m.id
                 AND ($3::text IS NULL OR r.state = $3) AND ($4::text IS NULL OR r.destination = $4)))
           ORDER BY m.id LIMIT $5`,
          [
            filter.after ?? null,
            filter.arrivedBeforeMs === undefined ? null : Math.ceil(filter.arrivedBeforeMs),
            filter.state ?? null,
            filter.destination ?? null,
            limit,
          ],
        );
        return loadMessages(
          c,
          ids.rows.map((r) => r.id),
        );
      }, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    },

    async counts(): Promise<MailBoxCounts> {
      open();
      return tx(async (c) => {
        const messages = await c.query<{ n: number }>(`SELECT count(*) AS n FROM ${s}.messages`);
        const byState = await c.query<{ state: RecipientState; n: number }>(
          `SELECT state, count(*) AS n FROM ${s}.recipients GROUP BY state`,
        );
        const byDest = await c.query<{
          destination: string;
          waiting: number;
          in_flight: number;
          next: number | null;
        }>(
          `SELECT destination, count(*) FILTER (WHERE state = 'waiting') AS waiting,
                  count(*) FILTER (WHERE state = 'in-flight') AS in_flight,
                  min(next_attempt_ms) FILTER (WHERE state = 'waiting') AS next
           FROM ${s}.recipients WHERE due_ms IS NOT NULL GROUP BY destination`,
        );
        const recipients: Record<RecipientState, number> = {
          waiting: 0,
          'in-flight': 0,
          delivered: 0,
          transferred: 0,
          failed: 0,
          held: 0,
          dead: 0,
        };
        for (const r of byState.rows) recipients[r.state] = r.n;
        const destinations = byDest.rows
          .sort((a, b) => (a.destination < b.destination ? -1 : a.destination > b.destination ? 1 : 0))
          .map((d) =>
            d.next === null
              ? { destination: d.destination, waiting: d.waiting, inFlight: d.in_flight }
              : {
                  destination: d.destination,
                  waiting: d.waiting,
                  inFlight: d.in_flight,
                  nextAttemptMs: d.next,
                },
          );
        return { messages: messages.rows[0]!.n, recipients, destinations };
      }, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    },

    async hold(id: QueueId, indexes?: readonly number[]): Promise<void> {
      open();
      await tx(async (c) => {
        const rows = await lockRecipients(c, id);
        if (rows.length === 0) throw mailBoxError('MAILBOX_NOT_FOUND', `no message ${String(id)}`);
        checkIndexes(id, rows.length, indexes);
        await c.query(
          `UPDATE ${s}.recipients SET state = 'held' WHERE message_id = $1 AND state = 'waiting'
             AND ($2::int[] IS NULL OR idx = ANY($2::int[]))`,
          [id, indexes ? [...indexes] : null],
        );
      });
    },

    async release(id: QueueId, nowMs: number, indexes?: readonly number[]): Promise<void> {
      open();
      await tx(async (c) => {
        const rows = await lockRecipients(c, id);
        if (rows.length === 0) throw mailBoxError('MAILBOX_NOT_FOUND', `no message ${String(id)}`);
        if (!Number.isFinite(nowMs)) throw mailBoxError('MAILBOX_INVALID', 'nowMs is not a time');
        checkIndexes(id, rows.length, indexes);
        const r = await c.query(
          `UPDATE ${s}.recipients SET state = 'waiting', next_attempt_ms = $2
           WHERE message_id = $1 AND state IN ('held', 'dead') AND ($3::int[] IS NULL OR idx = ANY($3::int[]))`,
          [id, Math.floor(nowMs), indexes ? [...indexes] : null],
        );
        if ((r.rowCount ?? 0) > 0) await notify(c);
      });
    },

    async reroute(
      id: QueueId,
      index: number,
      destination: string,
      route: JsonValue | undefined,
      nowMs: number,
    ): Promise<void> {
      open();
      await tx(async (c) => {
        const rows = await lockRecipients(c, id);
        if (rows.length === 0) throw mailBoxError('MAILBOX_NOT_FOUND', `no message ${String(id)}`);
        if (typeof destination !== 'string' || destination === '')
          throw mailBoxError('MAILBOX_INVALID', 'reroute needs a destination');
        if (!Number.isFinite(nowMs)) throw mailBoxError('MAILBOX_INVALID', 'nowMs is not a time');
        checkIndexes(id, rows.length, [index]);
        const r = rows[index]!;
        if (FINAL.has(r.state)) return;
        if (r.state === 'in-flight')
          throw mailBoxError(
            'MAILBOX_IN_FLIGHT',
            `recipient ${index} of ${id} is in flight; settle it first`,
          );
        await c.query(
          `UPDATE ${s}.recipients SET destination = $3, route = $4::jsonb, state = 'waiting', next_attempt_ms = $5
           WHERE message_id = $1 AND idx = $2`,
          [id, index, destination, route === undefined ? null : JSON.stringify(route), Math.floor(nowMs)],
        );
        await notify(c);
      });
    },

    async remove(id: QueueId): Promise<void> {
      open();
      await query(
        `WITH d AS (DELETE FROM ${s}.messages WHERE id = $1 RETURNING idempotency_key)
         UPDATE ${s}.idempotency_keys k SET dropped_at_ms = $2 FROM d WHERE k.key = d.idempotency_key AND k.message_id = $1`,
        [id, clock.now()],
      );
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await signal.stop();
      if (ownPool) await pool.end().catch(() => {});
      pool.off('error', onPoolError);
    },
  };

  /** Takes the candidates whose destination has room under the cross-node cap. */
  async function withinCap(
    c: TxClient,
    picks: { message_id: string; destination: string }[],
    now: number,
    full: Set<string>,
  ): Promise<{ message_id: string; destination: string }[]> {
    const room = new Map<string, number>();
    const out: { message_id: string; destination: string }[] = [];
    for (const p of picks) {
      let left = room.get(p.destination);
      if (left === undefined) {
        // A transaction-scoped advisory lock per destination serialises the nodes leasing one
        // destination, so the count below cannot be raced; `try` so that two leases never wait
        // on each other (no deadlock): the loser leaves the destination for this round.
        const lock = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS ok', [
          `mailroute-queue-postgres:${schema}:${p.destination}`,
        ]);
        if (!lock.rows[0]!.ok) left = 0;
        else {
          const n = await c.query<{ n: number }>(
            `SELECT count(DISTINCT message_id) AS n FROM ${s}.recipients
             WHERE destination = $1 AND state = 'in-flight' AND lease_expires_ms > $2`,
            [p.destination, now],
          );
          left = Math.max(0, cap! - n.rows[0]!.n);
        }
        if (left === 0) full.add(p.destination);
      }
      if (left > 0) {
        out.push(p);
        left--;
      }
      room.set(p.destination, left);
    }
    return out;
  }

  return box;
}

function validateSettlement(s: Settlement): void {
  if (!s || typeof s.id !== 'string') throw mailBoxError('MAILBOX_INVALID', 'a settlement needs an id');
  if (typeof s.owner !== 'string') throw mailBoxError('MAILBOX_INVALID', 'a settlement needs an owner');
  if (!Array.isArray(s.outcomes)) throw mailBoxError('MAILBOX_INVALID', 'a settlement needs outcomes');
  for (const o of s.outcomes) {
    if (!STATES.has(o.state) || (o.state as string) === 'in-flight')
      throw mailBoxError('MAILBOX_INVALID', `no outcome ${String(o.state)}`);
    if (o.state === 'waiting' && !Number.isFinite(o.nextAttemptMs))
      throw mailBoxError('MAILBOX_INVALID', 'a waiting outcome needs nextAttemptMs');
    if (!Number.isFinite(o.attemptMs)) throw mailBoxError('MAILBOX_INVALID', 'attemptMs is not a time');
  }
}

/**
 * The settlement rules (the contract's): a final state is never left; a final outcome is always
 * recorded; a deferral only from the lease holder; `held`/`dead` unless another node holds it.
 */
function mayRecord(
  r: { state: RecipientState; lease_owner: string | null },
  o: RecipientOutcome,
  owner: string,
): boolean {
  if (FINAL.has(r.state)) return false;
  if (FINAL.has(o.state)) return true;
  const leasedByOther = r.state === 'in-flight' && r.lease_owner !== owner;
  if (o.state === 'waiting') return r.state === 'in-flight' && !leasedByOther;
  return !leasedByOther;
}
