/**
 * Real SMTP clients against the policy on 127.0.0.1: swaks sends the relay tests of seeds 002
 * and 004 and the relay tricks byte for byte; nodemailer sends one message to local and relay
 * recipients and sees the relays refused. swaks skips when absent, except in CI.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { compilePolicy } from '@mailroute/relay-policy';
import nodemailer from 'nodemailer';
import { type Responder, startResponder } from './smtp-responder.js';

const swaksFound = spawnSync('swaks', ['--version']).status === 0;
const skipSwaks = !swaksFound && !process.env.CI ? 'swaks is not installed (Debian package "swaks")' : false;

let responder: Responder;
before(async () => {
  const { policy, problems } = compilePolicy({
    localInternetDomains: ['acme.test'],
    relay: { denyTo: ['*'], enforcement: 'all' },
  });
  assert.deepEqual(problems, []);
  responder = await startResponder(policy, (socket) => ({ ip: socket.remoteAddress ?? '' }));
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
  });
});
