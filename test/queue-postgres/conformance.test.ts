import { describe, test } from 'node:test';
import { createPostgresMailBox } from '@mailroute/queue-postgres';
import { mailBoxConformance } from '@mailroute/router/conformance';
import { freshSchema, skip } from './helpers.js';

// The router's conformance suite, unchanged, against a real PostgreSQL: a fresh schema per test.
if (skip) {
  describe('MailBox conformance: postgres', () => {
    test('skipped', { skip }, () => {});
  });
} else {
  mailBoxConformance(
    'postgres',
    async () => {
      const { url, schema, drop } = await freshSchema();
      const open = () => createPostgresMailBox({ connectionString: url, schema, maxConnections: 12 });
      return { mailBox: await open(), reopen: open, cleanup: drop };
    },
    { largeBodyMaxGrowthBytes: 40 * 1024 * 1024 },
  );
}
