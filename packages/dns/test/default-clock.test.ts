/**
 * The resolver's default clock keeps its timers ref'd (envelope's `systemClock` unrefs them, which
 * suits an idle server, not a lookup). A script whose only pending work is a lookup waiting out
 * a retry window must run to the answer, not exit under an unsettled top-level await.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../src/index.js', import.meta.url));

describe('default clock', () => {
  it('a script awaiting a lookup in a retry wait runs to its result', () => {
    // SERVFAIL answers at once; the resolver then waits out the rest of the 300 ms window with
    // nothing but its timer pending, and fails with ESERVFAIL after the second attempt.
    const script = `
      import { createResolver, createStaticTransport } from ${JSON.stringify(entry)};
      const resolver = createResolver({
        transport: createStaticTransport({ 'down.example': { fail: 'SERVFAIL' } }),
        retryCount: 2,
        retryBaseWaitMs: 300,
      });
      const started = Date.now();
      const error = await resolver.resolveA('down.example').catch((e) => e);
      console.log(error.code, error.temporary, Date.now() - started >= 290);
    `;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.equal(run.status, 0, `exit ${run.status}: ${run.stderr}`);
    assert.equal(run.stdout.trim(), 'ESERVFAIL true true');
  });
});
