import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { harness, message } from './helpers.js';

function reportsOf(h: ReturnType<typeof harness>) {
  return h.agent.calls.filter(
    (c) =>
      c.envelope.mailFrom === '' &&
      c.message.includes('report-type=delivery-status') &&
      !c.message.includes('boundary="b"'),
  );
}

describe('Router: delivery status notifications', () => {
  it('a 5xx gives one failure report to the reverse path with the remote reply, Remote-MTA and ORCPT', async () => {
    const h = harness({ mx: true });
    h.agent.script = (call) => (call.envelope.mailFrom === '' ? 'ok' : '5xx');
    await h.router.submit({
      envelope: {
        mailFrom: 'sender@elsewhere.example',
        envid: 'ENV-1',
        receivedFrom: 'client.elsewhere.example',
      },
      recipients: [{ address: 'x@partner.example', orcpt: 'rfc822;X@Partner.example' }],
      body: message({ Subject: 'Quarterly figures' }),
    });
    await h.router.idle();
    const [report, more] = reportsOf(h);
    assert.ok(report);
    assert.equal(more, undefined);
    assert.deepEqual(
      report.envelope.recipients.map((r) => r.address),
      ['sender@elsewhere.example'],
    );
    const text = report.message.toString();
    for (const field of [
      /^Subject: DELIVERY FAILURE: No such user here\r$/m,
      /^Auto-Submitted: auto-replied\r$/m,
      /^In-Reply-To: <m1@elsewhere\.example>\r$/m,
      /^Content-Type: multipart\/report; report-type=delivery-status;/m,
      /^Reporting-MTA: dns; mail1\.acme\.example\r$/m,
      /^Original-Envelope-Id: ENV-1\r$/m,
      /^Received-From-MTA: dns; client\.elsewhere\.example\r$/m,
      /^Arrival-Date: Tue, 01 Dec 2026 08:00:00 \+0000\r$/m,
      /^Original-Recipient: rfc822; X@Partner\.example\r$/m,
      /^Final-Recipient: rfc822; x@partner\.example\r$/m,
      /^Action: failed\r$/m,
      /^Status: 5\.1\.1\r$/m,
      /^Remote-MTA: dns; partner\.example\r$/m,
      /^Diagnostic-Code: smtp; 550 5\.1\.1 No such user here\r$/m,
      /^Last-Attempt-Date: /m,
      /Delivery Failure Report/,
      /Your document: Quarterly figures/,
      /^Content-Type: message\/rfc822\r$/m,
    ])
      assert.match(text, field);
    await h.router.stop();
  });

  it('RET=HDRS returns only the header of the original', async () => {
    const h = harness({ mx: true });
    h.agent.script = (call) => (call.envelope.mailFrom === '' ? 'ok' : '5xx');
    await h.router.submit({
      envelope: { mailFrom: 'sender@elsewhere.example', ret: 'HDRS' },
      recipients: [{ address: 'x@partner.example' }],
      body: message({}, 'SECRET BODY\r\n'),
    });
    await h.router.idle();
    const text = reportsOf(h)[0]!.message.toString();
    assert.match(text, /^Content-Type: text\/rfc822-headers\r$/m);
    assert.doesNotMatch(text, /SECRET BODY/);
    await h.router.stop();
  });

  it('NOTIFY=NEVER, or NOTIFY without FAILURE, gives no failure report', async () => {
    const h = harness({ mx: true, dsn: true });
    h.agent.script = (call) => (call.envelope.mailFrom === '' ? 'ok' : '5xx');
    await h.router.submit({
      envelope: { mailFrom: 'sender@elsewhere.example' },
      recipients: [
        { address: 'a@partner.example', notify: 'NEVER' },
        { address: 'b@partner.example', notify: ['DELAY'] },
      ],
      body: message(),
    });
    await h.router.idle();
    assert.equal(reportsOf(h).length, 0);
    assert.equal((await h.mailBox.counts()).messages, 0, 'failed without a report, as asked');
    await h.router.stop();
  });

  for (const [mode, expected] of [
    [0, 'dead'],
    [1, 'sent'],
    [2, 'none'],
  ] as const) {
    it(`RouterDSNForNULLReversePath=${mode}: a report about mail from <> is ${expected}`, async () => {
      const h = harness({
        mx: true,
        routerDSNForNULLReversePath: mode,
        postmaster: 'postmaster@acme.example',
      });
      h.agent.script = () => '5xx';
      await h.router.submit({
        envelope: { mailFrom: '' },
        recipients: [{ address: 'x@partner.example' }],
        body: message({ Subject: 'Out of office' }),
      });
      await h.router.idle();
      const counts = await h.mailBox.counts();
      assert.equal(reportsOf(h).length, 0, 'never sent to the null path');
      if (expected === 'dead') {
        assert.equal(counts.recipients.dead, 1);
        const [dead] = await h.mailBox.list({ state: 'dead' });
        assert.equal(dead?.envelope.isReport, true);
        assert.equal(dead?.recipients[0]?.address, 'postmaster@acme.example');
        assert.equal((await h.router.status()).counters.dead, 1);
      } else if (expected === 'sent') {
        // Created and sent (to the postmaster, who is not in this directory: the next test has one).
        assert.equal((await h.router.status()).counters.reports, 1);
      } else {
        assert.equal(counts.messages, 0);
        assert.equal((await h.router.status()).counters.reports, 0);
      }
      await h.router.stop();
    });
  }

  it('RouterDSNForNULLReversePath=1 delivers the report to the postmaster mailbox', async () => {
    const h = harness({ mx: true, routerDSNForNULLReversePath: 1, postmaster: 'jane@acme.example' });
    h.agent.script = () => '5xx';
    await h.router.submit({
      envelope: { mailFrom: '' },
      recipients: [{ address: 'x@partner.example' }],
      body: message(),
    });
    await h.router.idle();
    const [copy] = h.mailFiles.to('mail/jane.nsf');
    assert.ok(copy);
    assert.equal(copy.mailFrom, '');
    assert.match(Buffer.from(copy.message).toString(), /Action: failed/);
    await h.router.stop();
  });

  it('no report about a report: a failing report becomes dead mail', async () => {
    const h = harness({ mx: true });
    h.agent.script = () => '5xx';
    const report = message({
      'Content-Type': 'multipart/report; report-type=delivery-status; boundary="b"',
      Subject: 'DELIVERY FAILURE',
    });
    await h.router.submit({
      envelope: { mailFrom: '' },
      recipients: [{ address: 'x@partner.example' }],
      body: report,
    });
    await h.router.idle();
    assert.equal(h.agent.calls.length, 1, 'only the attempt itself');
    const counts = await h.mailBox.counts();
    assert.equal(counts.recipients.dead, 1);
    const [dead] = await h.mailBox.list({ state: 'dead' });
    assert.equal(
      dead?.recipients[0]?.address,
      'x@partner.example',
      'the report itself, kept for the administrator',
    );
    await h.router.stop();
  });

  it('NOTIFY=SUCCESS with DSN enabled: a delivered report for a local delivery', async () => {
    const h = harness({ dsn: true });
    await h.router.submit({
      envelope: { mailFrom: 'sender@elsewhere.example' },
      recipients: [{ address: 'jane@acme.example', notify: ['SUCCESS'] }],
      body: message(),
    });
    await h.router.idle();
    const [report] = reportsOf(h);
    assert.ok(report);
    const text = report.message.toString();
    assert.match(text, /^Action: delivered\r$/m);
    assert.match(text, /^Status: 2\.0\.0\r$/m);
    assert.match(text, /^Subject: DELIVERED: Test\r$/m);
    await h.router.stop();
  });

  it('NOTIFY=SUCCESS with DSN disabled (Domino default): no delivered report', async () => {
    const h = harness();
    await h.router.submit({
      envelope: { mailFrom: 'sender@elsewhere.example' },
      recipients: [{ address: 'jane@acme.example', notify: ['SUCCESS'] }],
      body: message(),
    });
    await h.router.idle();
    assert.equal(reportsOf(h).length, 0);
    await h.router.stop();
  });

  it('a relayed report when the next hop has no DSN; none with RouterDisableDSNRelayReports=1', async () => {
    for (const disable of [false, true]) {
      const h = harness({ mx: true, dsn: true, routerDisableDSNRelayReports: disable });
      h.agent.script = (call) => (call.envelope.mailFrom === '' ? 'ok' : 'relayed');
      await h.router.submit({
        envelope: { mailFrom: 'sender@elsewhere.example' },
        recipients: [{ address: 'x@partner.example', notify: ['SUCCESS', 'FAILURE'] }],
        body: message(),
      });
      await h.router.idle();
      const reports = reportsOf(h);
      if (disable) assert.equal(reports.length, 0);
      else {
        assert.equal(reports.length, 1);
        assert.match(reports[0]!.message.toString(), /^Action: relayed\r$/m);
      }
      await h.router.stop();
    }
  });

  it('with DSN disabled NOTIFY is not passed on, and SUCCESS gives a relayed report', async () => {
    const h = harness({ mx: true });
    h.agent.script = () => 'ok';
    await h.router.submit({
      envelope: { mailFrom: 'sender@elsewhere.example', envid: 'E1', ret: 'HDRS' },
      recipients: [{ address: 'x@partner.example', notify: ['SUCCESS'], orcpt: 'rfc822;x@partner.example' }],
      body: message(),
    });
    await h.router.idle();
    const first = h.agent.calls[0]!;
    assert.deepEqual(first.envelope.recipients, [{ address: 'x@partner.example' }]);
    assert.equal(first.envelope.envid, undefined);
    assert.equal(first.envelope.ret, undefined);
    const reports = reportsOf(h);
    assert.equal(reports.length, 1);
    assert.match(reports[0]!.message.toString(), /^Action: relayed\r$/m);
    await h.router.stop();
  });

  it('with DSN enabled NOTIFY, ORCPT, RET and ENVID go to the next hop', async () => {
    const h = harness({ mx: true, dsn: true });
    await h.router.submit({
      envelope: { mailFrom: 'sender@elsewhere.example', envid: 'E1', ret: 'HDRS' },
      recipients: [
        { address: 'x@partner.example', notify: ['SUCCESS', 'FAILURE'], orcpt: 'rfc822;x@partner.example' },
      ],
      body: message(),
    });
    await h.router.idle();
    const first = h.agent.calls[0]!;
    assert.deepEqual(first.envelope.recipients, [
      { address: 'x@partner.example', notify: ['SUCCESS', 'FAILURE'], orcpt: 'rfc822;x@partner.example' },
    ]);
    assert.equal(first.envelope.envid, 'E1');
    assert.equal(first.envelope.ret, 'HDRS');
    assert.equal(reportsOf(h).length, 0, 'the next hop reports delivery itself');
    await h.router.stop();
  });

  it('NOTIFY=DELAY: one delay report after the configured time, then the failure report at expiry', async () => {
    const h = harness({ mx: true, dsn: true, delayReportAfterMs: 60 * 60_000 });
    h.agent.script = (call) => (call.envelope.mailFrom === '' ? 'ok' : '4xx');
    await h.router.submit({
      envelope: { mailFrom: 'sender@elsewhere.example' },
      recipients: [{ address: 'x@partner.example', notify: ['DELAY', 'FAILURE'] }],
      body: message(),
    });
    for (let i = 0; i < 12; i++) {
      h.clock.advance(15 * 60_000);
      await h.router.idle();
    }
    const delays = reportsOf(h);
    assert.equal(delays.length, 1);
    const text = delays[0]!.message.toString();
    assert.match(text, /^Action: delayed\r$/m);
    assert.match(text, /^Status: 4\.3\.0\r$/m);
    assert.match(text, /^Will-Retry-Until: Sun, 06 Dec 2026 08:00:00 \+0000\r$/m);
    assert.match(text, /Delivery Delay Report/);
    await h.router.stop();
  });

  it('a report that cannot be sent yet waits like any message: one report, not one per attempt', async () => {
    const h = harness({ mx: true });
    h.agent.script = (call) => (call.envelope.mailFrom === '' ? '4xx' : '5xx');
    await h.router.submit({
      envelope: { mailFrom: 'sender@elsewhere.example' },
      recipients: [{ address: 'x@partner.example' }],
      body: message(),
    });
    await h.router.idle();
    const reports = await h.mailBox.list({ state: 'waiting' });
    assert.equal(reports.length, 1);
    assert.equal(reports[0]!.envelope.isReport, true);
    await h.router.stop();
  });
});
