/**
 * TLS on real sockets: TLS 1.2 and 1.3 only (RFC 8997), the certificate replaced at run time,
 * BDAT and an over-long line on the wire.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { connect, type TLSSocket } from 'node:tls';
import { RawClient, type Running, startServer } from './helpers.js';

const running: Running[] = [];
after(async () => {
  for (const r of running) await r.server.close({ deadline: 200 });
});

function handshake(port: number, options: object): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1', rejectUnauthorized: false, ...options });
    s.once('secureConnect', () => resolve(s));
    s.once('error', reject);
  });
}

describe('TLS versions and certificates', () => {
  it('refuses TLS 1.1 and accepts 1.2 and 1.3 on implicit TLS', async () => {
    const r = await startServer({}, undefined, ['smtps']);
    running.push(r);
    await assert.rejects(
      handshake(r.ports.smtps, { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }),
    );
    for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
      const s = await handshake(r.ports.smtps, { minVersion: version, maxVersion: version });
      assert.equal(s.getProtocol(), version);
      s.destroy();
    }
    assert.ok(r.server.stats().tlsFailures >= 1);
  });

  it('passes the SNI server name to SNICallback and reports it to the backend', async () => {
    const seen: string[] = [];
    const r = await startServer(
      {
        tls: {
          SNICallback: (name, done) => {
            seen.push(name);
            done(null, undefined);
          },
        },
      },
      undefined,
      ['smtps'],
    );
    running.push(r);
    const s = await handshake(r.ports.smtps, { servername: 'mail.example.net' });
    const c = new RawClient(s);
    await c.until(/^220 /);
    c.write('EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\nx\r\n.\r\nQUIT\r\n');
    await c.until(/221 /);
    assert.deepEqual(seen, ['mail.example.net']);
    assert.equal(r.backend.messages[0].envelope.tls?.servername, 'mail.example.net');
  });

  it('updateOptions with a new TLS setting serves a new certificate to new handshakes', async () => {
    const r = await startServer({ hostname: 'one.example', startTls: 'enabled' }, undefined, ['smtps']);
    running.push(r);
    const first = await handshake(r.ports.smtps, {});
    assert.equal(first.getPeerCertificate().subject.CN, 'one.example');
    first.destroy();
    r.server.updateOptions({ hostname: 'two.example', startTls: 'enabled' });
    const second = await handshake(r.ports.smtps, {});
    assert.equal(second.getPeerCertificate().subject.CN, 'two.example');
    second.destroy();
  });
});

describe('on the wire', () => {
  it('BDAT chunks with a fake terminator inside (no real client sends BDAT: raw bytes)', async () => {
    const r = await startServer();
    running.push(r);
    const c = await RawClient.open(r.ports.smtp);
    await c.until(/^220 /);
    const chunk1 = 'Subject: chunks\r\n\r\none\r\n.\r\n';
    const chunk2 = 'MAIL FROM:<evil@example.org>\r\ntwo\r\n';
    c.write(
      `EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nBDAT ${chunk1.length}\r\n${chunk1}` +
        `BDAT ${chunk2.length} LAST\r\n${chunk2}QUIT\r\n`,
    );
    await c.until(/221 /);
    assert.match(c.text, /250 2\.0\.0 \d+ octets received\r\n250 2\.6\.0 Message accepted/);
    assert.equal(r.backend.messages.length, 1);
    assert.ok(r.backend.messages[0].body.toString().endsWith(chunk1 + chunk2));
  });

  it('an over-long line (10 MB without LF) gets 500 5.5.2 and the session continues', async () => {
    const r = await startServer();
    running.push(r);
    const c = await RawClient.open(r.ports.smtp);
    await c.until(/^220 /);
    const block = Buffer.alloc(1024 * 1024, 0x41);
    for (let i = 0; i < 10; i++) c.write(block);
    c.write('\r\nNOOP\r\n');
    await c.until(/250 2\.0\.0 OK\r\n/, 15_000);
    assert.match(c.text, /500 5\.5\.2 Line too long\r\n250 2\.0\.0 OK\r\n$/);
    c.close();
  });
});

describe('broken peers', () => {
  it('garbage instead of a ClientHello after STARTTLS ends the session quietly', async () => {
    const r = await startServer({ startTls: 'enabled' });
    running.push(r);
    const c = await RawClient.open(r.ports.smtp);
    await c.until(/^220 /);
    c.write('EHLO c\r\nSTARTTLS\r\n');
    await c.until(/220 2\.0\.0 Ready to start TLS\r\n/);
    c.write('this is not TLS at all\r\n'.repeat(50));
    await c.closedByServer();
    const deadline = Date.now() + 3000;
    while (r.server.stats().sessionsNow > 0 && Date.now() < deadline)
      await new Promise((res) => setTimeout(res, 10));
    assert.equal(r.server.stats().sessionsNow, 0);
    assert.equal(r.server.stats().tlsFailures, 1);
    assert.equal(r.backend.sessionsClosed, 1);
  });

  it('a client that closes right after the implicit-TLS handshake frees its session at once', async () => {
    const r = await startServer({}, undefined, ['smtps']);
    running.push(r);
    for (let i = 0; i < 5; i++) (await handshake(r.ports.smtps, {})).destroy();
    const deadline = Date.now() + 2000;
    while (r.server.stats().sessionsNow > 0 && Date.now() < deadline)
      await new Promise((res) => setTimeout(res, 10));
    assert.equal(r.server.stats().sessionsNow, 0);
  });

  it('a connection reset in the middle of DATA frees the session; the server goes on', async () => {
    const r = await startServer();
    running.push(r);
    const c = await RawClient.open(r.ports.smtp);
    await c.until(/^220 /);
    c.write('EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\npartial\r\n');
    await c.until(/354 /);
    c.socket.resetAndDestroy();
    const deadline = Date.now() + 3000;
    while (r.server.stats().sessionsNow > 0 && Date.now() < deadline)
      await new Promise((res) => setTimeout(res, 10));
    assert.equal(r.server.stats().sessionsNow, 0);
    assert.equal(r.backend.messages.length, 0, 'the partial message was not accepted');
    const again = await RawClient.open(r.ports.smtp);
    await again.until(/^220 /);
    again.close();
  });
});
