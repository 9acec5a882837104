/**
 * Helpers shared by the integration tests and benchmarks under test/ (not published).
 *
 * @packageDocumentation
 */
export { findKnotd, type KnotServer, startKnot, zoneWithSoa } from './knot.js';
export { freePort } from './ports.js';
export {
  findPostgresBin,
  type PostgresServer,
  postgresSkipReason,
  type StartPostgresOptions,
  startPostgres,
} from './postgres.js';
export { prng } from './prng.js';
