import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '@mailroute/envelope';
import { buildRoutingGraph, loadDirectory } from '@mailroute/routing';
import { createMemoryMailBox } from '../src/mailbox/memory.js';
import { resolveTuning } from '../src/options.js';
import { planRecipients } from '../src/plan/plan-recipients.js';
import { settleAttempt } from '../src/work/attempt.js';
import type { RouterContext } from '../src/work/context.js';
import { newCounters } from '../src/work/counters.js';
import { acmeDirectory, FakeClock, message } from './helpers.js';

describe('settling an attempt', () => {
  it('a settlement repeated after a crash enqueues its failure report once', async () => {
    const clock = new FakeClock();
    const mailBox = createMemoryMailBox({ clock });
    const { directory } = loadDirectory(acmeDirectory({ mx: true }));
    const planner = { directory, graph: buildRoutingGraph(directory, 'CN=Mail1/O=Acme') };
    const ctx: RouterContext = {
      mailBox,
      planner,
      mailFiles: undefined,
      transferAgent: undefined,
      sign: undefined,
      hopFor: (host) => ({ host }),
      tuning: resolveTuning({ bufferPoolSizeMB: 256 }),
      reports: { dsn: false, nullReversePath: 0, disableRelayReports: false },
      reportingMta: 'mail1.acme.example',
      postmaster: 'postmaster@acme.example',
      owner: 'n1',
      clock,
      logger: silentLogger,
      counters: newCounters(),
    };
    const body = message();
    await mailBox.enqueue({
      envelope: { mailFrom: 'sender@elsewhere.example' },
      arrivalMs: clock.now(),
      recipients: planRecipients(planner, [{ address: 'x@partner.example' }], () => 'to'),
      body,
    });
    const [unit] = await mailBox.lease({ owner: 'n1', nowMs: clock.now(), leaseMs: 60_000, limit: 1 });
    assert.ok(unit);
    const results = [{ index: 0, kind: 'permanent' as const, reason: 'No such user', status: '5.1.1' }];
    await settleAttempt(ctx, unit.message, unit.recipients, results, body);
    // The process died before it knew the settle was done; after restart it settles again.
    await settleAttempt(ctx, unit.message, unit.recipients, results, body);
    const queued = await mailBox.list();
    assert.equal(queued.length, 1, 'the original is gone; one report is queued');
    assert.equal(queued[0]!.envelope.isReport, true);
    assert.deepEqual(
      queued[0]!.recipients.map((r) => r.address),
      ['sender@elsewhere.example'],
    );
  });
});
