/**
 * Limits enforced in the core: SMTPMaxCommandLength while reading, SIZE and the maximum message
 * size (stop holding data at once), SMTPMaxRecipientCount, SMTPErrorLimit, the RFC 5321 4.5.3.2
 * timeouts scaled by SMTPTimeoutMultiplier, the session limit, and bounded output for a client
 * that never reads.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Replies, SmtpError } from '@mailroute/envelope';
import { InputBuffer } from '../src/input-buffer.js';
import { resolveOptions } from '../src/options.js';
import { OPEN, OPEN_REPLIES, settle, startSession } from './harness.js';

describe('SMTPMaxCommandLength', () => {
  it('an over-long line gets 500 5.5.2 and the session goes on', async () => {
    const h = await startSession({ maxCommandLengthBytes: 64 });
    await h.send(`NOOP ${'x'.repeat(100)}\r\nNOOP\r\n`);
    assert.equal(h.take(), '500 5.5.2 Line too long\r\n250 2.0.0 OK\r\n');
  });
  it('an endless line is never held in memory beyond the limit', () => {
    const input = new InputBuffer();
    for (let i = 0; i < 1000; i++) {
      input.push(Buffer.alloc(1000, 0x41));
      assert.equal(input.readLine(1200, false), undefined);
      assert.ok(input.length <= 1202 + 1000, `held ${input.length}`);
    }
    input.push(Buffer.from('tail\r\nNOOP\r\n'));
    assert.deepEqual(input.readLine(1200, false), { kind: 'too-long' });
    assert.deepEqual(input.readLine(1200, false), { kind: 'line', line: 'NOOP' });
  });
  it('SMTPStrict821LineSyntax=1 refuses a command ended by a bare LF', async () => {
    const h = await startSession({ strict821LineSyntax: true });
    await h.send('NOOP\nNOOP\r\n');
    assert.equal(h.take(), '500 5.5.2 Line must end with CRLF\r\n250 2.0.0 OK\r\n');
    const lenient = await startSession();
    await lenient.send('NOOP\nNOOP\r\n');
    assert.equal(lenient.take(), '250 2.0.0 OK\r\n250 2.0.0 OK\r\n');
  });
});

describe('message size', () => {
  it('SIZE= above the maximum is refused at MAIL with 552 5.3.4', async () => {
    const h = await startSession({ maxMessageSizeBytes: 1000 });
    await h.send('EHLO c\r\nMAIL FROM:<a@b.org> SIZE=1001\r\nMAIL FROM:<a@b.org> SIZE=1000\r\n');
    assert.match(
      h.take(),
      /250 HELP\r\n552 5\.3\.4 Message size exceeds fixed maximum message size\r\n250 2\.1\.0 Sender OK\r\n$/,
    );
  });
  it('data past the maximum: 552 after the end of data, backend read throws, nothing more held', async () => {
    const h = await startSession({ maxMessageSizeBytes: 1000 });
    await h.send(`${OPEN}DATA\r\n`);
    for (let i = 0; i < 50; i++) await h.send(`${'y'.repeat(98)}\r\n`);
    await h.send('.\r\nNOOP\r\n');
    assert.equal(
      h.take(),
      `${OPEN_REPLIES.replace('SIZE 26214400', 'SIZE 1000')}354 Start mail input; end with <CRLF>.<CRLF>\r\n` +
        '552 5.3.4 Message size exceeds fixed maximum message size\r\n250 2.0.0 OK\r\n',
    );
    const m = h.backend.messages[0];
    assert.ok(m.error instanceof SmtpError && m.error.reply.code === 552);
    assert.ok(m.body.length <= 1000);
    assert.equal(h.stats.snapshot().messagesRefused, 1);
  });
});

describe('SMTPMaxRecipientCount', () => {
  it('past the count: 452 4.5.3, the accepted ones still deliver', async () => {
    const h = await startSession({ maxRecipients: 2 });
    await h.send(`${OPEN}RCPT TO:<c@example.com>\r\nRCPT TO:<d@example.com>\r\nDATA\r\nx\r\n.\r\n`);
    assert.match(h.take(), /250 2\.1\.5 Recipient OK\r\n452 4\.5\.3 Too many recipients\r\n354 /);
    assert.equal(h.backend.messages[0].envelope.recipients.length, 2);
  });
});

describe('SMTPErrorLimit', () => {
  it('the error past the limit is answered, then 421 4.7.0 and close', async () => {
    const h = await startSession({ errorLimit: 2 });
    await h.send('FOO\r\nBAR\r\nBAZ\r\nNOOP\r\n');
    assert.equal(
      h.take(),
      '500 5.5.1 Command unrecognized\r\n'.repeat(3) +
        '421 4.7.0 Too many errors, closing transmission channel\r\n',
    );
    assert.ok(h.session.closed);
    assert.equal(h.stats.snapshot().errorLimitReached, 1);
  });
  it('refused recipients (550 No such user, 554 relay rejected) count: address guessing trips it', async () => {
    const h = await startSession({ errorLimit: 2 });
    h.backend.rcptReply = (a) =>
      a.startsWith('ok') ? undefined : a.endsWith('.example') ? Replies.relayRejected : Replies.noSuchUser(a);
    await h.send('EHLO c\r\nMAIL FROM:<a@b.org>\r\n');
    h.take();
    await h.send('RCPT TO:<ok@b.org>\r\nRCPT TO:<guess1@b.org>\r\nRCPT TO:<x@relay.example>\r\n');
    assert.ok(!h.session.closed, 'two refusals are within the limit of 2');
    await h.send('RCPT TO:<ok2@b.org>\r\nRCPT TO:<guess2@b.org>\r\nNOOP\r\n');
    assert.equal(
      h.take(),
      '250 2.1.5 Recipient OK\r\n' +
        '550 5.1.1 guess1@b.org... No such user\r\n' +
        '554 5.7.1 Relay rejected for policy reasons.\r\n' +
        '250 2.1.5 Recipient OK\r\n' +
        '550 5.1.1 guess2@b.org... No such user\r\n' +
        '421 4.7.0 Too many errors, closing transmission channel\r\n',
    );
    assert.ok(h.session.closed);
    assert.equal(h.stats.snapshot().errorLimitReached, 1);
  });
  it('temporary recipient refusals (450, 451) do not count', async () => {
    const h = await startSession({ errorLimit: 1 });
    h.backend.rcptReply = () => Replies.mailboxBusy;
    await h.send(
      'EHLO c\r\nMAIL FROM:<a@b.org>\r\nRCPT TO:<a@b.org>\r\nRCPT TO:<b@b.org>\r\nRCPT TO:<c@b.org>\r\n',
    );
    assert.ok(!h.session.closed);
  });
});

describe('timeouts', () => {
  it('the greeting timeout (first command) closes with 421 4.4.2', async () => {
    const h = await startSession({ timeouts: { greetingMs: 1000 } });
    h.timers.tick(999);
    assert.equal(h.take(), '');
    h.timers.tick(1);
    assert.equal(h.take(), '421 4.4.2 Timeout exceeded, closing transmission channel\r\n');
    assert.ok(h.session.closed);
    assert.equal(h.stats.snapshot().timeouts, 1);
  });
  it('SMTPTimeoutMultiplier scales the command timeout', async () => {
    const h = await startSession({ timeouts: { commandMs: 1000 }, timeoutMultiplier: 3 });
    await h.send('NOOP\r\n');
    h.take();
    h.timers.tick(2999);
    assert.ok(!h.session.closed);
    h.timers.tick(1);
    assert.ok(h.session.closed);
  });
  it('slowloris: bytes of an unfinished command do not extend the command timeout', async () => {
    const h = await startSession({ timeouts: { commandMs: 1000, greetingMs: 1000 } });
    for (const ch of 'MAIL FROM:<a@b') {
      await h.send(ch);
      h.timers.tick(100);
    }
    assert.ok(h.session.closed, 'closed after 1 s although a byte came every 100 ms');
  });
  it('the data block timeout restarts with every block; the session limit bounds everything', async () => {
    const h = await startSession({ timeouts: { dataBlockMs: 1000, sessionMs: 10_000 } });
    await h.send(`${OPEN}DATA\r\n`);
    for (let i = 0; i < 9; i++) {
      h.timers.tick(900);
      await h.send('z');
      assert.ok(!h.session.closed, `block ${i}`);
    }
    h.timers.tick(2000);
    await settle();
    assert.ok(h.session.closed);
    assert.match(h.take(), /421 4\.4\.2 Timeout exceeded, closing transmission channel\r\n$/);
    assert.ok(h.backend.messages[0].error, 'the backend saw the message fail');
  });
});

describe('a client that never reads', () => {
  it('stops taking commands while the output is backed up', async () => {
    const h = await startSession();
    h.transport.backedUp = true;
    await h.send('NOOP\r\n'.repeat(1000));
    assert.equal(h.take(), '250 2.0.0 OK\r\n', 'one reply, then waits for the drain');
    h.transport.drain();
    await h.send('');
    assert.equal(h.take().length, '250 2.0.0 OK\r\n'.length * 999);
  });
  it('pauses the transport when buffered input passes its mark', async () => {
    const h = await startSession();
    h.transport.backedUp = true;
    await h.send('NOOP\r\n'.repeat(20_000));
    assert.ok(h.transport.paused);
    h.transport.drain();
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(!h.transport.paused);
  });
});

describe('option validation', () => {
  it('refuses 0, NaN, negative, fractional and infinite limits', () => {
    for (const bad of [0, Number.NaN, -1, 1.5, Number.POSITIVE_INFINITY, '10' as unknown as number]) {
      assert.throws(() => resolveOptions({ maxMessageSizeBytes: bad }), RangeError, String(bad));
      assert.throws(() => resolveOptions({ maxSessions: bad }), RangeError);
    }
    assert.throws(() => resolveOptions({ timeoutMultiplier: 0 }), RangeError);
    assert.throws(() => resolveOptions({ startTls: 'maybe' as 'enabled' }), RangeError);
    assert.throws(() => resolveOptions({ capture: { saveImportErrors: 1 } }), TypeError);
    assert.equal(
      resolveOptions({ perIp: { maxSessions: Number.POSITIVE_INFINITY } }).perIp.maxSessions,
      Infinity,
    );
  });
  it('Domino defaults', () => {
    const o = resolveOptions({ hostname: 'h' });
    assert.equal(o.maxCommandLengthBytes, 1200);
    assert.equal(o.errorLimit, 10);
    assert.equal(o.startTls, 'disabled');
    assert.deepEqual(
      { ...o.extensions },
      {
        size: true,
        pipelining: true,
        dsn: false,
        eightBitMime: false,
        smtputf8: false,
        chunking: true,
        help: true,
        vrfy: false,
        expn: false,
        etrn: false,
        refuseUndeclared8bit: false,
      },
    );
    assert.equal(o.timeouts.commandMs, 300_000);
    assert.equal(o.maxForRecipients, 0);
  });
});

describe('a client that stops reading', () => {
  it('is cut at the command timeout while its output is backed up', async () => {
    const h = await startSession({ timeouts: { commandMs: 1000 } });
    h.transport.backedUp = true;
    await h.send('NOOP\r\nNOOP\r\n');
    h.timers.tick(1000);
    await settle();
    assert.ok(h.session.closed);
    assert.equal(h.stats.snapshot().timeouts, 1);
  });
});

describe('shutdown', () => {
  it('an idle session gets 421 4.3.2 at once; one in DATA after its message', async () => {
    const idle = await startSession();
    idle.session.shutdown();
    assert.equal(idle.take(), '421 4.3.2 Service shutting down, closing transmission channel\r\n');
    assert.ok(idle.session.closed);
    const busy = await startSession();
    await busy.send(`${OPEN}DATA\r\nx\r\n`);
    busy.take();
    busy.session.shutdown();
    assert.ok(!busy.session.closed);
    await busy.send('.\r\n');
    assert.match(busy.take(), /^250 2\.6\.0 .*\r\n421 4\.3\.2 /);
    assert.ok(busy.session.closed);
  });
});
