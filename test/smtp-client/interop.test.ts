/**
 * Delivery to real servers on 127.0.0.1: @mailroute/smtp-server (PIPELINING, CHUNKING, 8BITMIME,
 * SMTPUTF8, DSN), Postfix's smtp-sink, and Python's aiosmtpd as a relay host with AUTH behind
 * STARTTLS (the "587" case) and behind implicit TLS (the "465" case). Messages are built and read
 * back by @mailroute/itemizer, 8-bit and SMTPUTF8 ones included.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildMessage, parseMessage } from '@mailroute/itemizer';
import { createTransferAgent, type OutboundEnvelope } from '@mailroute/smtp-client';
import { type Backend, createSmtpServer, type InboundEnvelope } from '@mailroute/smtp-server';
import { type Child, hasAiosmtpd, makeCert, missing, startAiosmtpd, startSmtpSink, which } from './tools.js';

const EIGHT_BIT = Buffer.from(
  'From: Jörg <joerg@sender.example>\r\nTo: b@rcpt.example\r\nSubject: Grüße\r\nDate: Wed, 2 Dec 2026 04:00:00 +0000\r\nMessage-ID: <8bit.1@sender.example>\r\nMIME-Version: 1.0\r\n' +
    'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGrüße aus Köln.\r\n.a line with a dot\r\n',
);

function tail16(b: Buffer): Buffer {
  return b.subarray(b.length - 16);
}

async function itemizerMessage(subject: string, body: string): Promise<Buffer> {
  const note = await parseMessage(
    Buffer.from(
      `From: a@sender.example\r\nTo: b@rcpt.example\r\nSubject: ${subject}\r\nMIME-Version: 1.0\r\n` +
        `Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${body}\r\n`,
    ),
  );
  return buildMessage(note) as Buffer;
}

describe('delivery to @mailroute/smtp-server', () => {
  const received: { envelope: InboundEnvelope; body: Buffer }[] = [];
  const backend: Backend = {
    connect: () => ({
      mailFrom: () => undefined,
      rcptTo: () => undefined,
      data: async (message, envelope) => {
        const chunks: Buffer[] = [];
        for await (const c of message) chunks.push(c);
        received.push({ envelope, body: Buffer.concat(chunks) });
        return undefined;
      },
      close: () => {},
    }),
  };
  const server = createSmtpServer(
    {
      hostname: 'mx.test.example',
      listeners: [{ kind: 'smtp', port: 0, host: '127.0.0.1' }],
      extensions: { eightBitMime: true, smtputf8: true, dsn: true, chunking: true },
    },
    backend,
  );
  let port = 0;
  before(async () => {
    port = (await server.listen())[0].port;
  });
  after(async () => {
    await server.close();
  });

  it('an itemizer message, an 8-bit message and an SMTPUTF8 message, on one pooled session', async () => {
    const agent = createTransferAgent({ heloName: 'client.test.example' });
    const hop = { host: '127.0.0.1', port, tls: 'none' as const };
    const built = await itemizerMessage('Grüße', 'Grüße aus Köln');
    const r1 = await agent.deliverVia(
      hop,
      { mailFrom: 'a@sender.example', recipients: [{ address: 'b@rcpt.example' }] },
      built,
    );
    const r2 = await agent.deliverVia(
      hop,
      { mailFrom: 'a@sender.example', recipients: [{ address: 'b@rcpt.example', notify: ['FAILURE'] }] },
      EIGHT_BIT,
    );
    const utf8: OutboundEnvelope = {
      mailFrom: 'jörg@sender.example',
      recipients: [{ address: 'jöran@bücher.example' }],
    };
    const r3 = await agent.deliverVia(hop, utf8, EIGHT_BIT);
    await agent.close();
    for (const r of [r1, r2, r3])
      assert.equal(r.recipients[0].outcome, 'delivered', r.recipients[0].reason.message);
    assert.equal(r2.recipients[0].dsnRelayed, undefined, 'DSN offered: NOTIFY passed on');
    assert.equal(received.length, 3);
    // The server puts its Received header on top; the rest is the message byte for byte.
    const tail = (b: Buffer, n: number) => b.subarray(b.length - n);
    assert.ok(tail(received[0].body, built.length).equals(built), 'itemizer message arrives byte for byte');
    assert.ok(
      tail(received[1].body, EIGHT_BIT.length).equals(EIGHT_BIT),
      '8-bit message arrives byte for byte (BDAT)',
    );
    assert.match(received[0].body.toString('latin1', 0, 9), /^Received:/);
    const rcpt = received[2].envelope.recipients[0].path;
    assert.equal(rcpt.kind === 'mailbox' ? rcpt.mailbox.addressUnicode : '', 'jöran@bücher.example');
    assert.equal(received[2].envelope.params.smtputf8, true);
    assert.equal(received[1].envelope.params.body, '8BITMIME');
    assert.deepEqual(received[1].envelope.recipients[0].params.notify, ['FAILURE']);
    assert.equal(received[1].envelope.dataCommand, 'BDAT');
    const note = await parseMessage(received[1].body);
    assert.equal(note.text('Subject'), 'Grüße');
    assert.deepEqual(
      note.defects.map((d) => d.code),
      [],
    );
    const note0 = await parseMessage(received[0].body);
    assert.equal(note0.text('Subject'), 'Grüße');
  });

  it('a 20 MB streamed message arrives whole, memory stays bounded', async () => {
    const agent = createTransferAgent({ heloName: 'c' });
    const line = Buffer.from(`${'0123456789'.repeat(7)}\r\n`);
    const chunk = Buffer.concat(Array.from({ length: 1000 }, () => line));
    const rounds = Math.ceil((20 * 1024 * 1024) / chunk.length);
    const before = received.length;
    const r = await agent.deliverVia(
      { host: '127.0.0.1', port, tls: 'none' },
      { mailFrom: 'a@s.example', recipients: [{ address: 'b@r.example' }], body: '7BIT' },
      async function* () {
        yield Buffer.from('Subject: big\r\n\r\n');
        for (let i = 0; i < rounds; i++) yield chunk;
      },
    );
    await agent.close();
    assert.equal(r.recipients[0].outcome, 'delivered', r.recipients[0].reason.message);
    const got = received[before].body;
    assert.ok(tail16(got).equals(Buffer.from(`${'0123456789'.repeat(7)}\r\n`).subarray(56)));
    assert.equal(got.length - got.indexOf('Subject: big'), 16 + rounds * chunk.length);
  });
});

describe("delivery to Postfix's smtp-sink", () => {
  const skip = missing('smtp-sink (Debian postfix)', which('smtp-sink') !== undefined);
  let sink: Child | undefined;
  before(async () => {
    if (skip === undefined) sink = await startSmtpSink();
  });
  after(async () => {
    await sink?.stop();
  });

  it('three messages over one session, dumped by smtp-sink as sent', { skip }, async () => {
    const s = sink as Child;
    const agent = createTransferAgent({ heloName: 'client.test.example' });
    const hop = { host: '127.0.0.1', port: s.port, tls: 'none' as const };
    const built = await itemizerMessage('Hello sink', 'plain text body\r\n.dot line');
    const results = [];
    for (const m of [built, EIGHT_BIT, built])
      results.push(
        await agent.deliverVia(
          hop,
          {
            mailFrom: 'a@sender.example',
            recipients: [{ address: 'b@rcpt.example' }, { address: 'c@rcpt.example' }],
          },
          m,
        ),
      );
    await agent.close();
    for (const r of results)
      assert.deepEqual(
        r.recipients.map((x) => x.outcome),
        ['delivered', 'delivered'],
      );
    await new Promise((r) => setTimeout(r, 200));
    const files = readdirSync(s.dir);
    assert.equal(files.length, 3, s.output());
    // smtp-sink dumps with LF line ends, after its own X- and Received headers.
    const dumps = files.map((f) => readFileSync(join(s.dir, f), 'latin1'));
    const lf = (b: Buffer) => b.toString('latin1').replaceAll('\r\n', '\n');
    const unstuffed = (b: Buffer) => `${lf(b)}\n`;
    assert.equal(
      dumps.filter((d) => d.endsWith(unstuffed(EIGHT_BIT))).length,
      1,
      '8-bit message arrives as sent',
    );
    assert.equal(
      dumps.filter((d) => d.endsWith(unstuffed(built))).length,
      2,
      'itemizer message arrives as sent',
    );
    assert.ok(
      dumps.every(
        (d) => d.includes('X-Rcpt-Args: <b@rcpt.example>') && d.includes('X-Rcpt-Args: <c@rcpt.example>'),
      ),
    );
    assert.ok(dumps.some((d) => d.includes('X-Mail-Args: <a@sender.example> BODY=8BITMIME')));
  });
});

describe('smtp-sink without 8BITMIME (-8): the 8-bit message goes converted to 7 bit', () => {
  const skip = missing('smtp-sink (Debian postfix)', which('smtp-sink') !== undefined);
  let sink: Child | undefined;
  before(async () => {
    if (skip === undefined) sink = await startSmtpSink(['-8']);
  });
  after(async () => {
    await sink?.stop();
  });

  it('converted by the itemizer, read back with the same text', { skip }, async () => {
    const s = sink as Child;
    const agent = createTransferAgent({ heloName: 'client.test.example' });
    const r = await agent.deliverVia(
      { host: '127.0.0.1', port: s.port, tls: 'none' },
      { mailFrom: 'a@sender.example', recipients: [{ address: 'b@rcpt.example' }] },
      EIGHT_BIT,
    );
    await agent.close();
    assert.equal(r.recipients[0].outcome, 'delivered', r.recipients[0].reason.message);
    await new Promise((res) => setTimeout(res, 200));
    const files = readdirSync(s.dir);
    assert.equal(files.length, 1);
    const dump = readFileSync(join(s.dir, files[0]));
    assert.ok(!dump.some((b) => b > 127), 'only 7-bit octets arrived');
    assert.ok(!dump.includes('BODY=8BITMIME'));
    const text = dump.toString('latin1');
    const message = Buffer.from(text.slice(text.indexOf('\nFrom:') + 1).replaceAll('\n', '\r\n'), 'latin1');
    const note = await parseMessage(message);
    assert.equal(note.text('Subject'), 'Grüße');
    assert.ok(note.parts()[0]?.text?.includes('Grüße aus Köln.'));
  });
});

describe('relay host: aiosmtpd with AUTH behind STARTTLS and behind implicit TLS', () => {
  const skip =
    missing('python3-aiosmtpd', hasAiosmtpd()) ?? missing('openssl', which('openssl') !== undefined);
  let starttls: Child | undefined;
  let implicit: Child | undefined;
  let cert: ReturnType<typeof makeCert> | undefined;
  before(async () => {
    if (skip !== undefined) return;
    cert = makeCert();
    starttls = await startAiosmtpd('starttls', cert);
    implicit = await startAiosmtpd('implicit', cert);
  });
  after(async () => {
    await starttls?.stop();
    await implicit?.stop();
  });

  const env: OutboundEnvelope = {
    mailFrom: 'a@sender.example',
    recipients: [{ address: 'far@away.example' }],
  };
  const auth = { user: 'relayuser', pass: 'relay-secret', mode: 'required' as const };

  it('STARTTLS with the CA verified, AUTH required: delivered', { skip }, async () => {
    const agent = createTransferAgent({ heloName: 'c', tls: { certificates: 'verify', ca: cert?.cert } });
    const r = await agent.deliverVia(
      { host: '127.0.0.1', port: starttls?.port, tls: 'starttls', auth },
      env,
      EIGHT_BIT,
    );
    await agent.close();
    assert.equal(
      r.recipients[0].outcome,
      'delivered',
      `${r.recipients[0].reason.message} ${starttls?.output()}`,
    );
    assert.match(r.queueId ?? '', /^AIO\d+$/);
    const stored = JSON.parse(
      readFileSync(join(starttls?.dir ?? '', readdirSync(starttls?.dir ?? '')[0]), 'utf8'),
    );
    assert.equal(stored.tls, true);
    assert.equal(stored.auth, true);
    assert.deepEqual(stored.rcpts, ['far@away.example']);
    assert.ok(stored.body.includes('Grüße aus Köln'));
  });

  it('a wrong password with AUTH required: transient SMTP_AUTH_FAILED, nothing sent', { skip }, async () => {
    const agent = createTransferAgent({ heloName: 'c', timeouts: { greetingMs: 10_000 } });
    const r = await agent.deliverVia(
      { host: '127.0.0.1', port: starttls?.port, auth: { ...auth, pass: 'wrong' } },
      env,
      EIGHT_BIT,
    );
    await agent.close();
    assert.equal(r.recipients[0].outcome, 'transient');
    assert.equal(r.recipients[0].reason.code, 'SMTP_AUTH_FAILED');
    assert.equal(r.recipients[0].reason.reply?.code, 535);
  });

  it('certificate verification against the default CAs fails for a self-signed certificate', {
    skip,
  }, async () => {
    const agent = createTransferAgent({ heloName: 'c', tls: { certificates: 'verify' } });
    const r = await agent.deliverVia(
      { host: '127.0.0.1', port: starttls?.port, tls: 'starttls', auth },
      env,
      EIGHT_BIT,
    );
    await agent.close();
    assert.equal(r.recipients[0].reason.code, 'SMTP_TLS_FAILED');
  });

  it('implicit TLS (the 465 case) with AUTH: delivered', { skip }, async () => {
    const agent = createTransferAgent({ heloName: 'c' });
    const r = await agent.deliverVia(
      { host: '127.0.0.1', port: implicit?.port, tls: 'implicit', auth },
      env,
      'Subject: x\r\n\r\nimplicit\r\n',
    );
    await agent.close();
    assert.equal(
      r.recipients[0].outcome,
      'delivered',
      `${r.recipients[0].reason.message} ${implicit?.output()}`,
    );
  });
});
