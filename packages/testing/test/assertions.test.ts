import { AssertionError } from 'node:assert';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { DkimSigner, DkimVerifier, keyRecordText, loadPrivateKey } from '@mailroute/dkim';
import { parseForwardPath, Replies, SmtpReply } from '@mailroute/envelope';
import { compilePolicy } from '@mailroute/relay-policy';
import {
  assertDeliveryReport,
  assertDkim,
  assertRelayDecision,
  assertReply,
  createFakeZone,
  FakeClock,
  mailrouteMatchers,
  parseDeliveryReport,
} from '../src/index.js';

const DSN = [
  'From: Mail Delivery Subsystem <postmaster@mx.acme.example>',
  'To: app@sender.example',
  'Subject: Delivery Status Notification (Failure)',
  'MIME-Version: 1.0',
  'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
  '',
  '--b1',
  'Content-Type: text/plain',
  '',
  'Your message could not be delivered to one recipient.',
  '--b1',
  'Content-Type: message/delivery-status',
  '',
  'Reporting-MTA: dns; mx.acme.example',
  'Original-Envelope-Id: QQ123',
  '',
  'Final-Recipient: rfc822; nobody@acme.example',
  'Original-Recipient: rfc822; Nobody@acme.example',
  'Action: failed',
  'Status: 5.1.1',
  'Diagnostic-Code: smtp; 550 5.1.1 nobody@acme.example... No such',
  '  user',
  'Remote-MTA: dns; mx2.acme.example',
  '',
  'Final-Recipient: rfc822; slow@acme.example',
  'Action: delayed',
  'Status: 4.4.1 (connection timed out)',
  '',
  '--b1',
  'Content-Type: text/rfc822-headers',
  '',
  'Subject: hello',
  '--b1--',
  '',
].join('\r\n');

describe('assertReply', () => {
  it('accepts a reply, its wire text or plain data', () => {
    assertReply(Replies.noSuchUser('x@y'), 550, '5.1.1');
    assertReply('550 5.1.1 x@y... No such user\r\n', 550, '5.1.1', 'No such user');
    assertReply({ code: 250, enhanced: '2.1.5' }, 250, '2.1.5');
    assert.ok(assertReply('250-a\r\n250 b\r\n', 250) instanceof SmtpReply);
  });
  it('fails on the code, the enhanced code, the text, or something that is no reply', () => {
    const reply = Replies.noSuchUser('x@y');
    assert.throws(
      () => assertReply(reply, 250),
      (e) => e instanceof AssertionError && /expected reply 250, got 550 5\.1\.1/.test(e.message),
    );
    assert.throws(() => assertReply(reply, 550, '5.1.2'), /enhanced code differs/);
    assert.throws(() => assertReply(reply, 550, '5.1.1', /mailbox full/), /text differs/);
    assert.throws(() => assertReply('hello', 550), /not an SMTP reply/);
    assert.throws(() => assertReply(42 as never, 550), /not an SMTP reply/);
  });
});

describe('delivery reports', () => {
  it('parses the multipart/report: per-message and per-recipient fields, folded lines joined', async () => {
    const report = await parseDeliveryReport(DSN);
    assert.equal(report.reportingMta, 'mx.acme.example');
    assert.equal(report.originalEnvelopeId, 'QQ123');
    assert.match(report.humanText, /could not be delivered/);
    assert.deepEqual(
      report.recipients.map((r) => [r.finalRecipient, r.originalRecipient, r.action, r.status, r.remoteMta]),
      [
        ['nobody@acme.example', 'Nobody@acme.example', 'failed', '5.1.1', 'mx2.acme.example'],
        ['slow@acme.example', undefined, 'delayed', '4.4.1', undefined],
      ],
    );
    assert.equal(report.recipients[0]?.diagnosticCode, 'smtp; 550 5.1.1 nobody@acme.example... No such user');
  });

  it('assertDeliveryReport checks exactly the recipients, actions and status (prefix allowed)', async () => {
    const report = await parseDeliveryReport(Buffer.from(DSN));
    assertDeliveryReport(report, [
      { recipient: 'slow@acme.example', action: 'delayed', status: '4' },
      { recipient: 'NOBODY@acme.example', action: 'failed', status: '5.1.1' },
    ]);
    assert.throws(
      () => assertDeliveryReport(report, [{ recipient: 'nobody@acme.example', action: 'failed' }]),
      /also names slow@acme\.example delayed 4\.4\.1/,
    );
    assert.throws(
      () =>
        assertDeliveryReport(report, [
          { recipient: 'nobody@acme.example', action: 'failed', status: '5.1.2' },
          { recipient: 'slow@acme.example', action: 'delayed' },
        ]),
      /expected status 5\.1\.2, got 5\.1\.1/,
    );
    assert.throws(
      () => assertDeliveryReport(report, [{ recipient: 'x@y.example', action: 'failed' }]),
      /does not name x@y\.example/,
    );
  });

  it('a message that is no report is a typed error, not a crash', async () => {
    await assert.rejects(
      parseDeliveryReport('Subject: hi\r\n\r\nbody\r\n'),
      (e: Error & { code?: string }) => e.code === 'TESTING_NOT_A_DSN',
    );
  });
});

describe('DKIM assertions over a fake zone', () => {
  it('signs, verifies through the zone’s keyLookup, and asserts the result', async () => {
    const key = generateKeyPairSync('ed25519').privateKey;
    const loaded = loadPrivateKey(key);
    const zone = createFakeZone({
      'ed1._domainkey.acme.example': { TXT: [keyRecordText(loaded.keyType, loaded.publicKeyBytes).value] },
    });
    const signer = new DkimSigner({ keys: [{ domain: 'acme.example', selector: 'ed1', privateKey: key }] });
    const message = 'From: a@acme.example\r\nTo: b@example.net\r\nSubject: hi\r\n\r\nHello\r\n';
    const signed = (await signer.sign(message)).map((s) => s.header).join('') + message;
    const verifier = new DkimVerifier({ lookup: zone.keyLookup() });
    const results = await verifier.verify(signed);
    assertDkim(results, 'pass', { domain: 'acme.example', selector: 'ed1' });
    assert.deepEqual(zone.queryLog(), ['TXT ed1._domainkey.acme.example']);
    assert.throws(() => assertDkim(results, 'fail'), /expected DKIM fail, got pass d=acme\.example s=ed1/);
    assert.throws(() => assertDkim(results, 'none'), /expected no DKIM signature/);
    assertDkim(await verifier.verify(message), 'none');
    const tampered = await verifier.verify(signed.replace('Hello', 'Hullo'));
    assertDkim(tampered, 'fail');
  });
});

describe('the fake clock drives DKIM expiry (x=)', () => {
  it('a signature valid now fails verification once the clock passes x=', async () => {
    const clock = new FakeClock();
    const key = generateKeyPairSync('ed25519').privateKey;
    const loaded = loadPrivateKey(key);
    const zone = createFakeZone({
      's._domainkey.acme.example': { TXT: [keyRecordText(loaded.keyType, loaded.publicKeyBytes).value] },
    });
    const signer = new DkimSigner({
      keys: [{ domain: 'acme.example', selector: 's', privateKey: key, expireAfterSeconds: 3600 }],
      clock,
    });
    const message = 'From: a@acme.example\r\nSubject: x\r\n\r\nbody\r\n';
    const signed = (await signer.sign(message)).map((s) => s.header).join('') + message;
    const verifier = new DkimVerifier({
      lookup: zone.keyLookup(),
      clock,
      clockSkewSeconds: 0,
    });
    assertDkim(await verifier.verify(signed), 'pass');
    clock.tick(3601 * 1000);
    const later = await verifier.verify(signed);
    assertDkim(later, 'permerror');
    assert.throws(
      () => assertDkim(later, 'pass'),
      /expected DKIM pass, got permerror d=acme\.example s=s \(signature expired \(x=\)\)/,
    );
  });
});

describe('relay decisions', () => {
  const { policy } = compilePolicy({
    localInternetDomains: ['acme.example'],
    relay: { allowFrom: ['[192.0.2.*]'] },
  });
  const rcpt = (ip: string, to: string) => {
    const path = parseForwardPath(`<${to}>`);
    if (!path.ok) throw new Error('bad path');
    return policy.onRcptTo({ session: { ip, ptr: { result: 'none' } }, recipient: path.value });
  };

  it('passes on the action and reply, and shows the explain trace when it fails', () => {
    assertRelayDecision(rcpt('198.51.100.7', 'x@elsewhere.example'), 'reject', 554, '5.7.1');
    assertRelayDecision(rcpt('192.0.2.8', 'x@elsewhere.example'), 'accept');
    assert.throws(
      () => assertRelayDecision(rcpt('198.51.100.7', 'x@elsewhere.example'), 'accept'),
      (e: unknown) =>
        e instanceof AssertionError &&
        /expected accept, got reject 554 5\.7\.1/.test(e.message) &&
        /relay\.allowFrom: not-matched/.test(e.message),
    );
  });
});

describe('Vitest/Jest matchers', () => {
  it('return { pass, message } for both outcomes, usable under .not', async () => {
    const ok = mailrouteMatchers.toBeReply(Replies.noSuchUser('x@y'), 550, '5.1.1');
    assert.equal(ok.pass, true);
    assert.match(ok.message(), /expected not to be reply 550 5\.1\.1/);
    const bad = mailrouteMatchers.toBeReply('250 2.0.0 OK', 550);
    assert.equal(bad.pass, false);
    assert.match(bad.message(), /expected reply 550, got 250 2\.0\.0 OK/);
    const report = await parseDeliveryReport(DSN);
    assert.equal(
      mailrouteMatchers.toReportRecipients(report, [
        { recipient: 'nobody@acme.example', action: 'failed', status: '5.1.1' },
        { recipient: 'slow@acme.example', action: 'delayed' },
      ]).pass,
      true,
    );
    assert.equal(mailrouteMatchers.toHaveDkimResult([], 'pass').pass, false);
    assert.equal(mailrouteMatchers.toHaveDkimResult([], 'none').pass, true);
    const { policy } = compilePolicy({ localInternetDomains: ['acme.example'] });
    const to = parseForwardPath('<x@elsewhere.example>');
    assert.ok(to.ok);
    const decision = policy.onRcptTo({ session: { ip: '198.51.100.7' }, recipient: to.value });
    assert.equal(mailrouteMatchers.toBeRelayDecision(decision, 'reject', 554).pass, true);
    const wrong = mailrouteMatchers.toBeRelayDecision(decision, 'accept');
    assert.equal(wrong.pass, false);
    assert.match(wrong.message(), /rcpt: reject -> 554 5\.7\.1/);
  });
});
