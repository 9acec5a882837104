/**
 * Real clients against the server on 127.0.0.1: nodemailer's SMTP transport, Python's smtplib
 * and swaks, over plain SMTP, STARTTLS and implicit TLS, with AUTH PLAIN/LOGIN, PIPELINING,
 * 8BITMIME, SMTPUTF8 and SIZE refusal. A missing tool skips with a message, except under CI.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { type Running, startServer } from './helpers.js';

const run = promisify(execFile);
const require = createRequire(import.meta.url);

interface Transporter {
  sendMail(message: object): Promise<{ accepted: string[]; response: string }>;
  close(): void;
}
const nodemailer = require('nodemailer') as { createTransport(options: object): Transporter };

const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const hasPython = spawnSync(PYTHON, ['-c', 'import smtplib'], { stdio: 'ignore' }).status === 0;
const hasSwaks = spawnSync('swaks', ['--version'], { stdio: 'ignore' }).status === 0;
const skipPython = hasPython || process.env['CI'] ? false : 'python3 with smtplib is not installed';
const skipSwaks = hasSwaks || process.env['CI'] ? false : 'swaks is not installed (apt-get install swaks)';

const OPTIONS = {
  startTls: 'enabled' as const,
  maxMessageSizeBytes: 200_000,
  extensions: { eightBitMime: true, smtputf8: true, dsn: true },
};

let s: Running;
before(async () => {
  s = await startServer(OPTIONS, undefined, ['smtp', 'submission', 'smtps']);
});
after(async () => {
  await s.server.close({ deadline: 1000 });
});

function last() {
  return s.backend.messages[s.backend.messages.length - 1];
}

describe('nodemailer SMTP transport', () => {
  const tls = { rejectUnauthorized: false };
  it('plain SMTP without TLS', async () => {
    const t = nodemailer.createTransport({ host: '127.0.0.1', port: s.ports.smtp, ignoreTLS: true });
    const info = await t.sendMail({
      from: 'a@example.org',
      to: 'b@example.com',
      subject: 'plain',
      text: 'hello',
    });
    t.close();
    assert.deepEqual(info.accepted, ['b@example.com']);
    assert.match(info.response, /^250 2\.6\.0 /);
    assert.equal(last().envelope.tls, undefined);
    assert.match(last().body.toString(), /^Received: from .*\r\n\tby mx\.test\.example with ESMTP id /);
  });
  it('STARTTLS with AUTH PLAIN on the submission port', async () => {
    const t = nodemailer.createTransport({
      host: '127.0.0.1',
      port: s.ports.submission,
      requireTLS: true,
      tls,
      auth: { user: 'alice', pass: 's3cret' },
      authMethod: 'PLAIN',
    });
    await t.sendMail({
      from: 'alice@example.org',
      to: 'b@example.com',
      subject: 'tls',
      text: 'hello over TLS',
    });
    t.close();
    const m = last();
    assert.equal(m.envelope.user, 'alice');
    assert.match(m.envelope.tls?.version ?? '', /^TLSv1\.[23]$/);
    assert.match(m.body.toString(), /with ESMTPSA/);
    assert.ok(m.body.toString().includes('Subject: tls'));
  });
  it('implicit TLS with AUTH LOGIN', async () => {
    const t = nodemailer.createTransport({
      host: '127.0.0.1',
      port: s.ports.smtps,
      secure: true,
      tls,
      auth: { user: 'alice', pass: 's3cret' },
      authMethod: 'LOGIN',
    });
    await t.sendMail({ from: 'alice@example.org', to: 'b@example.com', text: 'x' });
    t.close();
    assert.equal(last().envelope.connection.listener, 'smtps');
    assert.equal(s.backend.auths[s.backend.auths.length - 1].mechanism, 'LOGIN');
  });
  it('wrong password: 535', async () => {
    const t = nodemailer.createTransport({
      host: '127.0.0.1',
      port: s.ports.smtps,
      secure: true,
      tls,
      auth: { user: 'alice', pass: 'no' },
    });
    await assert.rejects(
      t.sendMail({ from: 'a@example.org', to: 'b@example.com', text: 'x' }),
      (e: { responseCode?: number }) => e.responseCode === 535,
    );
    t.close();
  });
  it('SMTPUTF8 addresses', async () => {
    const t = nodemailer.createTransport({ host: '127.0.0.1', port: s.ports.smtp, tls });
    await t.sendMail({ from: 'jörg@exämple.org', to: 'zoë@example.com', subject: 'ü', text: 'x' });
    t.close();
    const m = last();
    assert.equal(m.envelope.params.smtputf8, true);
    const to = m.envelope.recipients[0].path;
    assert.equal(to.kind === 'mailbox' ? to.mailbox.addressUnicode : '', 'zoë@example.com');
  });
  it('a message over the maximum size: 552', async () => {
    const t = nodemailer.createTransport({ host: '127.0.0.1', port: s.ports.smtp, ignoreTLS: true });
    await assert.rejects(
      t.sendMail({ from: 'a@example.org', to: 'b@example.com', text: 'z'.repeat(300_000) }),
      (e: { responseCode?: number }) => e.responseCode === 552,
    );
    t.close();
  });
});

const PY = `
import smtplib, ssl, sys
mode, port = sys.argv[1], int(sys.argv[2])
msg = b"Subject: py\\r\\n\\r\\nfrom python\\r\\n"
if mode == 'plain':
    with smtplib.SMTP('127.0.0.1', port) as s:
        s.ehlo('py.example.org'); s.sendmail('p@example.org', ['q@example.com', 'r@example.com'], msg)
elif mode in ('starttls-plain', 'starttls-login'):
    with smtplib.SMTP('127.0.0.1', port) as s:
        s.ehlo('py.example.org'); s.starttls(context=ssl._create_unverified_context()); s.ehlo('py.example.org')
        if mode == 'starttls-plain': s.login('alice', 's3cret')
        else: s.user, s.password = 'alice', 's3cret'; s.auth('LOGIN', s.auth_login, initial_response_ok=False)
        s.sendmail('alice@example.org', ['q@example.com'], msg)
elif mode == 'smtps':
    with smtplib.SMTP_SSL('127.0.0.1', port, context=ssl._create_unverified_context()) as s:
        s.login('alice', 's3cret'); s.sendmail('alice@example.org', ['q@example.com'], msg)
elif mode == 'utf8':
    with smtplib.SMTP('127.0.0.1', port) as s:
        s.ehlo('py.example.org')
        s.sendmail('jörg@example.org', ['zoë@example.com'], 'Subject: ü\\r\\n\\r\\nü\\r\\n'.encode(), mail_options=['SMTPUTF8', 'BODY=8BITMIME'])
elif mode == 'size':
    with smtplib.SMTP('127.0.0.1', port) as s:
        s.ehlo('py.example.org')
        try:
            s.sendmail('p@example.org', ['q@example.com'], b'x' * 300000)
        except smtplib.SMTPSenderRefused as e:
            print(e.smtp_code); sys.exit(0)
        sys.exit(3)
`;

describe('Python smtplib', { skip: skipPython }, () => {
  const py = (mode: string, port: number) => run(PYTHON, ['-c', PY, mode, String(port)], { timeout: 20_000 });
  it('plain, two recipients', async () => {
    await py('plain', s.ports.smtp);
    assert.equal(last().envelope.helo, 'py.example.org');
    assert.equal(last().envelope.recipients.length, 2);
  });
  it('STARTTLS and AUTH PLAIN', async () => {
    await py('starttls-plain', s.ports.submission);
    assert.equal(last().envelope.user, 'alice');
    assert.ok(last().envelope.tls);
  });
  it('STARTTLS and AUTH LOGIN', async () => {
    await py('starttls-login', s.ports.submission);
    assert.equal(s.backend.auths[s.backend.auths.length - 1].mechanism, 'LOGIN');
  });
  it('implicit TLS (SMTP_SSL)', async () => {
    await py('smtps', s.ports.smtps);
    assert.equal(last().envelope.connection.secure, true);
  });
  it('SMTPUTF8 and 8BITMIME', async () => {
    await py('utf8', s.ports.smtp);
    assert.equal(last().envelope.params.smtputf8, true);
    assert.ok(last().body.toString().endsWith('ü\r\n'));
  });
  it('SIZE refusal at MAIL FROM', async () => {
    const { stdout } = await py('size', s.ports.smtp);
    assert.equal(stdout.trim(), '552');
  });
});

describe('swaks', { skip: skipSwaks }, () => {
  const swaks = (...args: string[]) =>
    run(
      'swaks',
      [
        '--server',
        '127.0.0.1',
        '--from',
        's@example.org',
        '--to',
        't@example.com',
        '--helo',
        'swaks.example.org',
        '--body',
        'from swaks',
        ...args,
      ],
      {
        timeout: 20_000,
      },
    );
  it('plain with PIPELINING', async () => {
    const { stdout } = await swaks('--port', String(s.ports.smtp), '--pipeline');
    assert.match(stdout, /<-\s+250 2\.6\.0 /);
    assert.ok(last().body.toString().includes('from swaks'));
  });
  it('STARTTLS with AUTH PLAIN', async () => {
    await swaks(
      '--port',
      String(s.ports.submission),
      '--tls',
      '--auth',
      'PLAIN',
      '--auth-user',
      'alice',
      '--auth-password',
      's3cret',
    );
    assert.equal(last().envelope.user, 'alice');
    assert.equal(last().envelope.helo, 'swaks.example.org');
  });
  it('implicit TLS with AUTH LOGIN', async () => {
    await swaks(
      '--port',
      String(s.ports.smtps),
      '--tlsc',
      '--auth',
      'LOGIN',
      '--auth-user',
      'alice',
      '--auth-password',
      's3cret',
    );
    assert.equal(last().envelope.connection.listener, 'smtps');
  });
  it('STARTTLS with AUTH CRAM-MD5 (swaks needs Digest::HMAC_MD5, libdigest-hmac-perl)', async () => {
    const { stdout } = await swaks(
      '--port',
      String(s.ports.submission),
      '--tls',
      '--auth',
      'CRAM-MD5',
      '--auth-user',
      'alice',
      '--auth-password',
      's3cret',
    );
    assert.match(stdout, /<~\s+235 /);
    assert.equal(last().envelope.user, 'alice');
  });
  it('wrong password fails', async () => {
    await assert.rejects(
      swaks(
        '--port',
        String(s.ports.smtps),
        '--tlsc',
        '--auth',
        'PLAIN',
        '--auth-user',
        'alice',
        '--auth-password',
        'x',
      ),
    );
  });
});
