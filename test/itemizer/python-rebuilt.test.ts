// build(parse(m)) for every MIME fixture, read by Python's `email` with policy.default: a rebuilt
// message must have zero defects in every header and part, even when the input was broken. The
// files listed carry garbage the builder writes as it came, for the reason given.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildMessage, parseMessage } from '@mailroute/itemizer';
import { fixturesRoot, mimeFixtureFiles } from './fixtures.js';

const PYTHON = '/usr/bin/python3';
const helper = fileURLToPath(new URL('../python-built.py', import.meta.url));

const NO_DOMAIN =
  'an address without "@domain" in the input (From: foo, To: XX): written as it came; the builder does not invent a domain or drop the entry';
const BAD_MSG_ID = 'a Message-ID that is not <left@right> in the input: written as it came';
const KNOWN: Record<string, string> = {
  'hunnysoft/m4009.txt': BAD_MSG_ID,
  'python-email/msg_05.txt': NO_DOMAIN,
  'python-email/msg_15.txt': `${NO_DOMAIN}; ${BAD_MSG_ID}`,
  'python-email/msg_43.txt': `${NO_DOMAIN} (MAILER DAEMON <>)`,
  'mimekit/bounce.txt':
    'the delivery-status part of the input holds a MIME header and base64 text among its fields; its bytes are kept as they came',
};

describe('rebuilt fixtures read by Python email (policy.default)', {
  skip:
    fixturesRoot === undefined
      ? 'fixtures folder absent'
      : existsSync(PYTHON) || process.env.CI
        ? false
        : `${PYTHON} not found`,
}, () => {
  it('have zero defects in every header and part, but for the listed inputs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'itemizer-rebuilt-'));
    try {
      const names = new Map<string, string>();
      for (const file of mimeFixtureFiles().filter((f) => !/(MANIFEST|README)\./.test(f))) {
        const key = `${basename(dirname(file))}/${basename(file)}`;
        const out = join(dir, key.replace('/', '__'));
        writeFileSync(out, buildMessage(await parseMessage(readFileSync(file)), { clock: { now: () => 0 } }));
        names.set(out, key);
      }
      const result = JSON.parse(
        execFileSync(PYTHON, [helper, ...names.keys()], { maxBuffer: 256 << 20 }).toString('utf8'),
      ) as Record<string, { defects: unknown[] }>;
      const withDefects = Object.entries(result)
        .filter(([, r]) => r.defects.length > 0)
        .map(([path]) => names.get(path) as string)
        .sort();
      assert.deepEqual(withDefects, Object.keys(KNOWN).sort());
      assert.ok(names.size > 200);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
