/**
 * mail.box on PostgreSQL: the router's `MailBox` in tables, shared by every router node that opens
 * the same database and schema. Enqueue is one transaction (the SMTP 250 follows its commit);
 * leases take recipient rows with `FOR UPDATE SKIP LOCKED`, so concurrent nodes never lease one
 * recipient twice and never wait for each other; a lease that runs out makes its rows due again,
 * so a dead node's work is taken over; every other change is one statement or one transaction.
 */
import { type Clock, type Logger, silentLogger, systemClock } from '@mailroute/envelope';
import { DEFAULT_KEY_RETENTION_MS, type MailBox, mailBoxError } from '@mailroute/router';
import pg from 'pg';
import { openDatabase, type QueueContext, typeParsers } from './db.js';
import { enqueueing } from './enqueue.js';
import { leasing } from './lease.js';
import { operating } from './operator.js';
import { reading } from './read.js';
import { DEFAULT_SCHEMA, quotedSchema, SCHEMA_VERSION, schemaVersion } from './schema.js';
import { settling } from './settle.js';
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
  /**
   * How long `settle` keeps trying while PostgreSQL cannot be reached (a restart, a failover)
   * before it rejects with `MAILBOX_IO`. Default 30,000 ms; keep it well under the Router's
   * `leaseMs`, so the outcome of mail that has left is recorded before another node takes the
   * lease over and sends it again. 0: no retry.
   */
  readonly settleRetryMs?: number | undefined;
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
  const db = openDatabase({
    pool: options.pool,
    connectionString: options.connectionString,
    maxConnections: options.maxConnections,
    clock,
    logger,
  });
  const { pool, ownPool, mapError } = db;
  const channel = `mailroute_queue_${schema}`;

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

  const ctx: QueueContext = { db, schema, s, channel, clock, logger };
  const enq = enqueueing(ctx, inlineMax, chunkBytes);
  const reads = reading(ctx);
  const settleRetryMs = options.settleRetryMs ?? 30_000;
  if (!Number.isFinite(settleRetryMs) || settleRetryMs < 0)
    throw mailBoxError('MAILBOX_INVALID', 'settleRetryMs must be a time in ms');
  const settles = settling(ctx, retentionMs, settleRetryMs, enq);
  const { enqueue } = enq;
  const { lease } = leasing(ctx, cap, reads.loadMessages);
  const { settle } = settles;
  const { openBody, get, list, counts } = reads;
  const { hold, release, reroute, remove } = operating(ctx, settles.lockRecipients);

  const box: PostgresMailBox = {
    pool,
    get listening() {
      return signal.listening;
    },
    onWork(listener: () => void): () => void {
      return signal.subscribe(listener);
    },
    enqueue,
    lease,
    settle,
    openBody,
    get,
    list,
    counts,
    hold,
    release,
    reroute,
    remove,
    async close(): Promise<void> {
      if (db.closed) return;
      const ending = db.close(); // marks the store closed at once; ends an own pool
      await signal.stop();
      await ending;
    },
  };
  return box;
}
