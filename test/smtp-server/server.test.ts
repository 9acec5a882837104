/**
 * Operations on real sockets: graceful shutdown with a deadline, options replaced at run time,
 * statistics, raw capture to a directory, the development certificate warning, loggers.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type Logger, Replies, silentLogger } from '@mailroute/envelope';
import { type BackendSession, DirectoryCaptureStorage } from '@mailroute/smtp-server';
import { CollectingBackend, RawClient, startServer } from './helpers.js';

const OPEN = 'EHLO c.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\n';

describe('graceful shutdown', () => {
  it('idle sessions get 421 at once; a message in DATA finishes, then 421; close resolves', async () => {
    const r = await startServer();
    const idle = await RawClient.open(r.ports.smtp);
    const busy = await RawClient.open(r.ports.smtp);
    await idle.until(/^220 /);
    await busy.until(/^220 /);
    busy.write(`${OPEN}DATA\r\npart one\r\n`);
    await busy.until(/354 /);
    const closed = r.server.close({ deadline: 3000 });
    await idle.closedByServer();
    assert.match(idle.text, /421 4\.3\.2 Service shutting down/);
    assert.ok(!busy.closed);
    busy.write('part two\r\n.\r\n');
    await busy.closedByServer();
    assert.match(busy.text, /250 2\.6\.0 Message accepted.*\r\n421 4\.3\.2 Service shutting down/);
    await closed;
    assert.equal(r.backend.messages.length, 1);
    assert.equal(r.server.stats().sessionsNow, 0);
  });
  it('past the deadline the rest are cut with 421', async () => {
    const r = await startServer();
    const c = await RawClient.open(r.ports.smtp);
    await c.until(/^220 /);
    c.write(`${OPEN}DATA\r\nnever ends\r\n`);
    await c.until(/354 /);
    const t0 = Date.now();
    await r.server.close({ deadline: 300 });
    assert.ok(Date.now() - t0 >= 250);
    await c.closedByServer();
    assert.match(c.text, /421 4\.3\.2 /);
    assert.equal(r.backend.messages.length, 0);
  });
});

describe('a client refused at connect (RFC 5321 3.1)', () => {
  class RefusingBackend extends CollectingBackend {
    override connect(): BackendSession {
      return Replies.dnsblRejectedAtConnect('Your host 127.0.0.1 is listed') as unknown as BackendSession;
    }
  }
  it('554, then 503 to every command but QUIT, then 221 and the close', async () => {
    const r = await startServer({}, new RefusingBackend());
    try {
      const c = await RawClient.open(r.ports.smtp);
      await c.until(/^554 5\.7\.1 Your host 127\.0\.0\.1 is listed\r\n/);
      await new Promise((done) => setTimeout(done, 100));
      assert.ok(!c.closed, 'the server waits for QUIT');
      c.write('EHLO c.example\r\nMAIL FROM:<a@example.org>\r\n');
      await c.until(/(503 5\.5\.1 [^\r]*\r\n){2}/);
      c.write('QUIT\r\n');
      await c.closedByServer();
      assert.match(c.text, /503 [^\r]*\r\n221 2\.0\.0 mx\.test\.example closing connection\r\n$/);
      assert.equal(r.server.stats().connectionsRefused, 1);
    } finally {
      await r.server.close({ deadline: 1000 });
    }
  });
  it('a refused client that never says QUIT is closed after the short timeout', async () => {
    const r = await startServer({ timeouts: { afterRefusalMs: 300 } }, new RefusingBackend());
    try {
      const c = await RawClient.open(r.ports.smtp);
      await c.until(/^554 /);
      await c.closedByServer(3000);
      assert.match(c.text, /421 4\.4\.2 Timeout exceeded/);
      assert.equal(r.server.stats().sessionsNow, 0);
    } finally {
      await r.server.close({ deadline: 1000 });
    }
  });
});

describe('updateOptions', () => {
  it('applies to new sessions, not to open ones; invalid options are refused', async () => {
    const r = await startServer({ greeting: 'first %s' });
    after(() => r.server.close({ deadline: 100 }));
    const old = await RawClient.open(r.ports.smtp);
    await old.until(/^220 mx\.test\.example first /);
    r.server.updateOptions({ greeting: 'second %s', maxMessageSizeBytes: 5000 });
    const fresh = await RawClient.open(r.ports.smtp);
    await fresh.until(/^220 mx\.test\.example second /);
    fresh.write('EHLO x\r\n');
    await fresh.until(/250 HELP/);
    assert.match(fresh.text, /SIZE 5000\r\n/);
    old.write('EHLO x\r\n');
    await old.until(/250 HELP/);
    assert.match(old.text, /SIZE 26214400\r\n/);
    assert.throws(() => r.server.updateOptions({ maxSessions: 0 }), RangeError);
    const again = await RawClient.open(r.ports.smtp);
    await again.until(/^220 mx\.test\.example second /);
    for (const c of [old, fresh, again]) c.close();
  });
});

describe('statistics', () => {
  it('counts sessions, messages, bytes, recipients and rejections by code', async () => {
    const r = await startServer();
    after(() => r.server.close({ deadline: 100 }));
    const c = await RawClient.open(r.ports.smtp);
    await c.until(/^220 /);
    c.write(`${OPEN}RCPT TO:<c@example.com>\r\nDATA\r\nhello\r\n.\r\nFOO\r\nRCPT TO:<x@y.org>\r\nQUIT\r\n`);
    await c.closedByServer();
    const s = r.server.stats();
    assert.equal(s.sessionsTotal, 1);
    assert.equal(s.messagesAccepted, 1);
    assert.equal(s.recipientsAccepted, 2);
    assert.equal(s.bytesAccepted, r.backend.messages[0].body.length);
    assert.deepEqual(s.rejectionsByCode, { '500': 1, '503': 1 });
  });
});

describe('raw capture (SmtpSaveImportErrors, SMTPSaveFileFrom)', () => {
  it('1: keeps refused messages only; SMTPSaveFileFrom keeps matching senders anyway', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'smtp-capture-'));
    after(() => rm(dir, { recursive: true, force: true }));
    const backend = new CollectingBackend();
    const base = backend.connect.bind(backend);
    backend.connect = (): BackendSession => {
      const s = base();
      return {
        ...s,
        data: async (m, e) => {
          await s.data(m, e);
          return m.bytesRead > 0 &&
            e.recipients[0].path.kind === 'mailbox' &&
            e.recipients[0].path.mailbox.localPart === 'refuse'
            ? Replies.transactionFailed
            : undefined;
        },
      };
    };
    let n = 0;
    const r = await startServer(
      {
        ids: () => `M${++n}`,
        capture: { saveImportErrors: 1, saveFileFrom: 'audit@', storage: new DirectoryCaptureStorage(dir) },
      },
      backend,
    );
    after(() => r.server.close({ deadline: 100 }));
    const c = await RawClient.open(r.ports.smtp);
    await c.until(/^220 /);
    c.write('EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<ok@example.com>\r\nDATA\r\nfine\r\n.\r\n');
    c.write('MAIL FROM:<a@example.org>\r\nRCPT TO:<refuse@example.com>\r\nDATA\r\nbad\r\n.\r\n');
    c.write('MAIL FROM:<audit@example.org>\r\nRCPT TO:<ok@example.com>\r\nDATA\r\nkept\r\n.\r\nQUIT\r\n');
    await c.until(/221 /);
    const files = (await readdir(dir)).sort();
    // M1 is the session id; the messages are M2 (accepted), M3 (refused), M4 (audit@).
    assert.deepEqual(files, ['M3.eml', 'M4.eml']);
    assert.match(await readFile(join(dir, 'M3.eml'), 'utf8'), /\r\nbad\r\n$/);
  });
});

describe('TLS setup', () => {
  it('warns when it makes a self-signed development certificate', async () => {
    const warnings: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (_c, m) => warnings.push(m) };
    const r = await startServer({ startTls: 'enabled', logger });
    await r.server.close({ deadline: 100 });
    assert.ok(warnings.some((w) => w.includes('self-signed development certificate')));
  });
  it('SMTPDebug=1 logs session start and end to a pino-style logger', async () => {
    const lines: string[] = [];
    const logger: Logger = {
      debug: (_c, m) => lines.push(`debug ${m}`),
      info: (_c, m) => lines.push(`info ${m}`),
      warn: (_c, m) => lines.push(`warn ${m}`),
      error: (_c, m) => lines.push(`error ${m}`),
      child: () => logger,
    };
    const r = await startServer({ debug: 1, logger });
    const c = await RawClient.open(r.ports.smtp);
    await c.until(/^220 /);
    c.write('QUIT\r\n');
    await c.closedByServer();
    await r.server.close({ deadline: 100 });
    assert.deepEqual(lines, ['info session start', 'info session end']);
  });
});
