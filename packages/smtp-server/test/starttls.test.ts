/**
 * STARTTLS (RFC 3207): commands pipelined after STARTTLS before the handshake are discarded,
 * never executed (CVE-2011-0411 class); after TLS the session forgets HELO and AUTH.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecordingBackend, startSession } from './harness.js';

describe('STARTTLS', () => {
  it('discards commands pipelined after STARTTLS in the same packet', async () => {
    const h = await startSession({ startTls: 'enabled' });
    await h.send('EHLO c\r\n');
    h.take();
    await h.send('STARTTLS\r\nMAIL FROM:<evil@example.org>\r\nRCPT TO:<victim@example.com>\r\n');
    assert.equal(h.take(), '220 2.0.0 Ready to start TLS\r\n');
    assert.equal(h.transport.tlsStarted, 1);
    assert.ok(
      !h.backend.calls.some((c) => c.includes('evil')),
      'the injected MAIL never reached the backend',
    );
    assert.ok(h.logger.entries.some((e) => e.message === 'input pipelined after STARTTLS discarded'));
    // After the handshake: state reset, EHLO needed again, STARTTLS no longer offered.
    await h.send('MAIL FROM:<a@b.org>\r\nEHLO c\r\n');
    assert.equal(
      h.take(),
      '503 5.5.1 Bad sequence of commands: send HELO/EHLO first\r\n' +
        '250-mx.example.com Hello c [192.0.2.1]\r\n250-SIZE 26214400\r\n250-PIPELINING\r\n' +
        '250-ENHANCEDSTATUSCODES\r\n250-CHUNKING\r\n250 HELP\r\n',
    );
    await h.send('STARTTLS\r\n');
    assert.equal(h.take(), '503 5.5.1 Bad sequence of commands: TLS already active\r\n');
    assert.equal(h.stats.snapshot().tlsSessions, 1);
  });

  it('discards plaintext that arrives in later packets before the handshake completes', async () => {
    const h = await startSession({ startTls: 'enabled' });
    let finish!: () => void;
    h.transport.startTls = () =>
      new Promise((resolve) => {
        finish = () => resolve({ version: 'TLSv1.3', cipher: 'X', servername: undefined });
      });
    await h.send('EHLO c\r\nSTARTTLS\r\n');
    h.take();
    await h.send('MAIL FROM:<evil@example.org>\r\n');
    finish();
    await h.send('');
    assert.equal(h.take(), '');
    assert.ok(!h.backend.calls.some((c) => c.includes('evil')));
  });

  it('forgets the authenticated user after STARTTLS', async () => {
    const b = new RecordingBackend();
    b.extra = { auth: () => true };
    const h = await startSession({ startTls: 'enabled', allowInsecureAuth: true }, b, {
      listener: 'submission',
    });
    await h.send(`EHLO c\r\nAUTH PLAIN ${Buffer.from('\0u\0p').toString('base64')}\r\nSTARTTLS\r\n`);
    assert.match(h.take(), /235 2\.7\.0 Authentication successful\r\n220 2\.0\.0 Ready to start TLS\r\n$/);
    await h.send('EHLO c\r\nMAIL FROM:<a@b.org>\r\n');
    assert.match(h.take(), /530 5\.7\.0 Authentication required\r\n$/);
  });

  it('STARTTLS=required refuses MAIL before TLS with 530', async () => {
    const h = await startSession({ startTls: 'required' });
    await h.send('EHLO c\r\nMAIL FROM:<a@b.org>\r\n');
    assert.match(
      h.take(),
      /250-STARTTLS\r\n250 HELP\r\n530 5\.7\.0 Must issue a STARTTLS command first\r\n$/,
    );
  });

  it('disabled (Domino default): STARTTLS is not advertised and answers 502', async () => {
    const h = await startSession();
    await h.send('EHLO c\r\nSTARTTLS\r\n');
    const out = h.take();
    assert.ok(!out.includes('STARTTLS'));
    assert.match(out, /502 5\.5\.1 Command not implemented\r\n$/);
  });

  it('a failed handshake ends the session quietly', async () => {
    const h = await startSession({ startTls: 'enabled' });
    h.transport.tlsResult = new Error('alert');
    await h.send('EHLO c\r\nSTARTTLS\r\n');
    assert.ok(h.session.closed);
    assert.equal(h.stats.snapshot().tlsFailures, 1);
    assert.equal(h.closedNotified, 1);
  });
});
