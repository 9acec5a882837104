import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dominoThreadCount, resolveTuning } from '../src/options.js';
import { retryDelayMs } from '../src/work/retry-schedule.js';
import { harness, MINUTE, message } from './helpers.js';

describe('Domino retry schedule and thread defaults', () => {
  it('first retry after 1x the interval, the second after 2x, every later one after 3x', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 10].map((n) => retryDelayMs(n, 15 * MINUTE) / MINUTE),
      [15, 30, 45, 45, 45],
    );
  });

  it('threads: 3 + BufferPoolSizeMB/32, at most 25; concurrent transfer threads half of them', () => {
    assert.equal(dominoThreadCount(256), 11);
    assert.equal(dominoThreadCount(704), 25);
    assert.equal(dominoThreadCount(4096), 25);
    const t = resolveTuning({ bufferPoolSizeMB: 256 });
    assert.equal(t.maxDeliveryThreads, 11);
    assert.equal(t.maxTransferThreads, 11);
    assert.equal(t.maxConcurrentTransferThreads, 5);
    assert.equal(t.initialTransferRetryIntervalMs, 15 * MINUTE);
    assert.equal(t.expiryMs, 5 * 24 * 60 * MINUTE);
    assert.equal(t.maxConcurrentDeliverySizeBytes, Number.POSITIVE_INFINITY);
  });

  it('a limit of 0, a negative, NaN or a fraction is a configuration error, never "no limit"', () => {
    for (const bad of [0, -1, Number.NaN, 1.5])
      assert.throws(
        () => resolveTuning({ maxTransferThreads: bad }),
        (e: { code?: string }) => e.code === 'ROUTER_BAD_OPTION',
      );
  });
});

describe('Router: transfer retries', () => {
  it('retries a failed destination at 15, 45, 90 and 135 minutes (1x, 2x, 3x, 3x)', async () => {
    const h = harness({ mx: true });
    h.agent.script = () => 'down';
    const start = h.clock.now();
    const { id, recipients } = await h.router.submit({
      envelope: { mailFrom: 'jane@acme.example' },
      recipients: [{ address: 'x@partner.example' }],
      body: message({ From: 'jane@acme.example', To: 'x@partner.example' }),
    });
    assert.equal(recipients[0]!.destination, 'mx:partner.example');
    await h.router.idle();
    for (let i = 0; i < 30; i++) {
      h.clock.advance(5 * MINUTE);
      await h.router.idle();
    }
    const minutes = h.agent.calls.map((c) => (c.atMs - start) / MINUTE);
    assert.deepEqual(minutes, [0, 15, 45, 90, 135]);
    const queued = await h.mailBox.get(id);
    assert.equal(queued?.recipients[0]?.state, 'waiting');
    assert.equal(queued?.recipients[0]?.attempts, 5);
    const status = await h.router.status();
    assert.equal(status.inRetry[0]?.destination, 'mx:partner.example');
    assert.equal(status.counters.transferFailures, 5);
    await h.router.stop();
  });

  it('a destination in retry holds its whole queue: new mail for it waits for the retry time', async () => {
    const h = harness({ mx: true });
    h.agent.script = (call) => (call.target === 'partner.example' ? 'down' : 'ok');
    const start = h.clock.now();
    await h.router.submit({
      envelope: { mailFrom: 'jane@acme.example' },
      recipients: [{ address: 'x@partner.example' }],
      body: message(),
    });
    await h.router.idle();
    h.clock.advance(5 * MINUTE);
    await h.router.submit({
      envelope: { mailFrom: 'jane@acme.example' },
      recipients: [{ address: 'y@partner.example' }],
      body: message(),
    });
    await h.router.submit({
      envelope: { mailFrom: 'jane@acme.example' },
      recipients: [{ address: 'z@other.example' }],
      body: message(),
    });
    await h.router.idle();
    // other.example is another destination: it goes at once; partner.example waits.
    assert.deepEqual(
      h.agent.calls.map((c) => [c.target, (c.atMs - start) / MINUTE]),
      [
        ['partner.example', 0],
        ['other.example', 5],
      ],
    );
    h.agent.script = () => 'ok';
    h.clock.advance(10 * MINUTE);
    await h.router.idle();
    const later = h.agent.calls
      .slice(2)
      .map((c) => [c.target, (c.atMs - start) / MINUTE, c.envelope.recipients.length]);
    assert.deepEqual(later, [
      ['partner.example', 15, 1],
      ['partner.example', 15, 1],
    ]);
    assert.equal((await h.mailBox.counts()).messages, 0);
    await h.router.stop();
  });

  it('a 4xx to one recipient defers only that recipient; the others are transferred', async () => {
    const h = harness({ mx: true });
    h.agent.script = (_c, a) => (a.startsWith('grey') ? '4xx' : 'ok');
    const { id } = await h.router.submit({
      envelope: { mailFrom: 'jane@acme.example' },
      recipients: [{ address: 'grey@partner.example' }, { address: 'ok@partner.example' }],
      body: message(),
    });
    await h.router.idle();
    const queued = await h.mailBox.get(id);
    assert.deepEqual(
      queued?.recipients.map((r) => [r.address, r.state, r.lastReply?.code]),
      [
        ['grey@partner.example', 'waiting', 451],
        ['ok@partner.example', 'transferred', 250],
      ],
    );
    assert.equal(queued?.recipients[0]?.nextAttemptMs, h.clock.now() + 15 * MINUTE);
    assert.equal((await h.router.status()).inRetry.length, 0, 'not the whole destination');
    h.agent.script = () => 'ok';
    h.clock.advance(15 * MINUTE);
    await h.router.idle();
    assert.equal(await h.mailBox.get(id), undefined);
    await h.router.stop();
  });

  it('fails over to the second gateway when the first is down, and the mail arrives there', async () => {
    const h = harness();
    h.agent.script = (call) => (call.target === 'gw1.acme.example' ? 'down' : 'ok');
    const { id, recipients } = await h.router.submit({
      envelope: { mailFrom: 'jane@acme.example' },
      recipients: [{ address: 'x@partner.example' }],
      body: message(),
    });
    assert.equal(recipients[0]!.destination, 'server:gw1/acme');
    await h.router.idle();
    assert.deepEqual(
      h.agent.calls.map((c) => c.target),
      ['gw1.acme.example', 'gw2.acme.example'],
    );
    assert.equal(await h.mailBox.get(id), undefined, 'transferred through GW2');
    const status = await h.router.status();
    assert.deepEqual(
      status.downHops.map((hop) => hop.join('->')),
      ['Mail1/Acme->GW1/Acme'],
    );
    // New mail goes straight to GW2 while GW1 is down.
    await h.router.submit({
      envelope: { mailFrom: 'jane@acme.example' },
      recipients: [{ address: 'y@partner.example' }],
      body: message(),
    });
    await h.router.idle();
    assert.equal(h.agent.calls[2]?.target, 'gw2.acme.example');
    // At its retry time GW1 is tried again; once it works, it is the cheapest path again.
    h.agent.script = () => 'ok';
    h.clock.advance(15 * MINUTE);
    await h.router.idle();
    assert.deepEqual((await h.router.status()).downHops, []);
    assert.equal(h.router.plan('z@partner.example')[0]?.destination, 'server:gw1/acme');
    await h.router.stop();
  });

  it('relay hosts are tried in order while none answers', async () => {
    const h = harness({
      directory: undefined,
      relayHost: 'relay1.acme.example',
      dispatchOptions: { relayHosts: ['relay1.acme.example', 'relay2.acme.example:2525'] },
    });
    h.agent.script = (call) => (call.target === 'relay1.acme.example' ? 'down' : 'ok');
    const { recipients } = await h.router.submit({
      envelope: { mailFrom: 'jane@acme.example' },
      recipients: [{ address: 'x@partner.example' }],
      body: message(),
    });
    assert.equal(recipients[0]!.destination, 'smtp:relay1.acme.example,relay2.acme.example:2525');
    await h.router.idle();
    assert.deepEqual(
      h.agent.calls.map((c) => [c.hop?.host, c.hop?.port]),
      [
        ['relay1.acme.example', undefined],
        ['relay2.acme.example', 2525],
      ],
    );
    assert.equal((await h.mailBox.counts()).messages, 0);
    await h.router.stop();
  });

  it('expires a message after 5 days with a failure report (status 4.4.7)', async () => {
    const h = harness({ mx: true });
    h.agent.script = (call) => (call.envelope.mailFrom === '' ? 'ok' : '4xx');
    const { id } = await h.router.submit({
      envelope: { mailFrom: 'sender@elsewhere.example' },
      recipients: [{ address: 'x@partner.example' }],
      body: message(),
    });
    await h.router.idle();
    for (let hour = 0; hour < 5 * 24 + 1; hour++) {
      h.clock.advance(60 * MINUTE);
      await h.router.idle();
    }
    assert.equal(await h.mailBox.get(id), undefined);
    const report = h.agent.calls.find((c) => c.envelope.mailFrom === '');
    assert.ok(report, 'a failure report was sent');
    const text = report.message.toString();
    assert.match(text, /Action: failed/);
    assert.match(text, /Status: 4\.4\.7/);
    assert.match(text, /Diagnostic-Code: smtp; 451 4\.3\.0 Try again later/);
    assert.ok(report.atMs - h.agent.calls[0]!.atMs >= 5 * 24 * 60 * MINUTE);
    assert.ok(report.atMs - h.agent.calls[0]!.atMs < 5 * 24 * 60 * MINUTE + 60 * MINUTE);
    await h.router.stop();
  });
});
