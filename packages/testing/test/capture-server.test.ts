import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Replies } from '@mailroute/envelope';
import { connectConversation, reply, type SmtpConversation, startCaptureServer } from '../src/index.js';

async function send(port: number, to: string, subject: string, body = 'hello'): Promise<SmtpConversation> {
  const s = await connectConversation({ port });
  await s.send('EHLO client.example').expect(250);
  await s.send('MAIL FROM:<app@sender.example>').expect(250);
  await s.send(`RCPT TO:<${to}>`).expect(250);
  return Object.assign(s, {
    sent: await s.data(
      `From: App <app@sender.example>\r\nTo: ${to}\r\nSubject: ${subject}\r\n\r\n${body}\r\n`,
    ),
  });
}

describe('capture server', () => {
  it('keeps each message parsed, with its envelope, and lets a test wait for it', async () => {
    const server = await startCaptureServer();
    try {
      assert.match(server.smtpUrl, /^smtp:\/\/127\.0\.0\.1:\d+$/);
      const waiting = server.waitForMessage({ to: 'Jane@Customer.example' });
      const s = await send(server.port, 'jane@customer.example', 'Hello Jane', 'line one\r\nline two');
      await s.close();
      const m = await waiting;
      assert.equal(m.subject, 'Hello Jane');
      assert.equal(m.mailFrom, 'app@sender.example');
      assert.deepEqual(m.recipients, ['jane@customer.example']);
      assert.equal(m.helo, 'client.example');
      assert.equal(m.from, 'App <app@sender.example>');
      assert.equal(m.text, 'line one\r\nline two\r\n');
      assert.equal(m.header('subject'), 'Hello Jane');
      assert.match(m.raw.toString(), /^Received: from client\.example/);
      assert.equal(m.note.text('SMTPOriginator'), 'app@sender.example');
      assert.equal(server.messages.length, 1);
      // Already kept: resolves at once.
      assert.equal((await server.waitForMessage({ subject: /Jane/ })).id, m.id);
      assert.equal(server.stats().accepted, 1);
    } finally {
      await server.close();
    }
  });

  it('waitForMessages counts, and a wait that times out says what it saw', async () => {
    const server = await startCaptureServer();
    try {
      const two = server.waitForMessages(2, (m) => m.recipients[0]!.endsWith('@b.example'));
      await (await send(server.port, 'x@b.example', 'one')).close();
      await (await send(server.port, 'y@b.example', 'two')).close();
      assert.deepEqual(
        (await two).map((m) => m.subject),
        ['one', 'two'],
      );
      await assert.rejects(
        server.waitForMessage({ to: 'nobody@x.example' }, { timeoutMs: 50 }),
        (e: Error & { code?: string }) => {
          assert.equal(e.code, 'TESTING_WAIT_TIMEOUT');
          assert.match(e.message, /0 matched, 2 kept \(x@b\.example: "one"; y@b\.example: "two"\)/);
          return true;
        },
      );
    } finally {
      await server.close();
    }
  });

  it('refuses with 452 4.3.1 once maxMessages are kept (nothing dropped in silence), until cleared', async () => {
    const server = await startCaptureServer({ maxMessages: 2 });
    try {
      for (const n of [1, 2]) await (await send(server.port, 'a@b.example', `m${n}`)).close();
      const s = await connectConversation({ port: server.port });
      await s.send('HELO x').expect(250);
      await s.send('MAIL FROM:<a@b.example>').expect(452, '4.3.1');
      await s.close();
      assert.equal(server.stats().refusedFull, 1);
      server.clear();
      await (await send(server.port, 'a@b.example', 'm3')).close();
      assert.deepEqual(
        server.messages.map((m) => m.subject),
        ['m3'],
      );
    } finally {
      await server.close();
    }
  });

  it('drop-oldest keeps the newest within the caps and counts what it forgot', async () => {
    const server = await startCaptureServer({ maxMessages: 3, whenFull: 'drop-oldest' });
    try {
      for (let n = 1; n <= 5; n++) await (await send(server.port, 'a@b.example', `m${n}`)).close();
      assert.deepEqual(
        server.messages.map((m) => m.subject),
        ['m3', 'm4', 'm5'],
      );
      assert.equal(server.stats().evicted, 2);
    } finally {
      await server.close();
    }
  });

  it('caps the octets kept (maxTotalBytes) and applies the server’s message size limit', async () => {
    const server = await startCaptureServer({ maxTotalBytes: 4000, maxMessageSizeBytes: 3000 });
    try {
      const big = await send(server.port, 'a@b.example', 'big', 'x'.repeat(3500));
      assert.equal((big as unknown as { sent: { code: number } }).sent.code, 552);
      await big.close();
      await (await send(server.port, 'a@b.example', 'first', 'y'.repeat(2000))).close();
      const second = await send(server.port, 'a@b.example', 'second', 'z'.repeat(2000));
      assert.equal(
        (second as unknown as { sent: { code: number; enhanced: string } }).sent.enhanced,
        '4.3.1',
      );
      await second.close();
      assert.ok(server.stats().keptBytes <= 4000);
      assert.equal(server.messages.length, 1);
    } finally {
      await server.close();
    }
  });

  it('has the SMTP server’s limits: SMTPMaxRecipientCount and the command line length', async () => {
    const server = await startCaptureServer({ server: { maxRecipients: 2, maxCommandLengthBytes: 600 } });
    try {
      const s = await connectConversation({ port: server.port });
      await s.send('EHLO x').expect(250);
      await s.send('MAIL FROM:<a@b.example>').expect(250);
      await s.send('RCPT TO:<one@b.example>').expect(250);
      await s.send('RCPT TO:<two@b.example>').expect(250);
      await s.send('RCPT TO:<three@b.example>').expect(452, '4.5.3');
      await s.send(`NOOP ${'x'.repeat(700)}`).expect(500, '5.5.2');
      await s.data('Subject: two\r\n\r\nx\r\n').expect(250);
      await s.close();
      assert.deepEqual((await server.waitForMessage()).recipients, ['one@b.example', 'two@b.example']);
    } finally {
      await server.close();
    }
  });

  it('refuses bad options with a RangeError naming them', async () => {
    for (const [options, name] of [
      [{ maxMessages: 0 }, /maxMessages/],
      [{ maxMessages: Number.POSITIVE_INFINITY }, /maxMessages/],
      [{ maxMessages: Number.NaN }, /maxMessages/],
      [{ maxTotalBytes: -5 }, /maxTotalBytes/],
      [{ maxMessageSizeBytes: 1.5 }, /maxMessageSizeBytes/],
      [{ whenFull: 'shrug' }, /whenFull/],
      [{ authRequired: true }, /authRequired needs/],
    ] as const) {
      await assert.rejects(
        startCaptureServer(options as never),
        (e: Error) => e instanceof RangeError && name.test(e.message),
      );
    }
  });

  it('follows the test’s rules for senders, recipients and messages', async () => {
    const server = await startCaptureServer({
      rules: {
        mailFrom: (from) => (from === 'spam@bad.example' ? Replies.senderRejected('go away') : undefined),
        rcptTo: (to) => (to.startsWith('full@') ? reply(452, '4.2.2', 'Mailbox full') : undefined),
        message: (m) => (m.subject.includes('virus') ? reply(554, '5.7.1', 'Infected') : undefined),
      },
    });
    try {
      const s = await connectConversation({ port: server.port });
      await s.send('HELO x').expect(250);
      await s.send('MAIL FROM:<spam@bad.example>').expect(550, '5.7.1');
      await s.send('MAIL FROM:<ok@good.example>').expect(250);
      await s.send('RCPT TO:<full@b.example>').expect(452, '4.2.2', 'Mailbox full');
      await s.send('RCPT TO:<ok@b.example>').expect(250);
      await s.data('Subject: a virus\r\n\r\nx\r\n').expect(554, '5.7.1');
      await s.close();
      assert.equal(server.messages.length, 0);
      assert.equal(server.stats().refusedByRule, 1);
    } finally {
      await server.close();
    }
  });

  it('hands the rules the paths as parsed: a source route, Postmaster, the null sender', async () => {
    const seen: string[] = [];
    const server = await startCaptureServer({
      rules: {
        mailFrom: (address, path) => {
          seen.push(`MAIL ${JSON.stringify(address)} ${path.kind}`);
          return undefined;
        },
        rcptTo: (address, path) => {
          seen.push(
            `RCPT ${address} ${path.kind}${path.kind === 'mailbox' ? ` ${path.mailbox.domain.ascii}` : ''}`,
          );
          return undefined;
        },
      },
    });
    try {
      const s = await connectConversation({ port: server.port });
      await s.send('HELO x').expect(250);
      await s.send('MAIL FROM:<>').expect(250);
      await s.send('RCPT TO:<@relay.example:user@final.example>').expect(250);
      await s.send('RCPT TO:<Postmaster>').expect(250);
      await s.close();
      assert.deepEqual(seen, [
        'MAIL "" null',
        'RCPT user@final.example mailbox final.example',
        'RCPT postmaster postmaster',
      ]);
    } finally {
      await server.close();
    }
  });

  it('AUTH when asked: required before MAIL, wrong password refused, user recorded', async () => {
    const server = await startCaptureServer({ users: { app: 's3cret' }, authRequired: true });
    try {
      assert.match(server.smtpUrl, /^smtp:\/\/app:s3cret@127\.0\.0\.1:\d+$/);
      const s = await connectConversation({ port: server.port });
      const ehlo = await s.send('EHLO x').expect(250);
      assert.ok(ehlo.lines.some((l) => /^AUTH .*PLAIN/.test(l)));
      await s.send('MAIL FROM:<a@b.example>').expect(530, '5.7.0');
      // A failed AUTH ends the session, as Domino does (smtp-server's closeAfterAuthFailure default).
      await s.send(`AUTH PLAIN ${Buffer.from('\0app\0wrong').toString('base64')}`).expect(535);
      await s.close();
      const again = await connectConversation({ port: server.port });
      await again.send('EHLO x').expect(250);
      await again.send(`AUTH PLAIN ${Buffer.from('\0app\0s3cret').toString('base64')}`).expect(235);
      await again.send('MAIL FROM:<a@b.example>').expect(250);
      await again.send('RCPT TO:<c@d.example>').expect(250);
      await again.data('Subject: authed\r\n\r\nx\r\n').expect(250);
      await again.close();
      assert.equal((await server.waitForMessage()).user, 'app');
    } finally {
      await server.close();
    }
  });

  it('STARTTLS when asked, and close() rejects pending waits', async () => {
    const server = await startCaptureServer({ startTls: 'required' });
    assert.match(server.smtpUrl, /\?tls\.rejectUnauthorized=false$/);
    const s = await connectConversation({ port: server.port });
    await s.send('EHLO x').expect(250);
    await s.send('MAIL FROM:<a@b.example>').expect(530);
    await s.startTls().expect(220);
    await s.send('EHLO x').expect(250);
    await s.send('MAIL FROM:<a@b.example>').expect(250);
    await s.send('RCPT TO:<c@d.example>').expect(250);
    await s.data('Subject: secret\r\n\r\nx\r\n').expect(250);
    await s.close();
    assert.equal((await server.waitForMessage()).tls, true);
    const pending = server.waitForMessage({ subject: 'never' }, { timeoutMs: 60000 });
    await server.close();
    await assert.rejects(pending, (e: Error & { code?: string }) => e.code === 'TESTING_CAPTURE_CLOSED');
  });
});

describe('capture server: a test’s own mistakes stay in the test', () => {
  it('a wait predicate that throws rejects that wait; the client still gets 250 and the message is kept', async () => {
    const server = await startCaptureServer();
    try {
      const broken = assert.rejects(
        server.waitForMessage(() => {
          throw new Error('predicate bug');
        }),
        /predicate bug/,
      );
      const s = await send(server.port, 'a@b.example', 'kept');
      assert.equal((s as unknown as { sent: { code: number } }).sent.code, 250);
      await s.close();
      await broken;
      assert.equal(server.messages.length, 1);
    } finally {
      await server.close();
    }
  });

  it('bad wait arguments are refused', async () => {
    const server = await startCaptureServer();
    try {
      await assert.rejects(server.waitForMessages(0), RangeError);
      await assert.rejects(server.waitForMessage(undefined, { timeoutMs: -1 }), RangeError);
    } finally {
      await server.close();
    }
  });
});
