/**
 * The composed backend driven with literal SMTP bytes through the server's in-memory test
 * session: policy, itemizer, the Router (mail.box, mail files, transfer through a recording
 * TransferAgent) and DKIM together, without sockets.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DkimVerifier } from '@mailroute/dkim';
import type { SmtpServerOptions } from '@mailroute/smtp-server';
import { createTestSession, type TestSession } from '@mailroute/smtp-server/testing';
import type { StoredDocument } from '../src/mail-store.js';
import { FIXED_NOW, removeDir, type TestGateway, tempDir, testGateway } from './helpers.js';

let dir: string;
let gw: TestGateway;

before(async () => {
  dir = await tempDir();
  gw = await testGateway(dir);
});
after(async () => {
  await gw.router.close();
  await removeDir(dir);
});

async function session(ip = '127.0.0.1', options: SmtpServerOptions = {}): Promise<TestSession> {
  return createTestSession(
    { hostname: 'mail1.acme.example', allowInsecureAuth: true, ...options },
    gw.backend,
    { connection: { remoteAddress: ip } },
  );
}

function message(from: string, to: string, subject: string, body = 'Hello.'): string {
  return `From: ${from}\r\nTo: ${to}\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@test>\r\n\r\n${body}\r\n.\r\n`;
}

/** Sends one transaction; returns the final reply and the queue id. */
async function send(
  s: TestSession,
  from: string,
  rcpts: string[],
  data: string,
): Promise<{ rcptReplies: string[]; dataReply: string; id: string | undefined }> {
  await s.send('EHLO client.outside.example\r\n');
  await s.send(`MAIL FROM:<${from}>\r\n`);
  const rcptReplies: string[] = [];
  for (const r of rcpts) rcptReplies.push(await s.send(`RCPT TO:<${r}>\r\n`));
  if (!rcptReplies.some((r) => r.startsWith('250'))) return { rcptReplies, dataReply: '', id: undefined };
  await s.send('DATA\r\n');
  const dataReply = await s.send(data);
  // The 250 means mail.box has it; delivery and transfer follow on the Router's threads.
  await gw.router.router.idle();
  return { rcptReplies, dataReply, id: /id (\w+)/.exec(dataReply)?.[1] };
}

async function stored(mailFile: string, id: string): Promise<StoredDocument> {
  return JSON.parse(await readFile(join(dir, 'mailfiles', mailFile, `${id}.json`), 'utf8')) as StoredDocument;
}

function item(doc: StoredDocument, name: string): unknown {
  return doc.items.find((i) => i.name.toLowerCase() === name.toLowerCase())?.value;
}

describe('gateway backend', () => {
  it('delivers to a local person through the alias domain, with items, DeliveredDate and Inbox', async () => {
    const s = await session();
    const r = await send(
      s,
      'someone@outside.example',
      ['jane@acme-corp.example'],
      message('Someone <someone@outside.example>', 'jane@acme-corp.example', 'Alias domain'),
    );
    assert.match(r.dataReply, /^250 2\.6\.0 /);
    const doc = await stored('mail/jdoe.nsf', r.id!);
    assert.equal(doc.owner, 'CN=Jane Doe/O=Acme');
    assert.deepEqual(doc.folders, ['($Inbox)']);
    assert.equal(item(doc, 'Subject'), 'Alias domain');
    assert.equal(item(doc, 'Form'), 'Memo');
    assert.equal(item(doc, 'SMTPOriginator'), 'someone@outside.example');
    assert.equal(item(doc, 'DeliveredDate'), FIXED_NOW.toISOString());
    const raw = await readFile(join(dir, 'mailfiles', 'mail/jdoe.nsf', doc.raw), 'latin1');
    // 127.0.0.1's PTR name is forward-confirmed in the shipped zone, so it joins the from clause.
    assert.match(
      raw,
      /^Received: from client\.outside\.example \(localhost\.outside\.example \[127\.0\.0\.1\]\)\r\n/,
    );
    assert.match(raw, /Subject: Alias domain\r\n/);
    await s.close();
  });

  it('refuses an unknown local user with 550 and a relay with 554, counting both by reason', async () => {
    const s = await session();
    const r = await send(
      s,
      'someone@outside.example',
      ['nobody@acme.example', 'x@partner.example', 'john.smith@acme.example'],
      message('someone@outside.example', 'john.smith@acme.example', 'Mixed'),
    );
    assert.match(r.rcptReplies[0]!, /^550 5\.1\.1 nobody@acme\.example\.\.\. No such user/);
    assert.match(r.rcptReplies[1]!, /^554 5\.7\.1 Relay rejected for policy reasons\./);
    assert.match(r.rcptReplies[2]!, /^250 /);
    assert.match(r.dataReply, /^250 /);
    const refusals = gw.stats.snapshot().refusals;
    assert.equal(refusals['rcpt 550 5.1.1 recipient.verifyLocal'], 1);
    assert.equal(refusals['rcpt 554 5.7.1 relay.precedence'], 1);
    await s.close();
  });

  it('expands a group to its members and transfers a person on the other server to that server over SMTP', async () => {
    const s = await session();
    const r = await send(
      s,
      'someone@outside.example',
      ['sales@acme.example', 'anna.berg@acme.example'],
      message('ceo@acme.example', 'sales@acme.example', 'Group'),
    );
    assert.match(r.dataReply, /^250 /);
    assert.deepEqual((await stored('mail/jdoe.nsf', r.id!)).recipients, ['jane.doe@acme.example']);
    assert.ok(await stored('mail/jsmith.nsf', r.id!));
    // Mail2's Server document host name, at the port the configuration gives it (the sink's, 2526).
    const sent = gw.transfers.filter((t) =>
      t.envelope.recipients.some((x) => x.address === 'anna.berg@acme.example'),
    );
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.to, 'mail2.acme.example:25');
    assert.deepEqual(
      sent[0]!.envelope.recipients.map((x) => x.address),
      ['anna.berg@acme.example'],
    );
    // An anonymous client's message is never signed with our keys, whatever its From says.
    assert.doesNotMatch(sent[0]!.bytes.toString('latin1'), /DKIM-Signature/);
    await s.close();
  });

  it('refuses a DNSBL-listed client at connect with the configured text', async () => {
    const s = await session('127.0.0.2');
    assert.equal(
      s.greeting,
      '554 5.7.1 Your host 127.0.0.2 is listed at bl.mailroute.example; mail from it is refused.\r\n',
    );
    assert.equal(gw.stats.snapshot().refusals['connect 554 5.7.1 dnsBlacklist.action'], 1);
  });

  it('an authenticated user relays; the message is DKIM-signed by the From domain and transferred to the relay host of the Connection document', async () => {
    const s = await session();
    await s.send('EHLO client.outside.example\r\n');
    const auth = await s.send(`AUTH PLAIN ${Buffer.from('\0jdoe\0jane-secret').toString('base64')}\r\n`);
    assert.match(auth, /^235 /);
    await s.send('MAIL FROM:<jane.doe@acme.example>\r\n');
    assert.match(await s.send('RCPT TO:<x@partner.example>\r\n'), /^250 /);
    await s.send('DATA\r\n');
    const reply = await s.send(message('Jane Doe <jane.doe@acme.example>', 'x@partner.example', 'Outbound'));
    assert.match(reply, /^250 /);
    await gw.router.router.idle();
    const out = gw.transfers.filter((t) =>
      t.envelope.recipients.some((x) => x.address === 'x@partner.example'),
    );
    assert.equal(out.length, 1);
    assert.equal(out[0]!.to, 'sink.acme.example:25');
    const signed = out[0]!.bytes;
    const verifier = new DkimVerifier({
      lookup: async (name) => (gw.records[name] ? [gw.records[name]] : []),
    });
    const results = await verifier.verify(signed);
    assert.deepEqual(
      results.map((x) => [x.result, x.domain, x.selector]),
      [['pass', 'acme.example', 'ed2026']],
    );
    // SMTPVerifyAuthenticatedSender=1: another From is refused.
    await s.send('MAIL FROM:<jane.doe@acme.example>\r\n');
    await s.send('RCPT TO:<x@partner.example>\r\n');
    await s.send('DATA\r\n');
    const spoof = await s.send(message('boss@acme.example', 'x@partner.example', 'Spoof'));
    assert.match(spoof, /^550 .*failed to match directory address jane\.doe@acme\.example/);
    await s.close();
  });

  it('a wrong password is refused and ends the session (Domino)', async () => {
    const s = await session();
    await s.send('EHLO c\r\n');
    assert.match(await s.send(`AUTH PLAIN ${Buffer.from('\0jdoe\0wrong').toString('base64')}\r\n`), /^535 /);
    assert.ok(s.closed);
  });

  it('with closeAfterAuthFailure off, a wrong password leaves relaying closed', async () => {
    const s = await session('127.0.0.1', { closeAfterAuthFailure: false });
    await s.send('EHLO c\r\n');
    assert.match(await s.send(`AUTH PLAIN ${Buffer.from('\0jdoe\0wrong').toString('base64')}\r\n`), /^535 /);
    await s.send('MAIL FROM:<jane.doe@acme.example>\r\n');
    assert.match(await s.send('RCPT TO:<x@partner.example>\r\n'), /^554 /);
    await s.close();
  });

  it('the bare <postmaster> is delivered to the configured postmaster (Jane Doe)', async () => {
    const s = await session();
    const r = await send(
      s,
      'someone@outside.example',
      ['postmaster'],
      message('someone@outside.example', 'postmaster', 'To postmaster'),
    );
    assert.match(r.rcptReplies[0]!, /^250 /);
    assert.match(r.dataReply, /^250 /);
    assert.deepEqual((await stored('mail/jdoe.nsf', r.id!)).recipients, ['CN=Jane Doe/O=Acme']);
    await s.close();
  });

  it('nothing is left half-written in the mail files', async () => {
    const files = await readdir(join(dir, 'mailfiles', 'mail', 'jdoe.nsf'));
    assert.ok(files.length > 0);
    assert.ok(
      files.every((f) => /^\w+\.(eml|json)$/.test(f)),
      files.join(' '),
    );
  });
});
