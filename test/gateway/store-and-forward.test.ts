/**
 * The gateway as a store-and-forward server, end to end with real parts on 127.0.0.1:
 * - Domino's two-server scenario: Mail1 transfers Anna's mail to Mail2 (a second gateway process)
 *   over SMTP, and Mail2 delivers it into her mail file;
 * - the Internet as Postfix's `smtp-sink`: relayed mail leaves Mail1 through the Connection
 *   document's relay host, DKIM-signed;
 * - an aiosmtpd server that answers 451 and then 250: the Router retries (a short retry
 *   interval from gateway.json; the Domino schedule itself is the Router's unit test), and a 550
 *   from it gives a delivery failure report that lands in the sender's mail file on Mail1, which
 *   Python's `email` parses;
 * - fail-over: mail for a domain reached through gateway GW1 (cost 1) or GW2 (cost 5) goes to GW2
 *   when nothing answers at GW1, and GW1's hop is marked down.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Gateway } from '@mailroute/example-gateway';
import { freePort } from '@mailroute/test-support';
import { gatewayModules } from './gateway-modules.js';
import { EXAMPLE_CONFIG, PYTHON, pythonParseReport, pythonSend, smtplibSkip, waitFor } from './tools.js';

const modules = await gatewayModules();
const dirs: string[] = [];
const stops: (() => Promise<void>)[] = [];

after(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function temp(prefix: string): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

function which(name: string): string | undefined {
  for (const dir of [...(process.env['PATH'] ?? '').split(':'), '/usr/sbin', '/usr/bin']) {
    const p = join(dir, name);
    if (dir !== '' && existsSync(p)) return p;
  }
  return undefined;
}

/** Skip text for a missing tool, except under CI, where the test must run (and fail). */
function skipUnless(found: boolean, text: string): string | false {
  return found || process.env['CI'] ? false : text;
}

const SMTP_SINK = which('smtp-sink');
const hasAiosmtpd =
  existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import aiosmtpd'], { stdio: 'ignore' }).status === 0;
const skip =
  skipUnless(SMTP_SINK !== undefined, "Postfix's smtp-sink is not installed (apt-get install postfix)") ||
  skipUnless(hasAiosmtpd, 'python3-aiosmtpd is not installed (apt-get install python3-aiosmtpd)') ||
  smtplibSkip;

/** A child server; resolves once its port answers. */
async function startChild(command: string, args: string[], port: number, cwd: string): Promise<void> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd });
  let out = '';
  child.stdout.on('data', (d) => {
    out += String(d);
  });
  child.stderr.on('data', (d) => {
    out += String(d);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  stops.push(async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2000).unref())]);
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const until = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${command} exited: ${out}`);
    const up = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(true));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(false)));
    });
    if (up) return;
    if (Date.now() > until) throw new Error(`${command} does not listen on ${port}: ${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * aiosmtpd answering by recipient: `later...` gets 451 the first time and 250 after, `reject...`
 * 550; each accepted message is written as JSON into `out`.
 */
const AIOSMTPD = `
import json, os, sys, time
from aiosmtpd.controller import Controller
port, outdir = int(sys.argv[1]), sys.argv[2]
seen = set()
class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith('later') and address not in seen:
            seen.add(address)
            return '451 4.3.0 Not now, try again later'
        if address.startswith('reject'):
            return '550 5.1.1 No such user here'
        envelope.rcpt_tos.append(address)
        return '250 2.1.5 OK'
    async def handle_DATA(self, server, session, envelope):
        n = len(os.listdir(outdir))
        with open(os.path.join(outdir, 'msg%04d.json' % n), 'w') as f:
            json.dump({'from': envelope.mail_from, 'rcpts': envelope.rcpt_tos,
                       'body': envelope.original_content.decode('utf-8', 'surrogateescape')}, f)
        return '250 2.0.0 Ok: queued as AIO%04d' % n
c = Controller(Handler(), hostname='127.0.0.1', port=port, decode_data=False)
c.start()
print('ready', flush=True)
try:
    while True:
        time.sleep(1)
finally:
    c.stop()
`;

interface Place {
  readonly data: string;
  readonly gateway: Gateway;
  readonly port: number;
}

let mail1: Place;
let mail2: Place;
let sinkDir = '';
let aioDir = '';
const RETRY_MS = 400;

/** A copy of the shipped configuration with edits to its JSON files. */
async function configWith(
  edit: (files: Record<'gateway' | 'directory' | 'dns' | 'dkim', Record<string, unknown>>) => void,
): Promise<string> {
  const dir = await temp('gateway-saf-config-');
  await cp(EXAMPLE_CONFIG, dir, { recursive: true });
  const names = {
    gateway: 'gateway.json',
    directory: 'directory.json',
    dns: 'dns-zone.json',
    dkim: 'dkim.json',
  };
  const files = {} as Record<keyof typeof names, Record<string, unknown>>;
  for (const [k, f] of Object.entries(names))
    files[k as keyof typeof names] = JSON.parse(await readFile(join(dir, f), 'utf8')) as Record<
      string,
      unknown
    >;
  // Ed25519 keys only: quick to make at start.
  files.dkim = {
    settings: { RouterDKIMSigning: '1', 'DKIM_KEY_acme.example': 'ed2026' },
    developmentKeys: [{ domain: 'acme.example', selector: 'ed2026', type: 'ed25519' }],
  };
  edit(files);
  for (const [k, f] of Object.entries(names))
    await writeFile(join(dir, f), JSON.stringify(files[k as keyof typeof names], null, 2));
  return dir;
}

async function startGateway(configDir: string): Promise<Place> {
  const loaded = await modules.config.loadGatewayConfig(configDir);
  assert.deepEqual(
    loaded.errors.map((e) => `${e.file}: ${e.field}: ${e.message}`),
    [],
  );
  const data = await temp('gateway-saf-data-');
  const gateway = await modules.gateway.startGateway({
    config: loaded.config!,
    dataDir: data,
    port: 0,
    submissionPort: null,
    sinkPort: null,
    statusIntervalMs: 200,
  });
  stops.push(() => gateway.close(2000));
  return { data, gateway, port: gateway.addresses[0]!.port };
}

before(async () => {
  if (skip !== false) return;
  // The Internet: Postfix's smtp-sink, dumping each message into a folder.
  const sinkPort = await freePort();
  sinkDir = await temp('gateway-saf-smtp-sink-');
  await chmod(sinkDir, 0o777);
  await startChild(
    SMTP_SINK!,
    [
      ...(process.getuid?.() === 0 ? ['-u', 'nobody'] : []),
      '-c',
      '-d',
      `${sinkDir}/%M.`,
      `127.0.0.1:${sinkPort}`,
      '100',
    ],
    sinkPort,
    sinkDir,
  );
  // retry.example's host: aiosmtpd, 451 then 250, or 550.
  const aioPort = await freePort();
  aioDir = await temp('gateway-saf-aiosmtpd-');
  await mkdir(join(aioDir, 'out'));
  await writeFile(join(aioDir, 'server.py'), AIOSMTPD);
  await startChild(
    PYTHON,
    [join(aioDir, 'server.py'), String(aioPort), join(aioDir, 'out')],
    aioPort,
    aioDir,
  );
  // GW1 is down: a port nothing listens on.
  const gw1Port = await freePort();

  // Mail2: the same directory, seen from CN=Mail2/O=Acme.
  mail2 = await startGateway(
    await configWith(({ gateway }) => {
      gateway['hostname'] = 'mail2.acme.example';
      gateway['thisServer'] = 'CN=Mail2/O=Acme';
      delete gateway['captureSink'];
    }),
  );
  mail1 = await startGateway(
    await configWith(({ gateway, directory, dns }) => {
      delete gateway['captureSink'];
      gateway['router'] = {
        initialTransferRetryIntervalMs: RETRY_MS,
        smtpPorts: {
          'mail2.acme.example': mail2.port,
          'sink.acme.example': sinkPort,
          'aio.retry.example': aioPort,
          'gw1.acme.example': gw1Port,
          'gw2.acme.example': sinkPort,
        },
      };
      const servers = directory['servers'] as unknown[];
      servers.push(
        { name: 'CN=GW1/O=Acme', domain: 'Acme', namedNetwork: 'TCP-Edge', hostName: 'gw1.acme.example' },
        { name: 'CN=GW2/O=Acme', domain: 'Acme', namedNetwork: 'TCP-Edge', hostName: 'gw2.acme.example' },
      );
      (directory['connections'] as unknown[]).push(
        { source: 'CN=Mail1/O=Acme', destination: 'CN=GW1/O=Acme', type: 'smtp', cost: 1 },
        { source: 'CN=Mail1/O=Acme', destination: 'CN=GW2/O=Acme', type: 'smtp', cost: 5 },
        {
          source: 'CN=GW1/O=Acme',
          destination: 'PARTNER-HOSTS',
          destinationDomain: 'Partners',
          type: 'smtp',
          cost: 1,
        },
        {
          source: 'CN=GW2/O=Acme',
          destination: 'PARTNER-HOSTS',
          destinationDomain: 'Partners',
          type: 'smtp',
          cost: 1,
        },
      );
      (directory['domains'] as unknown[]).push(
        { type: 'foreignSmtp', internetDomain: 'failover.example', routeToDomain: 'Partners' },
        { type: 'foreignSmtp', internetDomain: 'retry.example', routeToHost: 'aio.retry.example' },
      );
      dns['aio.retry.example'] = { A: ['127.0.0.1'] };
      dns['gw1.acme.example'] = { A: ['127.0.0.1'] };
      dns['gw2.acme.example'] = { A: ['127.0.0.1'] };
    }),
  );
});

/** Sends as Jane (STARTTLS, AUTH: allowed to relay) or anonymously. */
function send(to: string, subject: string, auth: boolean) {
  const from = auth ? 'jane.doe@acme.example' : 'someone@outside.example';
  return pythonSend({
    port: mail1.port,
    from,
    to: [to],
    message: `From: ${from}\r\nTo: ${to}\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@saf.test>\r\n\r\nStore and forward.\r\n`,
    ...(auth ? { starttls: true, user: 'jdoe', password: 'jane-secret' } : {}),
  });
}

/** The raw messages of a mail-file folder, by file name. */
async function mailFileMessages(data: string, mailFile: string): Promise<string[]> {
  const folder = join(data, 'mailfiles', 'mail', mailFile);
  const out: string[] = [];
  for (const f of await readdir(folder).catch(() => [] as string[]))
    if (f.endsWith('.eml')) out.push(await readFile(join(folder, f), 'latin1'));
  return out;
}

/** smtp-sink's dumps (LF line ends, its own headers first). */
async function sinkDumps(): Promise<string[]> {
  const out: string[] = [];
  for (const f of await readdir(sinkDir).catch(() => [] as string[]))
    out.push(await readFile(join(sinkDir, f), 'latin1').catch(() => ''));
  return out;
}

describe('the gateway as a store-and-forward server', () => {
  it('two servers: Mail1 transfers Anna’s mail to Mail2 over SMTP, Mail2 delivers it into her mail file', {
    skip,
    timeout: 60_000,
  }, async () => {
    const answer = await send('anna.berg@acme.example', 'to Mail2', false);
    assert.deepEqual(answer, { ok: true, refused: {}, error: null });
    const raw = await waitFor(
      async () =>
        (await mailFileMessages(mail2.data, 'aberg.nsf')).find((m) => m.includes('Subject: to Mail2')),
      'the message in Mail2’s mail/aberg.nsf',
    );
    // Received by Mail1 from the client, then by Mail2 from Mail1.
    const received = [...raw.matchAll(/^Received: from [^\r]*\r\n\tby (\S+)/gm)].map((m) => m[1]);
    assert.deepEqual(received, ['mail2.acme.example', 'mail1.acme.example']);
    const status = await mail1.gateway.router.router.status();
    assert.ok(status.counters.transferred >= 1);
    assert.equal(existsSync(join(mail1.data, 'mailfiles', 'mail', 'aberg.nsf')), false);
  });

  it('the Internet (Postfix smtp-sink): relayed mail goes to the relay host, DKIM-signed', {
    skip,
    timeout: 60_000,
  }, async () => {
    const answer = await send('friend@partner.example', 'to the Internet', true);
    assert.deepEqual(answer, { ok: true, refused: {}, error: null });
    const dump = await waitFor(
      async () => (await sinkDumps()).find((d) => d.includes('Subject: to the Internet')),
      'the message at smtp-sink',
    );
    assert.match(dump, /X-Rcpt-Args: <friend@partner\.example>/);
    assert.match(dump, /X-Mail-Args: <jane\.doe@acme\.example>/);
    assert.match(dump, /DKIM-Signature: [\s\S]*?\bd=acme\.example;/);
  });

  it('a 451 then 250 (aiosmtpd): the Router retries after the retry interval and the message arrives', {
    skip,
    timeout: 60_000,
  }, async () => {
    const startedMs = Date.now();
    const answer = await send('later@retry.example', 'retry me', true);
    assert.deepEqual(answer, { ok: true, refused: {}, error: null });
    const arrived = await waitFor(async () => {
      for (const f of await readdir(join(aioDir, 'out')).catch(() => [] as string[])) {
        const m = JSON.parse(await readFile(join(aioDir, 'out', f), 'utf8')) as {
          rcpts: string[];
          body: string;
        };
        if (m.body.includes('Subject: retry me')) return m;
      }
      return undefined;
    }, 'the retried message at aiosmtpd');
    assert.deepEqual(arrived.rcpts, ['later@retry.example']);
    assert.ok(Date.now() - startedMs >= RETRY_MS, 'arrived only after the retry interval');
    const status = await mail1.gateway.router.router.status();
    assert.ok(status.counters.deferred >= 1, JSON.stringify(status.counters));
  });

  it('a 550 (aiosmtpd): a delivery failure report lands in the sender’s mail file and Python parses it', {
    skip,
    timeout: 60_000,
  }, async () => {
    const answer = await send('reject@retry.example', 'bounce me', true);
    assert.deepEqual(answer, { ok: true, refused: {}, error: null });
    const raw = await waitFor(
      async () =>
        (await mailFileMessages(mail1.data, 'jdoe.nsf')).find(
          (m) => m.includes('report-type=delivery-status') && m.includes('Subject: bounce me'),
        ),
      'the failure report in mail/jdoe.nsf',
    );
    const report = await pythonParseReport(Buffer.from(raw, 'latin1'));
    assert.equal(report.defects, 0);
    assert.equal(report.contentType, 'multipart/report');
    assert.equal(report.reportType, 'delivery-status');
    assert.match(report.human, /Delivery Failure Report/);
    assert.equal(report.recipients.length, 1);
    const [r] = report.recipients;
    assert.equal(r!['final-recipient'], 'rfc822; reject@retry.example');
    assert.equal(r!['action'], 'failed');
    assert.equal(r!['status'], '5.1.1');
    assert.match(r!['diagnostic-code'] ?? '', /^smtp; 550 5\.1\.1 No such user here/);
    assert.match(r!['remote-mta'] ?? '', /^dns; /);
    assert.match(report.original ?? '', /Subject: bounce me/);
  });

  it('fail-over: with nothing answering at GW1 (cost 1) the mail goes through GW2 (cost 5), GW1 marked down', {
    skip,
    timeout: 60_000,
  }, async () => {
    const answer = await send('someone@failover.example', 'fail over', true);
    assert.deepEqual(answer, { ok: true, refused: {}, error: null });
    const dump = await waitFor(
      async () => (await sinkDumps()).find((d) => d.includes('Subject: fail over')),
      'the message through GW2 at smtp-sink',
    );
    assert.match(dump, /X-Rcpt-Args: <someone@failover\.example>/);
    const status = await mail1.gateway.router.router.status();
    // GW1 stays in retry until a transfer to it works (none will). Its hop was marked down when it
    // failed, which is what sent the mail to GW2; the hop comes back up once GW1's retry time
    // (RETRY_MS) has passed, so on a slow machine downHops may already be empty here: the retry
    // entry is what lasts.
    assert.ok(
      status.inRetry.some((e) => /gw1/i.test(e.destination) && e.failures >= 1),
      JSON.stringify({ inRetry: status.inRetry, downHops: status.downHops }),
    );
    assert.ok(status.counters.transferFailures >= 1);
  });
});
