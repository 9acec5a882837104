import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mailBoxConformance } from '../../src/mailbox/conformance.js';
import { createFileMailBox } from '../../src/mailbox/file/store.js';

// Run twice: with the defaults, and with tiny segments, snapshots and inline limit so that
// rolling, snapshots, garbage collection and body files happen inside every test.
for (const [name, tuning] of [
  ['file', {}],
  [
    'file (tiny segments and snapshots)',
    { segmentMaxBytes: 4096, snapshotAfterBytes: 8192, inlineBodyMaxBytes: 100 },
  ],
] as const) {
  mailBoxConformance(
    name,
    async () => {
      const directory = mkdtempSync(join(tmpdir(), 'mailbox-conformance-'));
      return {
        mailBox: await createFileMailBox({ directory, ...tuning }),
        reopen: () => createFileMailBox({ directory, ...tuning }),
        cleanup: async () => rmSync(directory, { recursive: true, force: true }),
      };
    },
    { largeBodyMaxGrowthBytes: 40 * 1024 * 1024 },
  );
}
