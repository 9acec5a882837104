/**
 * The capture server of @mailroute/testing with real SMTP clients on 127.0.0.1: nodemailer
 * through `smtpUrl` (plain, AUTH, STARTTLS on the self-signed certificate), swaks (pipelining,
 * STARTTLS with AUTH PLAIN, the cap on kept messages) and Python's smtplib (STARTTLS, AUTH LOGIN,
 * an SMTPUTF8-free 8-bit message, per-recipient refusals).
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Replies } from '@mailroute/envelope';
import { type CaptureServer, startCaptureServer } from '@mailroute/testing';
import nodemailer from 'nodemailer';

const run = promisify(execFile);
const hasSwaks = spawnSync('swaks', ['--version'], { stdio: 'ignore' }).status === 0;
const PYTHON = '/usr/bin/python3';
const hasPython = spawnSync(PYTHON, ['-c', 'import smtplib, ssl'], { stdio: 'ignore' }).status === 0;
const skipPython = hasPython || process.env['CI'] ? false : 'python3 with smtplib is not installed';
const skipSwaks = hasSwaks || process.env['CI'] ? false : 'swaks is not installed (apt-get install swaks)';

describe('capture server with nodemailer', () => {
  it('plain smtpUrl: the message arrives parsed, attachments and all', async () => {
    const server = await startCaptureServer();
    const transport = nodemailer.createTransport(server.smtpUrl);
    try {
      const info = await transport.sendMail({
        from: 'App <app@sender.example>',
        to: ['jane@customer.example', 'John <john@customer.example>'],
        bcc: 'audit@sender.example',
        subject: 'Grüße from nodemailer',
        text: 'plain part',
        html: '<b>html part</b>',
        attachments: [{ filename: 'report.csv', content: 'a,b\n1,2\n' }],
      });
      assert.deepEqual(info.accepted, [
        'jane@customer.example',
        'john@customer.example',
        'audit@sender.example',
      ]);
      const m = await server.waitForMessage({ subject: /Grüße/ });
      assert.equal(m.subject, 'Grüße from nodemailer');
      assert.deepEqual(m.recipients, [
        'jane@customer.example',
        'john@customer.example',
        'audit@sender.example',
      ]);
      assert.deepEqual(m.note.textList('BlindCopyTo'), ['audit@sender.example']);
      assert.equal(m.text.trim(), 'plain part');
      assert.equal(m.html?.trim(), '<b>html part</b>');
      assert.deepEqual(
        m.note.attachments().map((a) => [a.fileName, a.content?.toString()]),
        [['report.csv', 'a,b\n1,2\n']],
      );
      assert.equal(m.header('message-id'), info.messageId);
    } finally {
      transport.close();
      await server.close();
    }
  });

  it('AUTH and STARTTLS through the URL alone', async () => {
    const server = await startCaptureServer({
      users: { app: 'p@ss word' },
      authRequired: true,
      startTls: 'required',
    });
    const transport = nodemailer.createTransport(server.smtpUrl);
    try {
      await transport.sendMail({
        from: 'app@sender.example',
        to: 'x@customer.example',
        subject: 'secure',
        text: 'x',
      });
      const m = await server.waitForMessage();
      assert.equal(m.user, 'app');
      assert.equal(m.tls, true);
    } finally {
      transport.close();
      await server.close();
    }
  });

  it('a refused recipient reaches the sender as an error with the code, and nothing is kept', async () => {
    const server = await startCaptureServer({
      rules: { rcptTo: (to) => (to === 'gone@customer.example' ? Replies.noSuchUser(to) : undefined) },
    });
    const transport = nodemailer.createTransport(server.smtpUrl);
    try {
      await assert.rejects(
        transport.sendMail({
          from: 'a@sender.example',
          to: 'gone@customer.example',
          subject: 's',
          text: 'x',
        }),
        (e: Error & { responseCode?: number }) => e.responseCode === 550,
      );
      assert.equal(server.messages.length, 0);
    } finally {
      transport.close();
      await server.close();
    }
  });
});

describe('capture server with swaks', { skip: skipSwaks }, () => {
  let server: CaptureServer;
  before(async () => {
    server = await startCaptureServer({ users: { alice: 's3cret' }, startTls: true, maxMessages: 3 });
  });
  after(() => server.close());
  const swaks = (...args: string[]) =>
    run(
      'swaks',
      [
        '--server',
        '127.0.0.1',
        '--port',
        String(server.port),
        '--from',
        's@example.org',
        '--helo',
        'swaks.example.org',
        ...args,
      ],
      { timeout: 20_000 },
    );

  it('plain with PIPELINING', async () => {
    const { stdout } = await swaks(
      '--to',
      't@example.com',
      '--pipeline',
      '--header',
      'Subject: piped',
      '--body',
      'from swaks',
    );
    assert.match(stdout, /<-\s+250 2\.6\.0 /);
    const m = await server.waitForMessage({ subject: 'piped' });
    assert.equal(m.helo, 'swaks.example.org');
    assert.match(m.text, /from swaks/);
  });

  it('STARTTLS with AUTH PLAIN', async () => {
    await swaks(
      '--to',
      'u@example.com',
      '--tls',
      '--auth',
      'PLAIN',
      '--auth-user',
      'alice',
      '--auth-password',
      's3cret',
      '--header',
      'Subject: tls',
    );
    const m = await server.waitForMessage({ subject: 'tls' });
    assert.equal(m.user, 'alice');
    assert.equal(m.tls, true);
  });

  it('the cap on kept messages answers 452 4.3.1 at MAIL FROM', async () => {
    await swaks('--to', 'v@example.com', '--header', 'Subject: third');
    await server.waitForMessages(3);
    const refused = await swaks('--to', 'w@example.com', '--header', 'Subject: fourth').then(
      () => assert.fail('swaks should fail'),
      (e: { stdout: string; code: number }) => e,
    );
    assert.match(refused.stdout, /<\*\* 452 4\.3\.1 Insufficient system storage/);
    assert.equal(server.messages.length, 3);
  });
});

// Python's smtplib: STARTTLS on the self-signed certificate, AUTH LOGIN, two recipients of which
// the capture server's rule refuses one; prints the refused ones as JSON.
const PY = `
import json, smtplib, ssl, sys
port = int(sys.argv[1])
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
msg = "From: py@sender.example\\r\\nTo: a@customer.example\\r\\nSubject: from python\\r\\nContent-Type: text/plain; charset=utf-8\\r\\nContent-Transfer-Encoding: 8bit\\r\\n\\r\\nGr\\u00fc\\u00dfe\\r\\n"
with smtplib.SMTP("127.0.0.1", port, local_hostname="py.example.org", timeout=15) as s:
    s.starttls(context=ctx)
    s.ehlo("py.example.org")
    s.login("py", "secret")
    refused = s.sendmail("py@sender.example", ["a@customer.example", "gone@customer.example"], msg.encode("utf-8"))
print(json.dumps({k: [v[0], v[1].decode()] for k, v in refused.items()}))
`;

describe('capture server with Python smtplib', { skip: skipPython }, () => {
  it('STARTTLS, AUTH LOGIN, one recipient refused by the rule and reported to the client', async () => {
    const server = await startCaptureServer({
      users: { py: 'secret' },
      startTls: true,
      rules: { rcptTo: (to) => (to.startsWith('gone@') ? Replies.noSuchUser(to) : undefined) },
    });
    try {
      const { stdout } = await run(PYTHON, ['-c', PY, String(server.port)], { timeout: 20_000 });
      const refused = JSON.parse(stdout) as Record<string, [number, string]>;
      assert.deepEqual(Object.keys(refused), ['gone@customer.example']);
      assert.equal(refused['gone@customer.example']?.[0], 550);
      const m = await server.waitForMessage({ subject: 'from python' });
      assert.equal(m.user, 'py');
      assert.equal(m.tls, true);
      assert.equal(m.helo, 'py.example.org');
      assert.deepEqual(m.recipients, ['a@customer.example']);
      assert.equal(m.text, 'Grüße\r\n');
    } finally {
      await server.close();
    }
  });
});
