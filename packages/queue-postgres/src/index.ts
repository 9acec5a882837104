/**
 * @mailroute/queue-postgres: the router's mail.box (`MailBox`) on PostgreSQL, so several router
 * nodes share one queue: leases with `FOR UPDATE SKIP LOCKED`, takeover of a dead node's work when
 * its leases run out, NOTIFY wake-ups, versioned migrations.
 *
 * @packageDocumentation
 */
export {
  type ClientSource,
  DEFAULT_SCHEMA,
  MIGRATIONS,
  type MigrateResult,
  type Migration,
  migrate,
  SCHEMA_VERSION,
  schemaVersion,
} from './schema.js';
export {
  createPostgresMailBox,
  DEFAULT_INLINE_BODY_MAX_BYTES,
  type PostgresMailBox,
  type PostgresMailBoxOptions,
} from './store.js';
