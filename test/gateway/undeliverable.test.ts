/**
 * Recipients are never acknowledged and then lost, and never exposed (issue 13 §2), end to end
 * with swaks against gateways on 127.0.0.1 made from the shipped configuration with Domino's
 * defaults changed as a user would: "Verify that local domain recipients exist" off and
 * `SMTPDenyNotUniqueRCPT=0` (both Domino's defaults), two persons sharing a short name, a group
 * with a member that is not in the directory, and a second gateway with
 * `RouterDisableMailToGroups=1`. What routing can decide is refused at RCPT in Domino's words;
 * what fails after the 250 gets the Router's delivery failure report (RFC 3464), which the test
 * finds at the next hop (the capture sink) and parses with Python's `email`; Bcc recipients are
 * visible to nobody else.
 */
import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Gateway } from '../../examples/gateway/src/gateway.js';
import type { StoredDocument } from '../../examples/gateway/src/mail-store.js';
import { gatewayModules } from './gateway-modules.js';
import {
  EXAMPLE_CONFIG,
  GATEWAY_MAIN,
  pythonParseReport,
  run,
  sinkMessages,
  smtplibSkip,
  swaksSkip,
  waitFor,
} from './tools.js';

const modules = await gatewayModules();
const dirs: string[] = [];
const gateways: Gateway[] = [];

async function temp(prefix: string): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

/** The shipped configuration with JSON edits, in a temporary directory. */
async function configWith(
  edit: (files: { directory: Record<string, unknown>; inbound: Record<string, unknown> }) => void,
): Promise<string> {
  const dir = await temp('gateway-undeliverable-config-');
  await cp(EXAMPLE_CONFIG, dir, { recursive: true });
  const directory = JSON.parse(await readFile(join(dir, 'directory.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  const inbound = JSON.parse(await readFile(join(dir, 'smtp-inbound.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  edit({ directory, inbound });
  await writeFile(join(dir, 'directory.json'), JSON.stringify(directory, null, 2));
  await writeFile(join(dir, 'smtp-inbound.json'), JSON.stringify(inbound, null, 2));
  return dir;
}

async function start(configDir: string): Promise<{ port: number; data: string; gateway: Gateway }> {
  const loaded = await modules.config.loadGatewayConfig(configDir);
  assert.deepEqual(
    loaded.errors.map((e) => e.message),
    [],
  );
  const data = await temp('gateway-undeliverable-data-');
  const g = await modules.gateway.startGateway({
    config: loaded.config!,
    dataDir: data,
    port: 0,
    submissionPort: null,
    sinkPort: 0,
    statusIntervalMs: 100,
  });
  gateways.push(g);
  return { port: g.addresses[0]!.port, data, gateway: g };
}

/** Domino's defaults for the two switches, a shared short name, a group with a stranger in it. */
let defaults: { port: number; data: string; gateway: Gateway };
/** The same with RouterDisableMailToGroups=1. */
let noGroups: { port: number; data: string; gateway: Gateway };

before(async () => {
  const person = (name: string, file: string) => ({
    fullNames: [`CN=${name}/O=Acme`, name],
    shortNames: ['chris'],
    internetAddress: `${name.toLowerCase().replace(' ', '.')}@acme.example`,
    mailServer: 'CN=Mail1/O=Acme',
    mailFile: file,
  });
  const common = ({
    directory,
    inbound,
  }: {
    directory: Record<string, unknown>;
    inbound: Record<string, unknown>;
  }) => {
    inbound['recipient'] = { verifyLocal: false, denyNotUnique: 0, denyMailToGroups: 0 };
    (directory['persons'] as unknown[]).push(
      person('Chris Adams', 'mail/cadams.nsf'),
      person('Chris Brown', 'mail/cbrown.nsf'),
    );
    (directory['groups'] as unknown[]).push({
      name: 'Mixed',
      type: 'mailOnly',
      internetAddress: 'mixed@acme.example',
      members: ['CN=Jane Doe/O=Acme', 'CN=Nobody Here/O=Acme'],
    });
  };
  defaults = await start(await configWith(common));
  noGroups = await start(
    await configWith((files) => {
      common(files);
      const configurations = files.directory['configurations'] as Record<string, unknown>[];
      configurations[0]!['routerDisableMailToGroups'] = true;
    }),
  );
});

after(async () => {
  for (const g of gateways) await g.close(2000);
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function swaks(port: number, args: string[]) {
  return run('swaks', [
    '--server',
    `127.0.0.1:${port}`,
    '--helo',
    'client.outside.example',
    '--from',
    'someone@outside.example',
    ...args,
  ]);
}

/** Every file under a folder, recursively (relative paths). */
async function files(folder: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, prefix: string) => {
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory()) await walk(join(dir, e.name), `${prefix}${e.name}/`);
      else out.push(`${prefix}${e.name}`);
    }
  };
  await walk(folder, '');
  return out.sort();
}

async function document(
  data: string,
  mailFile: string,
  id: string,
): Promise<{ doc: StoredDocument; raw: string; json: string }> {
  const folder = join(data, 'mailfiles', 'mail', mailFile);
  // The Router delivers after the 250: wait (bounded) for the document.
  const json = await waitFor(
    () => readFile(join(folder, `${id}.json`), 'utf8').catch(() => undefined),
    `${id} in ${mailFile}`,
  );
  return {
    doc: JSON.parse(json) as StoredDocument,
    raw: await readFile(join(folder, `${id}.eml`), 'latin1'),
    json,
  };
}

const item = (doc: StoredDocument, name: string) => doc.items.find((i) => i.name === name)?.value;
const queueId = (stdout: string) => /<- {2}250 2\.6\.0 .*id (\w+)/.exec(stdout)?.[1];

describe('routing decided at RCPT TO (Domino defaults: verify local recipients off, SMTPDenyNotUniqueRCPT=0)', () => {
  it('an unknown local user gets 550 5.1.1 "... No such user" at RCPT; nothing is stored', {
    skip: swaksSkip,
  }, async () => {
    await defaults.gateway.router.router.idle();
    const queued = (await defaults.gateway.router.router.status()).mailBox.messages;
    const before = await files(join(defaults.data, 'mailfiles'));
    const r = await swaks(defaults.port, ['--to', 'nobody@acme.example']);
    assert.match(
      r.stdout,
      /RCPT TO:<nobody@acme\.example>\n<\*\* +550 5\.1\.1 nobody@acme\.example\.\.\. No such user/,
    );
    assert.doesNotMatch(r.stdout, /250 2\.6\.0/);
    assert.deepEqual(await files(join(defaults.data, 'mailfiles')), before);
    assert.equal((await defaults.gateway.router.router.status()).mailBox.messages, queued);
  });
  it('an ambiguous name gets 550 5.1.4 at RCPT', { skip: swaksSkip }, async () => {
    const r = await swaks(defaults.port, ['--to', 'chris@acme.example']);
    assert.match(
      r.stdout,
      /RCPT TO:<chris@acme\.example>\n<\*\* +550 5\.1\.4 chris@acme\.example\.\.\. Ambiguous recipient name/,
    );
    assert.doesNotMatch(r.stdout, /250 2\.6\.0/);
  });
  it('mixed recipients: the refused one is answered at RCPT, the message goes to the others', {
    skip: swaksSkip,
  }, async () => {
    const r = await swaks(defaults.port, ['--to', 'jane.doe@acme.example,nobody@acme.example']);
    assert.match(r.stdout, /RCPT TO:<jane\.doe@acme\.example>\n<- {2}250 /);
    assert.match(
      r.stdout,
      /RCPT TO:<nobody@acme\.example>\n<\*\* +550 5\.1\.1 nobody@acme\.example\.\.\. No such user/,
    );
    const id = queueId(r.stdout);
    assert.ok(id, r.stdout);
    await document(defaults.data, 'jdoe.nsf', id);
  });
  it('mail to a group with RouterDisableMailToGroups=1 is refused at RCPT for policy reasons', {
    skip: swaksSkip,
  }, async () => {
    const r = await swaks(noGroups.port, ['--to', 'sales@acme.example']);
    assert.match(
      r.stdout,
      /<\*\* +550 5\.7\.1 sales@acme\.example\.\.\. Rejected for policy reasons: Mail to group Sales is not allowed \(RouterDisableMailToGroups\)/,
    );
    assert.doesNotMatch(r.stdout, /250 2\.6\.0/);
  });
});

describe('what fails after the 250 gets a delivery failure report, never silence', () => {
  it('a group member not in the directory: Jane gets her copy, the sender a report Python parses', {
    skip: swaksSkip || smtplibSkip,
  }, async () => {
    const r = await swaks(defaults.port, [
      '--to',
      'mixed@acme.example',
      '--header',
      'Subject: to the mixed group',
    ]);
    const id = queueId(r.stdout);
    assert.ok(id, r.stdout);
    // Jane (a member) has her copy; the stranger fails with a report to the reverse path, which the
    // example routes to the Internet (the capture sink).
    await document(defaults.data, 'jdoe.nsf', id);
    const report = await waitFor(
      async () =>
        (await sinkMessages(join(defaults.data, 'sink'))).find(
          (m) =>
            m.envelope.mailFrom === '' &&
            m.envelope.recipients.includes('someone@outside.example') &&
            m.raw.includes('to the mixed group'),
        ),
      'the failure report at the sink',
    );
    const parsed = await pythonParseReport(report.raw);
    assert.equal(parsed.defects, 0);
    assert.equal(parsed.contentType, 'multipart/report');
    assert.equal(parsed.reportType, 'delivery-status');
    assert.equal(parsed.autoSubmitted, 'auto-replied');
    assert.match(parsed.human, /Delivery Failure Report/);
    assert.match(parsed.human, /User not listed in Directory/);
    assert.equal(parsed.perMessage['reporting-mta'], 'dns; mail1.acme.example');
    assert.equal(parsed.recipients.length, 1);
    const [rcpt] = parsed.recipients;
    assert.equal(rcpt!['action'], 'failed');
    assert.match(rcpt!['status'] ?? '', /^5\.\d\.\d+$/);
    assert.match(rcpt!['final-recipient'] ?? '', /Nobody Here/);
    assert.equal(rcpt!['original-recipient'], 'rfc822; mixed@acme.example');
    assert.match(parsed.original ?? '', /Subject: to the mixed group/);
    const status = await run(process.execPath, [GATEWAY_MAIN, 'status', '--data', defaults.data, '--json']);
    assert.equal(status.code, 0, status.stderr);
    const json = JSON.parse(status.stdout) as { router: { statistics: Record<string, number> } };
    assert.ok((json.router.statistics['Mail.Reports'] ?? 0) >= 1);
  });
});

describe('Bcc recipients are visible to nobody else', () => {
  it('each mail file gets what its recipient may see', { skip: swaksSkip }, async () => {
    const r = await swaks(defaults.port, [
      '--to',
      'jane.doe@acme.example,john.smith@acme.example,mark.jansen@acme.example',
      '--header',
      'To: Jane Doe <jane.doe@acme.example>',
      '--header',
      'Bcc: john.smith@acme.example',
      '--header',
      'Subject: blind copies',
    ]);
    const id = queueId(r.stdout);
    assert.ok(id, r.stdout);
    const jane = await document(defaults.data, 'jdoe.nsf', id);
    const john = await document(defaults.data, 'jsmith.nsf', id);
    const mark = await document(defaults.data, 'mjansen.nsf', id);
    for (const copy of [jane, john, mark]) {
      assert.equal(item(copy.doc, 'Recipients'), undefined, 'Domino removes Recipients at delivery');
    }
    // The Bcc field stays only in the blind-copy recipient's own copy, naming only that recipient.
    const bccOf = (raw: string) => /^bcc:(.*)$/im.exec(raw.split(/\r\n\r\n/)[0]!)?.[1]?.trim();
    assert.equal(bccOf(jane.raw), undefined);
    assert.equal(bccOf(mark.raw), undefined);
    assert.equal(bccOf(john.raw), 'john.smith@acme.example');
    // The To recipient sees neither blind copy, anywhere in its document or message.
    assert.equal(item(jane.doc, 'BlindCopyTo'), undefined);
    assert.doesNotMatch(jane.json + jane.raw, /john\.smith|mark\.jansen/);
    // A blind-copy recipient sees itself only.
    assert.deepEqual(item(john.doc, 'BlindCopyTo'), ['john.smith@acme.example']);
    assert.doesNotMatch(john.json + john.raw, /mark\.jansen/);
    assert.deepEqual(item(mark.doc, 'BlindCopyTo'), ['mark.jansen@acme.example']);
    assert.doesNotMatch(mark.json + mark.raw, /john\.smith/);
    assert.match(jane.raw, /Subject: blind copies/);
  });
});
