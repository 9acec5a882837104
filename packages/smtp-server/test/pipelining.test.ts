/** PIPELINING (RFC 2920): many commands in one packet, replies in order, nothing lost or reordered. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Replies, SmtpReply } from '@mailroute/envelope';
import { OPEN, OPEN_REPLIES, RecordingBackend, startSession } from './harness.js';

const BATCH =
  'EHLO client.example.org\r\nMAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.com>\r\n' +
  'RCPT TO:<nobody@example.com>\r\nRCPT TO:<carol@example.com>\r\nDATA\r\nHi\r\n.\r\n' +
  'MAIL FROM:<>\r\nRCPT TO:<postmaster>\r\nBDAT 5 LAST\r\nabcdeRSET\r\nNOOP\r\nQUIT\r\n';
const EXPECTED =
  `${OPEN_REPLIES}550 5.1.1 nobody@example.com... No such user\r\n250 2.1.5 Recipient OK\r\n` +
  '354 Start mail input; end with <CRLF>.<CRLF>\r\n250 2.6.0 Message accepted for delivery, id ID1\r\n' +
  '250 2.1.0 Sender OK\r\n250 2.1.5 Recipient OK\r\n250 2.6.0 Message accepted for delivery, id ID2\r\n' +
  '250 2.0.0 Reset state\r\n250 2.0.0 OK\r\n221 2.0.0 mx.example.com closing connection\r\n';

function backend(): RecordingBackend {
  const b = new RecordingBackend();
  b.rcptReply = (a) => (a.startsWith('nobody') ? Replies.noSuchUser(a) : undefined);
  return b;
}

describe('PIPELINING', () => {
  it('a whole session in one packet: every reply, in order', async () => {
    const h = await startSession({}, backend());
    await h.send(BATCH);
    assert.equal(h.take(), EXPECTED);
    assert.equal(h.backend.messages.length, 2);
    assert.equal(h.backend.messages[1].body.toString().split('\r\n').pop(), 'abcde');
  });
  it('the same bytes one octet at a time give the same replies', async () => {
    const h = await startSession({}, backend());
    for (const ch of BATCH) h.session.receive(Buffer.from(ch, 'latin1'));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(h.take(), EXPECTED);
  });
  it('replies wait for a slow backend without reordering', async () => {
    const b = backend();
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const slow = b.connect.bind(b);
    b.connect = () => {
      const s = slow();
      if (!(s instanceof SmtpReply) && s.mailFrom !== undefined) {
        const mail = s.mailFrom.bind(s);
        s.mailFrom = async (f, p) => {
          await gate;
          return mail(f, p);
        };
      }
      return s;
    };
    const h = await startSession({}, b);
    await h.send(`${OPEN}NOOP\r\n`);
    assert.equal(h.take(), OPEN_REPLIES.split('\r\n').slice(0, 6).join('\r\n') + '\r\n');
    release();
    await h.send('');
    assert.equal(h.take(), '250 2.1.0 Sender OK\r\n250 2.1.5 Recipient OK\r\n250 2.0.0 OK\r\n');
  });
  it('PIPELINING off: a burst of commands is refused with 503 5.5.0, one at a time is served', async () => {
    const h = await startSession({ extensions: { pipelining: false } });
    await h.send('EHLO c\r\n');
    assert.ok(!h.take().includes('PIPELINING'));
    await h.send('MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n');
    assert.equal(h.take(), '503 5.5.0 Improper use of SMTP command pipelining\r\n');
    assert.ok(!h.backend.calls.some((c) => c.startsWith('mail')));
    await h.send('MAIL FROM:<a@example.org>\r\n');
    await h.send('RCPT TO:<b@example.com>\r\n');
    await h.send('DATA\r\n');
    await h.send('x\r\n.\r\n');
    assert.match(h.take(), /^250 2\.1\.0 .*\r\n250 2\.1\.5 .*\r\n354 .*\r\n250 2\.6\.0 /);
    const chunk = 'ab';
    await h.send(`MAIL FROM:<a@example.org>\r\n`);
    await h.send(`RCPT TO:<b@example.com>\r\n`);
    await h.send(`BDAT ${chunk.length} LAST\r\n${chunk}`);
    assert.match(h.take(), /250 2\.6\.0 [^\r]*\r\n$/);
  });
});
