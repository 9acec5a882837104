/**
 * The connection side of the PostgreSQL mail.box: the pool, one statement, one transaction, and
 * the mapping of driver errors to MailBox errors. A lost connection is logged once (and its
 * return once); calls in between reject with `MAILBOX_IO`, temporary, so an SMTP session answers
 * 451 and the pool reconnects on the next call.
 */
import type { Clock, Logger } from '@mailroute/envelope';
import { mailBoxError, type QueueId } from '@mailroute/router';
import pg from 'pg';

/** bigint columns (`int8`, oid 20) as JS numbers: every one here is epoch ms or a size. */
export const typeParsers = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 20 && format !== 'binary'
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/** The PostgreSQL error classes that mean the connection or server went away, not a bad query. */
export function isConnectionError(e: unknown): boolean {
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

export interface TxClient {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>>;
}

/** Thrown inside an enqueue transaction when its idempotency key is stored already (rolls it back). */
export class KeyTaken {
  constructor(readonly id: QueueId) {}
}

/** What {@link openDatabase} needs. */
export interface DatabaseOptions {
  readonly pool?: pg.Pool | undefined;
  readonly connectionString?: string | undefined;
  readonly maxConnections?: number | undefined;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** The store's access to PostgreSQL. */
export interface Database {
  readonly pool: pg.Pool;
  /** True when the pool was made here (closing the store ends it). */
  readonly ownPool: boolean;
  /** Throws `MAILBOX_CLOSED` once the store is closed. */
  open(): void;
  /** Driver errors as MailBox errors (`MAILBOX_IO`, or `MAILBOX_CLOSED` after close); others as they are. */
  mapError(e: unknown): unknown;
  /** One statement on any pooled connection. */
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  /** `body` in a transaction on one connection; a broken connection is not given back. */
  tx<T>(body: (c: TxClient) => Promise<T>, begin?: string): Promise<T>;
  /** True after {@link close}. */
  readonly closed: boolean;
  /** Marks the store closed, ends an own pool. */
  close(): Promise<void>;
}

/** Opens (lazily: pg connects on first use) the pool of one store. */
export function openDatabase(options: DatabaseOptions): Database {
  const { clock, logger } = options;
  const ownPool = !options.pool;
  const pool =
    options.pool ??
    new pg.Pool({
      connectionString: options.connectionString,
      max: options.maxConnections ?? 10,
      types: typeParsers,
    });

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

  return {
    pool,
    ownPool,
    open,
    mapError,
    query,
    tx,
    get closed() {
      return closed;
    },
    async close() {
      closed = true;
      if (ownPool) await pool.end().catch(() => {});
      pool.off('error', onPoolError);
    },
  };
}

/** What every part of the store shares: the database, the quoted schema, the NOTIFY channel. */
export interface QueueContext {
  readonly db: Database;
  /** The schema name as given. */
  readonly schema: string;
  /** The schema quoted for SQL text. */
  readonly s: string;
  /** The LISTEN/NOTIFY channel of this schema's queue. */
  readonly channel: string;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** NOTIFY the queue's channel in the caller's transaction (delivered at its commit). */
export function notify(ctx: QueueContext, c: TxClient): Promise<unknown> {
  return c.query('SELECT pg_notify($1, $2)', [ctx.channel, '']);
}
