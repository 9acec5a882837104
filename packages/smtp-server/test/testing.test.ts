/** The exported test tool drives the real engine with literal bytes. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Replies } from '@mailroute/envelope';
import type { Backend } from '../src/backend.js';
import { createTestSession } from '../src/testing-entry.js';

describe('createTestSession', () => {
  it('a failing STARTTLS handshake (tls: an Error) closes the session and is counted', async () => {
    const t = await createTestSession(
      { startTls: 'enabled' },
      { connect: () => ({ data: async () => undefined }) },
      { tls: new Error('handshake alert') },
    );
    await t.send('EHLO c\r\n');
    assert.equal(await t.send('STARTTLS\r\n'), '220 2.0.0 Ready to start TLS\r\n');
    assert.ok(t.closed);
    assert.equal(t.stats().tlsFailures, 1);
  });
  it('a backend with only data: every sender and recipient accepted by default', async () => {
    const t = await createTestSession({}, { connect: () => ({ data: async () => undefined }) });
    assert.equal(
      await t.send('HELO c\r\nMAIL FROM:<a@b.org>\r\nRCPT TO:<c@d.org>\r\n'),
      '250 mx.test Hello c [192.0.2.1]\r\n250 2.1.0 Sender OK\r\n250 2.1.5 Recipient OK\r\n',
    );
  });
  it('returns the replies each send produced, backend calls included', async () => {
    const bodies: string[] = [];
    const backend: Backend = {
      connect: () => ({
        mailFrom: () => undefined,
        rcptTo: (to) =>
          to.kind === 'mailbox' && to.mailbox.localPart === 'nobody'
            ? Replies.noSuchUser('nobody@x')
            : undefined,
        async data(message) {
          let text = '';
          for await (const c of message) text += c.toString();
          bodies.push(text);
          return undefined;
        },
      }),
    };
    const t = await createTestSession({ hostname: 'mx.example.com', ids: () => 'Q1' }, backend);
    assert.match(t.greeting, /^220 mx\.example\.com ESMTP Service ready at /);
    assert.equal(await t.send('HELO c\r\n'), '250 mx.example.com Hello c [192.0.2.1]\r\n');
    assert.equal(
      await t.send(
        'MAIL FROM:<a@b.org>\r\nRCPT TO:<nobody@x.org>\r\nRCPT TO:<c@x.org>\r\nDATA\r\nhi\r\n.\r\n',
      ),
      '250 2.1.0 Sender OK\r\n550 5.1.1 nobody@x... No such user\r\n250 2.1.5 Recipient OK\r\n' +
        '354 Start mail input; end with <CRLF>.<CRLF>\r\n250 2.6.0 Message accepted for delivery, id Q1\r\n',
    );
    assert.ok(bodies[0].endsWith('\r\nhi\r\n'));
    assert.equal(await t.send('QUIT\r\n'), '221 2.0.0 mx.example.com closing connection\r\n');
    assert.ok(t.closed);
    assert.equal(t.stats().messagesAccepted, 1);
  });
});
