/**
 * Real SMTP clients against the policy on 127.0.0.1: swaks sends the relay tests of seeds 002
 * and 004 and the relay tricks byte for byte; nodemailer sends one message to local and relay
 * recipients and sees the relays refused. The server is the kit's capture server (the real
 * session engine), whose MAIL and RCPT rules answer with the policy's decisions on the paths as
 * parsed. swaks skips when absent, except in CI.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { compilePolicy, type SessionFacts } from '@mailroute/relay-policy';
import { type CaptureServer, startCaptureServer } from '@mailroute/testing';
import nodemailer from 'nodemailer';

const swaksFound = spawnSync('swaks', ['--version']).status === 0;
const skipSwaks = !swaksFound && !process.env.CI ? 'swaks is not installed (Debian package "swaks")' : false;

let responder: CaptureServer;
/** Every RCPT reply the policy gave, as "code text", in order. */
const rcptReplies: string[] = [];
before(async () => {
  const { policy, problems } = compilePolicy({
    localInternetDomains: ['acme.test'],
    relay: { denyTo: ['*'], enforcement: 'all' },
  });
  assert.deepEqual(problems, []);
  const session: SessionFacts = { ip: '127.0.0.1' }; // the capture server listens on loopback only
  assert.equal(policy.onConnect(session).action, 'accept');
  responder = await startCaptureServer({
    rules: {
      mailFrom: (_address, sender) => policy.onMailFrom({ session, sender }).reply,
      rcptTo: (_address, recipient) => {
        const reply = policy.onRcptTo({ session, recipient }).reply;
        rcptReplies.push(`${reply.code} ${reply.text}`);
        return reply;
      },
    },
  });
});
after(async () => {
  await responder?.close();
});

/** Runs swaks without blocking the event loop (the responder lives in this process). */
function swaks(to: string): Promise<string> {
  const args = ['--server', '127.0.0.1', '--port', String(responder.port), '--helo', 'abc.com'];
  args.push('--from', 'bogus.user@bogus.com', '--to', to, '--quit-after', 'RCPT', '--timeout', '5');
  return new Promise((resolve) => {
    // swaks exits non-zero when a recipient is refused; the transcript is what the test reads.
    execFile('swaks', args, { encoding: 'utf8', timeout: 10_000 }, (_error, stdout) => resolve(stdout));
  });
}

describe('swaks relay tests', { skip: skipSwaks }, () => {
  before(() => {
    if (!swaksFound)
      throw new Error('CI is set but swaks is not installed (.ci/apt-packages.txt lists swaks)');
  });
  const table: [string, string][] = [
    ['john.doe@ibm.com', '554 5.7.1 Relay rejected for policy reasons.'],
    ['relay_test@fakecompany.com', '554 5.7.1 Relay rejected for policy reasons.'],
    ['user%evil.com@acme.test', '554 5.7.1 Relay rejected for policy reasons.'],
    ['evil.com!user@acme.test', '554 5.7.1 Relay rejected for policy reasons.'],
    ['"user@evil.com"@acme.test', '554 5.7.1 Relay rejected for policy reasons.'],
    ['@acme.test:user@evil.com', '554 5.7.1 Relay rejected for policy reasons.'],
    ['user@[192.0.2.1]', '554 5.7.1 Relay rejected for policy reasons.'],
    ['john.doe@ACME.TEST', '250 2.1.5 Recipient OK'],
    ['user@acme.test.', '501 5.1.3 Bad recipient address syntax'],
  ];
  for (const [to, expected] of table)
    it(`RCPT TO:<${to}> -> ${expected}`, async () => {
      const out = await swaks(to);
      // swaks marks replies "<-" (expected) or "<**" (an error reply).
      const replies = out.split('\n').filter((l) => /^<(-|\*\*) /.test(l));
      assert.ok(
        replies.some((l) => l.replace(/^<(-|\*\*)\s+/, '').startsWith(expected)),
        out,
      );
    });
});

describe('nodemailer', () => {
  it('sends to the local recipient; the relay recipients are refused one by one', async () => {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: responder.port,
      secure: false,
      ignoreTLS: true,
    });
    const info = await transport.sendMail({
      from: 'sender@outside.test',
      to: ['jane@acme.test', 'victim@elsewhere.test', 'x%victim.test@acme.test'],
      subject: 'relay test',
      text: 'hello',
    });
    assert.deepEqual(info.accepted, ['jane@acme.test']);
    assert.deepEqual([...info.rejected].sort(), ['victim@elsewhere.test', 'x%victim.test@acme.test']);
    transport.close();
    const kept = await responder.waitForMessage({ subject: 'relay test' });
    assert.deepEqual(kept.recipients, ['jane@acme.test'], 'only the accepted recipient is in the envelope');
    assert.ok(rcptReplies.some((r) => r.startsWith('554 ')));
  });
});
