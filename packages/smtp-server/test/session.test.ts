import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Replies, SmtpError, SmtpReply } from '@mailroute/envelope';
import { OPEN, OPEN_REPLIES, RecordingBackend, receivedFor, startSession } from './harness.js';

describe('greeting and connect', () => {
  it('greets with the host name and SMTPGreeting, naming no product', async () => {
    const h = await startSession({}, undefined, { keepGreeting: true });
    assert.equal(h.take(), '220 mx.example.com ESMTP Service ready at Sat, 21 Nov 2026 09:46:47 +0000\r\n');
  });
  it('uses a custom SMTPGreeting with %s for the date', async () => {
    const h = await startSession({ greeting: 'Welcome %s' }, undefined, { keepGreeting: true });
    assert.equal(h.take(), '220 mx.example.com Welcome Sat, 21 Nov 2026 09:46:47 +0000\r\n');
  });
  it('a 554 refusal at connect waits for QUIT, answering 503 to anything else (RFC 5321 3.1)', async () => {
    const b = new RecordingBackend();
    b.connectReply = Replies.connectionRefused;
    const h = await startSession({}, b, { keepGreeting: true });
    assert.equal(h.take(), '554 5.7.1 Access denied\r\n');
    assert.ok(!h.transport.ended);
    await h.send('EHLO c.example\r\nMAIL FROM:<a@b.example>\r\n');
    const refused = '503 5.5.1 Bad sequence of commands: connection refused, only QUIT is accepted\r\n';
    assert.equal(h.take(), refused.repeat(2));
    assert.ok(!h.session.closed);
    await h.send('QUIT\r\n');
    assert.equal(h.take(), '221 2.0.0 mx.example.com closing connection\r\n');
    assert.ok(h.transport.ended);
    assert.equal(h.closedNotified, 1);
    assert.deepEqual(b.calls, ['connect']);
  });
  it('a refused client that never sends QUIT is closed after afterRefusalMs, commands do not extend it', async () => {
    const b = new RecordingBackend();
    b.connectReply = Replies.connectionRefused;
    const h = await startSession({ timeouts: { afterRefusalMs: 2000 } }, b, { keepGreeting: true });
    h.take();
    h.timers.tick(1500);
    await h.send('NOOP\r\n');
    h.timers.tick(600);
    assert.match(h.take(), /^503 .*\r\n421 4\.4\.2 Timeout exceeded/);
    assert.ok(h.session.closed);
  });
  it('a refused client sending commands runs into the error limit', async () => {
    const b = new RecordingBackend();
    b.connectReply = Replies.connectionRefused;
    const h = await startSession({ errorLimit: 2 }, b, { keepGreeting: true });
    h.take();
    await h.send('NOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\n');
    assert.match(h.take(), /^(503 [^\r]*\r\n){3}421 4\.7\.0 /);
    assert.ok(h.session.closed);
  });
  it('a 421 at connect (the backend cannot serve now) closes at once', async () => {
    const b = new RecordingBackend();
    b.connectReply = Replies.serviceNotAvailable;
    const h = await startSession({}, b, { keepGreeting: true });
    assert.equal(h.take(), '421 4.3.0 Service not available, closing transmission channel\r\n');
    assert.ok(h.transport.ended);
    assert.equal(h.closedNotified, 1);
  });
});

describe('EHLO and HELO', () => {
  it('advertises only what is on (defaults)', async () => {
    const h = await startSession();
    await h.send('EHLO client.example.org\r\n');
    assert.equal(
      h.take(),
      '250-mx.example.com Hello client.example.org [192.0.2.1]\r\n250-SIZE 26214400\r\n250-PIPELINING\r\n' +
        '250-ENHANCEDSTATUSCODES\r\n250-CHUNKING\r\n250 HELP\r\n',
    );
  });
  it('advertises 8BITMIME, SMTPUTF8, DSN, ETRN and STARTTLS when on; drops SIZE, PIPELINING, HELP when off', async () => {
    const h = await startSession({
      startTls: 'enabled',
      extensions: {
        size: false,
        pipelining: false,
        help: false,
        eightBitMime: true,
        smtputf8: true,
        dsn: true,
        etrn: true,
      },
    });
    await h.send('EHLO c\r\n');
    assert.equal(
      h.take(),
      '250-mx.example.com Hello c [192.0.2.1]\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250-DSN\r\n' +
        '250-ENHANCEDSTATUSCODES\r\n250-CHUNKING\r\n250-ETRN\r\n250 STARTTLS\r\n',
    );
  });
  it('HELO answers one line', async () => {
    const h = await startSession();
    await h.send('HELO c\r\n');
    assert.equal(h.take(), '250 mx.example.com Hello c [192.0.2.1]\r\n');
  });
  it('requires a domain', async () => {
    const h = await startSession();
    await h.send('EHLO\r\n');
    assert.match(h.take(), /^501 5\.5\.4 /);
  });
});

describe('mail transaction', () => {
  it('delivers a message with the Received header in front, dot-unstuffed', async () => {
    const h = await startSession();
    await h.send(`${OPEN}DATA\r\nSubject: t\r\n\r\n..dot\r\nbody\r\n.\r\n`);
    assert.equal(
      h.take(),
      `${OPEN_REPLIES}354 Start mail input; end with <CRLF>.<CRLF>\r\n250 2.6.0 Message accepted for delivery, id ID1\r\n`,
    );
    assert.equal(h.backend.messages.length, 1);
    const m = h.backend.messages[0];
    assert.equal(m.body.toString(), `${receivedFor('ID1')}Subject: t\r\n\r\n.dot\r\nbody\r\n`);
    assert.equal(m.envelope.id, 'ID1');
    assert.equal(m.envelope.helo, 'client.example.org');
    assert.deepEqual(
      m.envelope.recipients.map((r) => (r.path.kind === 'mailbox' ? r.path.mailbox.address : '')),
      ['bob@example.com'],
    );
    assert.equal(h.stats.snapshot().messagesAccepted, 1);
    assert.deepEqual(h.backend.calls, [
      'connect',
      'helo client.example.org',
      'mail alice@example.org',
      'rcpt bob@example.com',
      'data',
    ]);
  });
  it('enforces the order of commands', async () => {
    const h = await startSession();
    await h.send('MAIL FROM:<a@b.org>\r\nEHLO c\r\n');
    assert.match(h.take(), /^503 5\.5\.1 Bad sequence of commands: send HELO\/EHLO first\r\n250-/);
    await h.send('RCPT TO:<a@b.org>\r\nDATA\r\nMAIL FROM:<a@b.org>\r\nMAIL FROM:<a@b.org>\r\nDATA\r\n');
    assert.equal(
      h.take(),
      '503 5.5.1 Bad sequence of commands: need MAIL before RCPT\r\n' +
        '503 5.5.1 Bad sequence of commands: need MAIL before DATA\r\n' +
        '250 2.1.0 Sender OK\r\n503 5.5.1 Bad sequence of commands: nested MAIL command\r\n' +
        '554 5.5.1 No valid recipients\r\n',
    );
  });
  it('RSET clears the transaction and tells the backend', async () => {
    const h = await startSession();
    await h.send(`${OPEN}RSET\r\nRCPT TO:<x@y.org>\r\nNOOP\r\n`);
    assert.equal(
      h.take(),
      `${OPEN_REPLIES}250 2.0.0 Reset state\r\n503 5.5.1 Bad sequence of commands: need MAIL before RCPT\r\n250 2.0.0 OK\r\n`,
    );
    assert.ok(h.backend.calls.includes('reset'));
  });
  for (const verb of ['EHLO', 'HELO']) {
    it(`${verb} in the middle of a transaction resets it and tells the backend (RFC 5321 4.1.4)`, async () => {
      const h = await startSession();
      await h.send('EHLO c\r\nMAIL FROM:<a@b.org>\r\nRCPT TO:<x@y.org>\r\n');
      h.take();
      h.backend.calls.length = 0;
      await h.send(`${verb} again.example\r\n`);
      assert.deepEqual(h.backend.calls, ['reset', 'helo again.example']);
      h.take();
      // The old transaction is gone: a new MAIL is not "nested", DATA without RCPT has no recipients.
      await h.send('MAIL FROM:<c@d.org>\r\nDATA\r\nRCPT TO:<z@y.org>\r\nDATA\r\nnew\r\n.\r\n');
      assert.match(
        h.take(),
        /^250 2\.1\.0 Sender OK\r\n554 5\.5\.1 No valid recipients\r\n250 2\.1\.5 .*\r\n354 .*\r\n250 2\.6\.0 /,
      );
      const m = h.backend.messages[0];
      assert.equal(m.envelope.from.kind === 'mailbox' && m.envelope.from.mailbox.address, 'c@d.org');
      assert.deepEqual(
        m.envelope.recipients.map((r) => (r.path.kind === 'mailbox' ? r.path.mailbox.address : '')),
        ['z@y.org'],
      );
    });
  }
  it('QUIT answers 221 and closes; the backend session is closed once', async () => {
    const h = await startSession();
    await h.send('QUIT\r\nNOOP\r\n');
    assert.equal(h.take(), '221 2.0.0 mx.example.com closing connection\r\n');
    assert.ok(h.transport.ended);
    assert.equal(h.backend.closed, 1);
    assert.equal(h.closedNotified, 1);
  });
  it('a refused recipient is left out of the envelope', async () => {
    const b = new RecordingBackend();
    b.rcptReply = (a) => (a.startsWith('nobody') ? Replies.noSuchUser(a) : undefined);
    const h = await startSession({}, b);
    await h.send(`${OPEN}RCPT TO:<nobody@example.com>\r\nDATA\r\nx\r\n.\r\n`);
    assert.match(h.take(), /550 5\.1\.1 nobody@example\.com\.\.\. No such user\r\n354 /);
    assert.equal(b.messages[0].envelope.recipients.length, 1);
  });
  it('per-recipient data replies fold into one: mixed gives the positive one', async () => {
    const b = new RecordingBackend();
    b.dataReply = () => [Replies.mailboxBusy, Replies.messageAccepted('Q1')];
    const h = await startSession({}, b);
    await h.send(`${OPEN}DATA\r\nx\r\n.\r\n`);
    assert.match(h.take(), /250 2\.6\.0 Message accepted for delivery, id Q1\r\n$/);
    b.dataReply = () => [Replies.mailboxBusy, Replies.noSuchUser('a@b')];
    await h.send(`MAIL FROM:<a@b.org>\r\nRCPT TO:<c@d.org>\r\nDATA\r\nx\r\n.\r\n`);
    assert.match(h.take(), /450 4\.2\.1 Requested mail action not taken: mailbox unavailable\r\n$/);
  });
});

describe('backend failures', () => {
  for (const where of ['helo', 'mail', 'rcpt', 'data'] as const) {
    it(`an exception in ${where} becomes 451 4.3.0 and a logged error; the session goes on`, async () => {
      const b = new RecordingBackend();
      b.throwIn = where;
      const h = await startSession({}, b);
      await h.send(`${OPEN}DATA\r\nx\r\n.\r\nNOOP\r\n`);
      const out = h.take();
      assert.match(out, /451 4\.3\.0 Requested action aborted: local error in processing\r\n/);
      assert.match(out, /250 2\.0\.0 OK\r\n$/);
      assert.ok(h.logger.entries.some((e) => e.level === 'error' && e.message === 'backend error'));
      assert.equal(h.stats.snapshot().backendErrors, 1);
    });
  }
  it('an SmtpError thrown by the backend sends its reply', async () => {
    const b = new RecordingBackend();
    const h = await startSession({}, b);
    b.rcptReply = () => {
      throw new SmtpError(SmtpReply.of(550, '5.7.1', 'policy says no'));
    };
    await h.send(OPEN);
    assert.match(h.take(), /550 5\.7\.1 policy says no\r\n$/);
  });
});

describe('HELP, VRFY, EXPN, ETRN', () => {
  it('off by Domino default: VRFY, EXPN, ETRN answer 502', async () => {
    const h = await startSession();
    await h.send('EHLO c\r\n');
    h.take();
    await h.send('VRFY bob\r\nEXPN staff\r\nETRN example.com\r\n');
    assert.equal(h.take(), '502 5.5.1 Command not implemented\r\n'.repeat(3));
  });
  it('on: they call the backend; VRFY without a verify method answers 252', async () => {
    const b = new RecordingBackend();
    b.extra = {
      expand: (q) => SmtpReply.of(250, '2.1.5', `members of ${q}`),
      etrn: () => undefined,
    };
    const h = await startSession({ extensions: { vrfy: true, expn: true, etrn: true } }, b);
    await h.send('EHLO c\r\n');
    h.take();
    await h.send('VRFY bob\r\nEXPN staff\r\nETRN example.com\r\n');
    assert.equal(
      h.take(),
      '252 2.5.0 Cannot VRFY user, but will accept message and attempt delivery\r\n' +
        '250 2.1.5 members of staff\r\n250 2.0.0 Queuing for node example.com started\r\n',
    );
  });
  it('HELP lists the commands, or 502 when off', async () => {
    const h = await startSession();
    await h.send('HELP\r\n');
    assert.equal(
      h.take(),
      '214-2.0.0 Commands:\r\n214-2.0.0 HELO EHLO MAIL RCPT DATA RSET NOOP QUIT HELP BDAT AUTH\r\n214 2.0.0 End of HELP info\r\n',
    );
    const off = await startSession({ extensions: { help: false } });
    await off.send('HELP\r\n');
    assert.equal(off.take(), '502 5.5.1 Command not implemented\r\n');
  });
});

describe('Received header', () => {
  it("writes the backend's verified client host name in the from clause (clientHostName)", async () => {
    const backend = new RecordingBackend();
    backend.extra = { clientHostName: 'mail.client.example' };
    const h = await startSession({}, backend);
    await h.send(`${OPEN}DATA\r\nx\r\n.\r\n`);
    assert.match(
      h.backend.messages[0].body.toString(),
      /^Received: from client\.example\.org \(mail\.client\.example \[192\.0\.2\.1\]\)\r\n/,
    );
  });
  it('names the recipients per SMTPMaxForRecipients and the product unless SMTPNoVersionInRcvdHdr', async () => {
    const h = await startSession({ maxForRecipients: 1, product: 'mailroute 0.1.0' });
    await h.send(`${OPEN}RCPT TO:<carol@example.com>\r\nDATA\r\nx\r\n.\r\n`);
    assert.ok(
      h.backend.messages[0].body
        .toString()
        .startsWith(
          'Received: from client.example.org ([192.0.2.1])\r\n\tby mx.example.com (mailroute 0.1.0) with ESMTP id ID1\r\n' +
            '\tfor <bob@example.com>; Sat, 21 Nov 2026 09:46:47 +0000\r\nx\r\n',
        ),
    );
    const n = await startSession({ product: 'mailroute 0.1.0', noVersionInReceivedHeader: true });
    await n.send(`${OPEN}DATA\r\nx\r\n.\r\n`);
    assert.equal(n.backend.messages[0].body.toString(), `${receivedFor('ID1')}x\r\n`);
  });
});
