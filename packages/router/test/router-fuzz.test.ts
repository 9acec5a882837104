import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRandomSource } from '@mailroute/envelope';
import { harness } from './helpers.js';

describe('Router: hostile and broken messages', () => {
  it('seeded fuzz: 300 broken messages to local, remote and unknown recipients all end final, none lost', async () => {
    const rnd = seededRandomSource(20261202);
    const h = harness({ mx: true });
    h.agent.script = (call, address) =>
      call.envelope.mailFrom === '' ? 'ok' : address.startsWith('bad') ? '5xx' : 'ok';
    const pieces = [
      'From: a@b\r\n',
      'Bcc: jane@acme.example\r\n',
      'Bcc: =?x?q?broken\r\n',
      'To: <<<>>>\r\n',
      'Content-Type: multipart/report; boundary=\r\n',
      'Subject: \u00ff\u00fe\r\n',
      '\r\n',
      '\n',
      '\r',
      ':',
      ' folded\r\n',
      '\u0000',
      'x'.repeat(2000),
      '.\r\n',
    ];
    const addresses = [
      'jane@acme.example',
      'john@acme.example',
      'x@partner.example',
      'bad@partner.example',
      'nobody@acme.example',
      'team@acme.example',
    ];
    for (let i = 0; i < 300; i++) {
      const body = Buffer.from(
        Array.from({ length: Math.floor(rnd() * 12) }, () => pieces[Math.floor(rnd() * pieces.length)]).join(
          '',
        ),
        'latin1',
      );
      const recipients = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => ({
        address: addresses[Math.floor(rnd() * addresses.length)]!,
      }));
      await h.router.submit({
        envelope: { mailFrom: rnd() < 0.2 ? '' : 'sender@elsewhere.example' },
        recipients,
        body,
      });
    }
    await h.router.idle();
    const counts = await h.mailBox.counts();
    // What is left is only dead mail: reports about mail from <> (RouterDSNForNULLReversePath=0).
    assert.equal(counts.recipients.waiting, 0);
    assert.equal(counts.recipients['in-flight'], 0);
    for (const m of await h.mailBox.list({ limit: 1000 })) {
      assert.equal(m.envelope.isReport, true);
      assert.ok(m.recipients.every((r) => r.state === 'dead'));
    }
    const status = await h.router.status();
    assert.ok(status.counters.delivered > 0 && status.counters.transferred > 0 && status.counters.failed > 0);
    await h.router.stop();
  });

  it('the default hopFor reads host:port and [ip]:port and adds relay host credentials when required', async () => {
    const h = harness({
      relayHost: 'relay.acme.example',
      dispatchOptions: { relayHosts: ['[192.0.2.7]:587'], relayHostAuthentication: 'required' },
      relayHostCredentials: { user: 'mail1', pass: 'secret' },
    });
    await h.router.submit({
      envelope: { mailFrom: 'jane@acme.example' },
      recipients: [{ address: 'x@partner.example' }],
      body: Buffer.from('Subject: x\r\n\r\nbody\r\n'),
    });
    await h.router.idle();
    assert.deepEqual(h.agent.calls[0]?.hop, {
      host: '192.0.2.7',
      port: 587,
      auth: { user: 'mail1', pass: 'secret', mode: 'required' },
    });
    await h.router.stop();
  });
});
