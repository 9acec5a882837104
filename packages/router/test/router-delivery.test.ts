import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { harness, message } from './helpers.js';

describe('Router: submit and local delivery', () => {
  it('delivers a local recipient into its mail file with the Inbox folder and DeliveredDate time', async () => {
    const h = harness();
    const result = await h.router.submit({
      envelope: { mailFrom: 'sender@elsewhere.example' },
      recipients: [{ address: 'jane@acme.example' }],
      body: message(),
    });
    assert.deepEqual(result.recipients, [{ address: 'jane@acme.example', destination: 'delivery' }]);
    await h.router.idle();
    const [copy] = h.mailFiles.to('mail/jane.nsf');
    assert.ok(copy);
    assert.equal(copy.owner, 'CN=Jane Doe/O=Acme');
    assert.deepEqual(copy.folders, ['($Inbox)']);
    assert.deepEqual(copy.recipients, ['jane@acme.example']);
    assert.equal(copy.deliveredMs, h.clock.now());
    assert.equal(copy.queueId, result.id);
    assert.equal(
      await h.mailBox.get(result.id),
      undefined,
      'a message whose recipients are all final leaves mail.box',
    );
    await h.router.stop();
  });

  it('expands a group: local members to the delivery queue, a member on Mail2 to its transfer queue', async () => {
    const h = harness();
    const result = await h.router.submit({
      envelope: { mailFrom: 'sender@elsewhere.example' },
      recipients: [{ address: 'team@acme.example' }],
      body: message({ To: 'team@acme.example' }),
    });
    assert.deepEqual(
      result.recipients.map((r) => [r.address.toLowerCase(), r.destination]),
      [
        ['jane@acme.example', 'delivery'],
        ['john@acme.example', 'delivery'],
        ['bob@acme.example', 'server:mail2/acme'],
      ],
    );
    await h.router.idle();
    assert.equal(h.mailFiles.deliveries.length, 2);
    assert.equal(h.agent.calls.length, 1);
    assert.equal(h.agent.calls[0]!.hop?.host, 'mail2.acme.example');
    assert.equal(h.agent.calls[0]!.hop?.port, undefined);
    await h.router.stop();
  });

  it('each mail file gets only its own envelope recipients; Bcc recipients stay invisible', async () => {
    const h = harness();
    await h.router.submit({
      envelope: { mailFrom: 'sender@elsewhere.example' },
      recipients: [
        { address: 'jane@acme.example' },
        { address: 'john@acme.example' },
        { address: 'bob@acme.example' },
      ],
      body: message({ To: 'jane@acme.example', Bcc: 'john@acme.example, bob@acme.example' }),
    });
    await h.router.idle();
    const jane = Buffer.from(h.mailFiles.to('mail/jane.nsf')[0]!.message).toString();
    const john = Buffer.from(h.mailFiles.to('mail/john.nsf')[0]!.message).toString();
    assert.doesNotMatch(jane, /^Bcc:/im, 'the To recipient sees no Bcc field');
    assert.match(john, /^Bcc: john@acme\.example\r$/im, 'a Bcc recipient sees only itself');
    assert.doesNotMatch(john, /bob@/);
    assert.deepEqual(h.mailFiles.to('mail/john.nsf')[0]!.recipients, ['john@acme.example']);
    const transferred = h.agent.calls[0]!.message.toString();
    assert.doesNotMatch(transferred, /^Bcc:/im, 'no Bcc field leaves the server');
    await h.router.stop();
  });

  it('a temporary mail file failure waits and is retried; a permanent one gives a failure report', async () => {
    const h = harness();
    h.mailFiles.fail = 'temporary';
    const { id } = await h.router.submit({
      envelope: { mailFrom: 'sender@elsewhere.example' },
      recipients: [{ address: 'jane@acme.example' }],
      body: message(),
    });
    await h.router.idle();
    const waiting = await h.mailBox.get(id);
    assert.equal(waiting?.recipients[0]?.state, 'waiting');
    assert.equal(waiting?.recipients[0]?.attempts, 1);
    h.mailFiles.fail = 'permanent';
    h.clock.advance(15 * 60_000);
    await h.router.idle();
    assert.equal(await h.mailBox.get(id), undefined);
    // The report goes to the sender on the Internet: through the gateway GW1.
    const report = h.agent.calls.find((c) => c.envelope.mailFrom === '');
    assert.ok(report, 'a failure report was transferred');
    assert.deepEqual(
      report.envelope.recipients.map((r) => r.address),
      ['sender@elsewhere.example'],
    );
    assert.match(report.message.toString(), /Action: failed/);
    await h.router.stop();
  });

  it('an unknown local user fails with "User not listed" in a report; the message is never dropped silently', async () => {
    const h = harness();
    const { recipients } = await h.router.submit({
      envelope: { mailFrom: 'sender@elsewhere.example' },
      recipients: [{ address: 'nobody@acme.example' }],
      body: message(),
    });
    assert.equal(recipients[0]!.destination, 'unroutable');
    await h.router.idle();
    const report = h.agent.calls.find((c) => c.envelope.mailFrom === '');
    assert.ok(report);
    const text = report.message.toString();
    assert.match(text, /Status: 5\.1\.1/);
    assert.match(text, /Final-Recipient: rfc822; nobody@acme\.example/);
    assert.match(text, /Delivery Failure Report/);
    await h.router.stop();
  });

  it('rejects a message without recipients with a typed error', async () => {
    const h = harness();
    await assert.rejects(
      h.router.submit({ envelope: { mailFrom: 'a@b.example' }, recipients: [], body: message() }),
      (e: { code?: string }) => e.code === 'ROUTER_NO_RECIPIENTS',
    );
    await h.router.stop();
  });
});
