/**
 * Hostile clients on real sockets: slowloris, a client that never reads, a flood past
 * SMTPMaxSessions and the per-IP limit, random bytes, smuggling, commands pipelined after
 * STARTTLS, AUTH brute force. The server stays up, answers correctly and frees each session.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { seededRandom } from '@mailroute/testing';
import { RawClient, type Running, startServer } from './helpers.js';

const running: Running[] = [];
after(async () => {
  for (const r of running) await r.server.close({ deadline: 200 });
});
async function server(
  options: Parameters<typeof startServer>[0] = {},
  kinds?: Parameters<typeof startServer>[2],
) {
  const r = await startServer(options, undefined, kinds);
  running.push(r);
  return r;
}
async function waitFor(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 10));
  }
}
async function works(port: number): Promise<void> {
  const c = await RawClient.open(port);
  await c.until(/^220 /);
  c.write('EHLO ok.example\r\nQUIT\r\n');
  await c.until(/221 2\.0\.0 /);
  c.close();
}

describe('hostile clients', () => {
  it('slowloris (one byte at a time) is cut at the command timeout and freed', async () => {
    const r = await server({ timeouts: { greetingMs: 400, commandMs: 400 } });
    const c = await RawClient.open(r.ports.smtp);
    await c.until(/^220 /);
    const line = 'EHLO slow.example.org\r\n';
    for (let i = 0; i < line.length && !c.closed; i++) {
      c.write(line[i]);
      await new Promise((res) => setTimeout(res, 50));
    }
    await c.closedByServer();
    assert.match(c.text, /421 4\.4\.2 Timeout exceeded/);
    await waitFor(() => r.server.stats().sessionsNow === 0);
    assert.equal(r.server.stats().timeouts, 1);
  });

  it('a client that never reads: the server stops reading it and serves others', async () => {
    const r = await server();
    const c = await RawClient.open(r.ports.smtp);
    c.socket.pause();
    const flood = Buffer.from('NOOP\r\n'.repeat(100_000));
    for (let i = 0; i < 40; i++) c.socket.write(flood);
    await new Promise((res) => setTimeout(res, 500));
    assert.ok(c.socket.writableLength > 0, 'the server stopped reading: our writes are backed up');
    await works(r.ports.smtp);
    c.close();
    await waitFor(() => r.server.stats().sessionsNow === 0);
  });

  it('a client that pipelines a whole session and half-closes still gets every reply', async () => {
    const r = await server();
    const c = await RawClient.open(r.ports.smtp);
    c.socket.end(
      'EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\nhi\r\n.\r\nNOOP\r\n',
    );
    await c.closedByServer();
    assert.match(c.text, /^220 [\s\S]*250 2\.6\.0 Message accepted[\s\S]*250 2\.0\.0 OK\r\n$/);
    assert.equal(r.backend.messages.length, 1);
  });

  it('a flood past SMTPMaxSessions gets 421 4.3.2 at connect', async () => {
    const r = await server({ maxSessions: 5 });
    const clients = await Promise.all(Array.from({ length: 5 }, () => RawClient.open(r.ports.smtp)));
    await Promise.all(clients.map((c) => c.until(/^220 /)));
    const extra = await Promise.all(Array.from({ length: 10 }, () => RawClient.open(r.ports.smtp)));
    for (const c of extra) {
      await c.closedByServer();
      assert.equal(c.text, '421 4.3.2 Too many sessions, try again later\r\n');
    }
    assert.equal(r.server.stats().connectionsRefused, 10);
    assert.equal(r.server.stats().sessionsPeak, 5);
    for (const c of clients) c.close();
    await waitFor(() => r.server.stats().sessionsNow === 0);
    await works(r.ports.smtp);
  });

  it('per-IP concurrency limit: 421 4.7.0', async () => {
    const r = await server({ perIp: { maxSessions: 2 } });
    const a = await RawClient.open(r.ports.smtp);
    const b = await RawClient.open(r.ports.smtp);
    await a.until(/^220 /);
    await b.until(/^220 /);
    const c = await RawClient.open(r.ports.smtp);
    await c.closedByServer();
    assert.match(c.text, /^421 4\.7\.0 /);
    a.close();
    b.close();
  });

  it('per-IP connection rate limit: 421 4.7.0 past the count in a minute', async () => {
    const r = await server({ perIp: { maxConnectionsPerMinute: 3 } });
    for (let i = 0; i < 3; i++) {
      const c = await RawClient.open(r.ports.smtp);
      await c.until(/^220 /);
      c.close();
    }
    const c = await RawClient.open(r.ports.smtp);
    await c.closedByServer();
    assert.equal(c.text, '421 4.7.0 Too many connections or messages from your address, try again later\r\n');
  });

  it('random bytes: answered with valid replies, the server stays up', async () => {
    const r = await server({ errorLimit: 100_000 });
    const c = await RawClient.open(r.ports.smtp);
    await c.until(/^220 /);
    const junk = seededRandom(12345).bytes(200_000);
    c.write(junk);
    c.write('\r\nQUIT\r\n');
    await c.until(/221 2\.0\.0 /, 10_000);
    for (const line of c.text.split('\r\n').slice(0, -1)) assert.match(line, /^[2-5]\d\d[ -]/);
    await works(r.ports.smtp);
  });

  it('smuggling over the wire: one message, the fake terminators inside it', async () => {
    const r = await server();
    const c = await RawClient.open(r.ports.smtp);
    await c.until(/^220 /);
    c.write(
      'EHLO x.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n' +
        'hi\n.\nMAIL FROM:<evil@example.org>\r\nRCPT TO:<v@example.com>\r\nDATA\r\nsmuggled\r\n\r.\r\nstill\r\n.\r\nQUIT\r\n',
    );
    await c.until(/221 2\.0\.0 /);
    assert.equal((c.text.match(/250 2\.6\.0/g) ?? []).length, 1);
    assert.equal(r.backend.messages.length, 1);
    assert.ok(r.backend.messages[0].body.toString().includes('MAIL FROM:<evil@example.org>'));
  });

  it('commands pipelined after STARTTLS are never executed', async () => {
    const r = await server({ startTls: 'enabled' });
    const c = await RawClient.open(r.ports.smtp);
    await c.until(/^220 /);
    c.write('EHLO x.example\r\n');
    await c.until(/250 HELP\r\n/);
    c.write('STARTTLS\r\nMAIL FROM:<evil@example.org>\r\n');
    await c.until(/220 2\.0\.0 Ready to start TLS\r\n/);
    await c.startTls();
    c.text = '';
    c.write('RCPT TO:<b@example.com>\r\nEHLO x.example\r\nRCPT TO:<b@example.com>\r\nQUIT\r\n');
    await c.until(/221 /);
    assert.match(c.text, /^503 5\.5\.1 Bad sequence of commands: need MAIL before RCPT\r\n250-/);
    assert.ok(!c.text.includes('STARTTLS'), 'not offered again under TLS');
    assert.equal(r.server.stats().tlsSessions, 1);
  });

  it('a wrong password ends the session (Domino default): 535, then the close', async () => {
    const r = await server({}, ['smtps']);
    const { connect } = await import('node:tls');
    const s = connect({ port: r.ports.smtps, host: '127.0.0.1', rejectUnauthorized: false });
    const c = new RawClient(s);
    await c.until(/^220 /);
    c.write('EHLO x.example\r\n');
    await c.until(/250 HELP\r\n/);
    c.write(`AUTH PLAIN ${Buffer.from('\0alice\0guess').toString('base64')}\r\nNOOP\r\n`);
    await c.closedByServer();
    assert.match(c.text, /250 HELP\r\n535 5\.7\.8 Authentication credentials invalid\r\n$/);
  });
  it('AUTH brute force past the error limit (closeAfterAuthFailure off): 421 and close', async () => {
    const r = await server({ errorLimit: 3, closeAfterAuthFailure: false }, ['smtps']);
    const { connect } = await import('node:tls');
    const s = connect({ port: r.ports.smtps, host: '127.0.0.1', rejectUnauthorized: false });
    const c = new RawClient(s);
    await c.until(/^220 /);
    c.write('EHLO x.example\r\n');
    await c.until(/250 HELP\r\n/);
    for (let i = 0; i < 5; i++)
      c.write(`AUTH PLAIN ${Buffer.from(`\0alice\0guess${i}`).toString('base64')}\r\n`);
    await c.closedByServer();
    assert.equal((c.text.match(/535 5\.7\.8/g) ?? []).length, 4);
    assert.match(c.text, /421 4\.7\.0 Too many errors, closing transmission channel\r\n$/);
    assert.equal(r.server.stats().authFailures, 4);
  });
});
