/**
 * The gateway end to end on 127.0.0.1: the shipped configuration, a real listener on a free
 * port, its capture sink on another, and real clients (swaks, Python's smtplib). Checks what lands
 * on disk: the documents in the mail files (written by the Router after the 250), the messages the
 * Router transferred to the sink, the DKIM signatures (verified by python3-dkim), and the status.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Gateway } from '@mailroute/example-gateway';
import type { StoredDocument } from '@mailroute/example-gateway/mail-store';
import { gatewayModules } from './gateway-modules.js';
import {
  dkimpySkip,
  EXAMPLE_CONFIG,
  FIXTURES,
  GATEWAY_MAIN,
  pythonSend,
  pythonVerify,
  run,
  sinkMessages,
  smtplibSkip,
  subjectOf,
  swaksSkip,
  waitFor,
} from './tools.js';

let data: string;
let gateway: Gateway;
let port: number;
const modules = await gatewayModules();

before(async () => {
  data = await mkdtemp(join(tmpdir(), 'gateway-e2e-'));
  const loaded = await modules.config.loadGatewayConfig(EXAMPLE_CONFIG);
  assert.deepEqual(
    loaded.errors.map((e) => e.message),
    [],
  );
  gateway = await modules.gateway.startGateway({
    config: loaded.config!,
    dataDir: data,
    port: 0,
    submissionPort: 0,
    sinkPort: 0,
    statusIntervalMs: 100,
  });
  port = gateway.addresses[0]!.port;
});

after(async () => {
  await gateway?.close(2000);
  await rm(data, { recursive: true, force: true });
});

/** Documents of a mail file, by queue id. */
async function mailFile(name: string): Promise<Map<string, StoredDocument>> {
  const folder = join(data, 'mailfiles', 'mail', name);
  const docs = new Map<string, StoredDocument>();
  if (!existsSync(folder)) return docs;
  for (const f of await readdir(folder)) {
    if (f.endsWith('.json')) {
      const doc = JSON.parse(await readFile(join(folder, f), 'utf8')) as StoredDocument;
      docs.set(doc.id, doc);
    }
  }
  return docs;
}

async function documentWithSubject(name: string, subject: string): Promise<StoredDocument | undefined> {
  for (const doc of (await mailFile(name)).values()) {
    if (doc.items.some((i) => i.name === 'Subject' && i.value === subject)) return doc;
  }
  return undefined;
}

/** The Router delivers after the 250: waits (bounded) for the document with that subject. */
function deliveredWithSubject(name: string, subject: string): Promise<StoredDocument> {
  return waitFor(() => documentWithSubject(name, subject), `"${subject}" in ${name}`);
}

function item(doc: StoredDocument, name: string): unknown {
  return doc.items.find((i) => i.name.toLowerCase() === name.toLowerCase())?.value;
}

function swaks(args: string[]) {
  return run('swaks', ['--server', `127.0.0.1:${port}`, '--helo', 'client.outside.example', ...args]);
}

function rfc5322(from: string, to: string, subject: string, body = 'Hello from the test.'): string {
  return `From: ${from}\r\nTo: ${to}\r\nSubject: ${subject}\r\nDate: Sat, 21 Nov 2026 12:00:00 +0000\r\nMessage-ID: <${subject.replace(/\W/g, '')}@e2e.test>\r\n\r\n${body}\r\n`;
}

describe('gateway end to end', () => {
  it('swaks: local delivery writes the document of items and the raw message into the mail file', {
    skip: swaksSkip,
  }, async () => {
    const r = await swaks([
      '--from',
      'someone@outside.example',
      '--to',
      'john.smith@acme.example',
      '--header',
      'Subject: e2e local delivery',
      '--header',
      'Cc: Jane Doe <jane.doe@acme.example>',
      '--body',
      'Local delivery body.',
    ]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const id = /<- {2}250 2\.6\.0 .*id (\w+)/.exec(r.stdout)?.[1];
    assert.ok(id, r.stdout);
    const doc = await waitFor(
      async () => (await mailFile('jsmith.nsf')).get(id),
      `document ${id} in mail/jsmith.nsf`,
    );
    assert.equal(item(doc, 'Subject'), 'e2e local delivery');
    assert.deepEqual(item(doc, 'CopyTo'), ['Jane Doe <jane.doe@acme.example>']);
    // Domino removes the envelope's Recipients item at delivery (it would show Bcc recipients).
    assert.equal(item(doc, 'Recipients'), undefined);
    assert.deepEqual(doc.recipients, ['john.smith@acme.example']);
    assert.equal(item(doc, 'SMTPOriginator'), 'someone@outside.example');
    assert.equal(typeof item(doc, 'DeliveredDate'), 'string');
    assert.deepEqual(doc.folders, ['($Inbox)']);
    const body = doc.items.find((i) => i.type === 'mimePart') as { value: { text?: string } } | undefined;
    assert.match(body?.value.text ?? '', /Local delivery body\./);
    const raw = await readFile(join(data, 'mailfiles', 'mail', 'jsmith.nsf', `${id}.eml`), 'latin1');
    // The Received id is the listener's session id; the 250 names the Router's queue id.
    assert.match(
      raw,
      /^Received: from client\.outside\.example \(localhost\.outside\.example \[127\.0\.0\.1\]\)\r\n\tby mail1\.acme\.example with ESMTP id \w+;/,
    );
  });

  it('smtplib: an alias-domain recipient is delivered to the right person', {
    skip: smtplibSkip,
  }, async () => {
    const answer = await pythonSend({
      port,
      from: 'someone@outside.example',
      to: ['jane.doe@acme-corp.example'],
      message: rfc5322('someone@outside.example', 'jane.doe@acme-corp.example', 'e2e alias domain'),
    });
    assert.deepEqual(answer, { ok: true, refused: {}, error: null });
    const doc = await deliveredWithSubject('jdoe.nsf', 'e2e alias domain');
    assert.equal(doc.owner, 'CN=Jane Doe/O=Acme');
    assert.equal(await documentWithSubject('jsmith.nsf', 'e2e alias domain'), undefined);
  });

  it('swaks: an unknown recipient is refused with 550', { skip: swaksSkip }, async () => {
    const r = await swaks(['--from', 'someone@outside.example', '--to', 'nobody@acme.example']);
    assert.notEqual(r.code, 0);
    assert.match(r.stdout, /<\*\* 550 5\.1\.1 nobody@acme\.example\.\.\. No such user/);
  });

  it('smtplib: a relay attempt from an unauthenticated client is refused with 554', {
    skip: smtplibSkip,
  }, async () => {
    const answer = await pythonSend({
      port,
      from: 'someone@outside.example',
      to: ['victim@partner.example'],
      message: rfc5322('someone@outside.example', 'victim@partner.example', 'e2e relay attempt'),
    });
    assert.equal(answer.ok, false);
    assert.deepEqual(answer.refused, {
      'victim@partner.example': [554, '5.7.1 Relay rejected for policy reasons.'],
    });
    await gateway.router.router.idle();
    const sunk = await sinkMessages(join(data, 'sink'));
    assert.equal(
      sunk.some((m) => m.envelope.recipients.includes('victim@partner.example')),
      false,
    );
  });

  it('smtplib with STARTTLS and AUTH: relay accepted, transferred to the next hop (the sink) DKIM-signed (RSA and Ed25519), verified by python3-dkim', {
    skip: dkimpySkip,
  }, async () => {
    const answer = await pythonSend({
      port,
      from: 'jane.doe@acme.example',
      to: ['partner@partner.example'],
      message: rfc5322('Jane Doe <jane.doe@acme.example>', 'partner@partner.example', 'e2e signed relay'),
      starttls: true,
      user: 'jdoe',
      password: 'jane-secret',
    });
    assert.deepEqual(answer, { ok: true, refused: {}, error: null });
    const out = await waitFor(
      async () =>
        (await sinkMessages(join(data, 'sink'))).find((m) =>
          m.envelope.recipients.includes('partner@partner.example'),
        ),
      'the relayed message at the sink',
    );
    assert.equal(out.envelope.mailFrom, 'jane.doe@acme.example');
    assert.equal(subjectOf(out.raw), 'e2e signed relay');
    const signed = out.raw;
    assert.deepEqual(
      [...signed.toString('latin1').matchAll(/DKIM-Signature: [\s\S]*?\bs=(\w+)/g)].map((m) => m[1]),
      ['rsa2026', 'ed2026'],
    );
    assert.deepEqual(await pythonVerify(signed, gateway.dkim.records), [true, true]);
    // A changed body no longer verifies: the verifier is really checking.
    const tampered = Buffer.from(
      signed.toString('latin1').replace('Hello from the test.', 'Hello from the thief.'),
      'latin1',
    );
    assert.deepEqual(await pythonVerify(tampered, gateway.dkim.records), [false, false]);
  });

  it('swaks on the submission port: AUTH first (530 without it), then the relay is accepted', {
    skip: swaksSkip,
  }, async () => {
    const submission = gateway.addresses.find((a) => a.kind === 'submission')!.port;
    const base = [
      '--server',
      `127.0.0.1:${submission}`,
      '--helo',
      'laptop.example',
      '--from',
      'jane.doe@acme.example',
    ];
    const anonymous = await run('swaks', [...base, '--to', 'friend@partner.example']);
    assert.match(anonymous.stdout, /<\*\* 530 5\.7\.0 /);
    const authed = await run('swaks', [
      ...base,
      '--to',
      'friend@partner.example',
      '-tls',
      '--auth',
      'LOGIN',
      '--auth-user',
      'jdoe',
      '--auth-password',
      'jane-secret',
      '--h-From',
      'Jane Doe <jane.doe@acme.example>',
    ]);
    assert.equal(authed.code, 0, authed.stdout);
    assert.match(authed.stdout, /<~ {2}235 /);
    assert.match(authed.stdout, /<~ {2}250 2\.6\.0 /);
  });

  it('swaks: a winmail.dat message is delivered as its attachments (TNEF conversion on)', {
    skip: swaksSkip,
  }, async (t) => {
    const tnef = join(FIXTURES, 'tnef', 'files', 'two-files.tnef');
    if (!existsSync(tnef)) {
      t.skip(`${tnef} is absent (shared fixtures not present)`);
      return;
    }
    const r = await swaks([
      '--from',
      'someone@outside.example',
      '--to',
      'mark.jansen@acme.example',
      '--header',
      'Subject: e2e winmail',
      '--body',
      'See the attachments.',
      '--attach-type',
      'application/ms-tnef',
      '--attach-name',
      'winmail.dat',
      '--attach',
      `@${tnef}`,
    ]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const doc = await deliveredWithSubject('mjansen.nsf', 'e2e winmail');
    const files = doc.items
      .filter((i) => i.type === 'attachment')
      .map((i) => {
        const v = i.value as { fileName: string; size: number; content?: { base64: string } };
        return [v.fileName, v.size, Buffer.from(v.content?.base64 ?? '', 'base64').length];
      });
    assert.deepEqual(files, [
      ['AUTHORS', 244, 244],
      ['README', 893, 893],
    ]);
  });

  it('swaks from 127.0.0.2: a DNSBL-listed client is refused with the configured text', {
    skip: swaksSkip,
  }, async () => {
    const r = await swaks([
      '--local-interface',
      '127.0.0.2',
      '--from',
      'spam@outside.example',
      '--to',
      'jane.doe@acme.example',
    ]);
    assert.notEqual(r.code, 0);
    assert.match(
      r.stdout,
      /<\*\* 554 5\.7\.1 Your host 127\.0\.0\.2 is listed at bl\.mailroute\.example; mail from it is refused\./,
    );
  });

  it('status: the running gateway writes its figures and the status command prints them', async () => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const status = await modules.status.readStatus(data);
    assert.ok(status);
    assert.equal(status.state, 'running');
    assert.equal(status.listening[0]?.port, port);
    assert.ok(status.gateway.messages >= (swaksSkip ? 0 : 2));
    if (!swaksSkip) assert.ok((status.gateway.refusals['rcpt 550 5.1.1 recipient.verifyLocal'] ?? 0) >= 1);
    if (!swaksSkip) assert.ok((status.gateway.refusals['connect 554 5.7.1 dnsBlacklist.action'] ?? 0) >= 1);
    const cli = await run(process.execPath, [GATEWAY_MAIN, 'status', '--data', data]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /: running\n/);
    assert.match(cli.stdout, /Refusals by reason:/);
    assert.match(cli.stdout, /messages accepted \(in mail.box before the 250\): \d+/);
    assert.match(cli.stdout, /Mail\.Delivered = [1-9]/);
    assert.match(cli.stdout, /Mail\.Transferred = \d+/);
    assert.match(cli.stdout, /Mail\.Waiting = \d+/);
    assert.match(cli.stdout, /Router queues \(tell router show queues\): /);
    assert.match(cli.stdout, /Capture sink on 127\.0\.0\.1:\d+: \d+ message\(s\) captured/);
  });
});
