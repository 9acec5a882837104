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
    // The large body is 160 MB and may grow memory by at most 96 MB: less than the body, so the
    // store does not hold it whole. (With the default 50 MB the bound would have to be above the
    // body size: `pg` allocates a fresh buffer per query in and out, about 50 MB of garbage per
    // 50 MB streamed, which V8 collects only when external memory has grown by tens of MB.)
    { largeBodyBytes: 160 * 1024 * 1024, largeBodyMaxGrowthBytes: 96 * 1024 * 1024 },
  );
}
