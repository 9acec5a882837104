/**
 * The gateway end to end on a PostgreSQL mail.box, with real parts on 127.0.0.1: a PostgreSQL
 * server this test starts, two `mailroute-gateway start` processes sharing one queue (one given
 * the queue by gateway.json `router.queue`, the other by `--queue postgres://...`), swaks as the
 * client (STARTTLS, AUTH, relayed mail) and Postfix's `smtp-sink` as the Internet's relay host.
 * Before that, a gateway pointed at a database nobody migrated refuses to start and names the
 * command that creates the schema; the test then runs that command, as an operator would.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '@mailroute/test-support';
import pg from 'pg';
import { skip as pgSkip, postgres } from './helpers.js';

function packageBin(pkg: string, bin: string): string {
  const manifest = createRequire(import.meta.url).resolve(`${pkg}/package.json`);
  const { bin: bins } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin: Record<string, string> };
  return join(dirname(manifest), bins[bin]!);
}

const GATEWAY = packageBin('@mailroute/example-gateway', 'mailroute-gateway');
const QUEUE_CLI = packageBin('@mailroute/queue-postgres', 'mailroute-queue-postgres');
const EXAMPLE_CONFIG = fileURLToPath(new URL('../../../examples/gateway/config', import.meta.url));

function which(name: string): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/bin']) {
    const p = join(dir, name);
    if (dir !== '' && existsSync(p)) return p;
  }
  return undefined;
}
const SMTP_SINK = which('smtp-sink');
const hasSwaks = spawnSync('swaks', ['--version'], { stdio: 'ignore' }).status === 0;
/** A missing tool skips, saying which; under CI the test runs (and fails) instead. */
const toolSkip = (present: boolean, reason: string): string | false =>
  present || process.env.CI ? false : reason;
const skip =
  pgSkip ||
  toolSkip(SMTP_SINK !== undefined, "Postfix's smtp-sink is not installed (apt-get install postfix)") ||
  toolSkip(hasSwaks, 'swaks is not installed (apt-get install swaks)');

const dirs: string[] = [];
const children: ChildProcess[] = [];
after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function temp(prefix: string): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

/** A child process whose output is kept; `exited` resolves with its exit code. */
function child(command: string, args: string[], cwd?: string) {
  const c = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(cwd ? { cwd } : {}) });
  children.push(c);
  let out = '';
  c.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  c.stderr!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => c.on('exit', (code) => resolve(code)));
  return { child: c, exited, output: () => out };
}

async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `mailroute-gateway start`; resolves with its SMTP port once it printed `ready.`. */
async function startGateway(args: string[]) {
  const g = child(process.execPath, [GATEWAY, 'start', '--port', '0', '--submission-port', 'off', ...args]);
  await waitFor('the gateway to be ready', () => g.output().includes(' ready.') || g.child.exitCode !== null);
  const port = Number(/listening: smtp on 127\.0\.0\.1:(\d+)/.exec(g.output())?.[1]);
  assert.ok(port > 0, g.output());
  return { ...g, port };
}

/** Relayed mail as Jane (STARTTLS, AUTH: allowed to relay) with swaks; resolves with its output. */
function swaks(port: number, to: string, subject: string): string {
  const r = spawnSync(
    'swaks',
    [
      '--server',
      `127.0.0.1:${port}`,
      '--ehlo',
      'client.test',
      '--from',
      'jane.doe@acme.example',
      '--to',
      to,
      '--tls',
      '--auth',
      'PLAIN',
      '--auth-user',
      'jdoe',
      '--auth-password',
      'jane-secret',
      '--header',
      `Subject: ${subject}`,
      '--body',
      `Relayed through a PostgreSQL mail.box: ${subject}`,
    ],
    { encoding: 'utf8', timeout: 30_000 },
  );
  assert.equal(r.status, 0, `swaks failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

describe('the gateway on a PostgreSQL mail.box', { skip, timeout: 180_000 }, () => {
  test('refuses an unmigrated database naming the command; after migrate, two gateways share the queue and relay each message once', async () => {
    const server = await postgres();
    const url = await server.createDatabase('gateway_e2e');

    // 1. No schema: the gateway stops at start, names the operator's command, changes nothing.
    const refused = child(process.execPath, [
      GATEWAY,
      'start',
      '--port',
      '0',
      '--submission-port',
      'off',
      '--sink-port',
      'off',
      '--data',
      await temp('pg-gw-refused-'),
      '--queue',
      url,
    ]);
    assert.equal(await refused.exited, 1, refused.output());
    assert.match(refused.output(), /mailroute-queue-postgres migrate/);
    assert.doesNotMatch(refused.output(), / ready\./);

    // 2. The operator's step.
    const migrated = child(process.execPath, [QUEUE_CLI, 'migrate', url]);
    assert.equal(await migrated.exited, 0, migrated.output());
    assert.match(migrated.output(), /migrated from version 0/);
    const q = new pg.Client({ connectionString: url });
    await q.connect();
    after(() => q.end().catch(() => {}));

    // The Internet: Postfix's smtp-sink, one file per message.
    const sinkPort = await freePort();
    const sinkDir = await temp('pg-gw-smtp-sink-');
    await chmod(sinkDir, 0o777);
    const sink = child(
      SMTP_SINK!,
      [
        ...(process.getuid?.() === 0 ? ['-u', 'nobody'] : []),
        '-c',
        '-d',
        `${sinkDir}/%M.`,
        `127.0.0.1:${sinkPort}`,
        '100',
      ],
      sinkDir,
    );
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(sink.child.exitCode, null, sink.output());

    // One configuration: the relay host is smtp-sink; gateway A has the queue in gateway.json.
    const configA = await temp('pg-gw-config-a-');
    await cp(EXAMPLE_CONFIG, configA, { recursive: true });
    const gatewayJson = JSON.parse(await readFile(join(configA, 'gateway.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    delete gatewayJson['captureSink'];
    gatewayJson['router'] = {
      smtpPorts: { 'sink.acme.example': sinkPort },
      initialTransferRetryIntervalMs: 1000,
    };
    const configB = await temp('pg-gw-config-b-');
    await cp(configA, configB, { recursive: true });
    await writeFile(join(configB, 'gateway.json'), JSON.stringify(gatewayJson, null, 2));
    gatewayJson['router'] = { ...(gatewayJson['router'] as object), queue: url };
    await writeFile(join(configA, 'gateway.json'), JSON.stringify(gatewayJson, null, 2));

    const a = await startGateway(['--config', configA, '--data', await temp('pg-gw-a-')]);
    const b = await startGateway(['--config', configB, '--data', await temp('pg-gw-b-'), '--queue', url]);
    for (const g of [a, b]) {
      assert.match(g.output(), /mail\.box: PostgreSQL postgres:\/\/.*schema mailroute/);
      assert.doesNotMatch(g.output(), /password|secret/i);
    }

    // 3. Mail through both gateways: every message reaches smtp-sink exactly once.
    const subjects: string[] = [];
    for (let i = 0; i < 6; i++) {
      const subject = `pg-e2e-${i}`;
      subjects.push(subject);
      const out = swaks(i % 2 === 0 ? a.port : b.port, `partner${i}@example.org`, subject);
      assert.match(out, /<~ {2}250 /);
    }
    const bySubject = async (): Promise<Map<string, number>> => {
      const seen = new Map<string, number>();
      for (const f of await readdir(sinkDir)) {
        const text = await readFile(join(sinkDir, f), 'latin1').catch(() => '');
        const m = /^Subject: (pg-e2e-\d+)/m.exec(text);
        if (m) seen.set(m[1]!, (seen.get(m[1]!) ?? 0) + 1);
      }
      return seen;
    };
    await waitFor('every message at smtp-sink', async () => (await bySubject()).size === subjects.length);
    const queued = async (): Promise<number> => {
      const r = await q.query<{ n: string }>('SELECT count(*) AS n FROM mailroute.messages');
      return Number(r.rows[0]!.n);
    };
    await waitFor('the shared mail.box empty', async () => (await queued()) === 0);
    await new Promise((r) => setTimeout(r, 500)); // a duplicate would arrive meanwhile
    const seen = await bySubject();
    for (const s of subjects) assert.equal(seen.get(s), 1, `${s} reached smtp-sink once`);

    // Both gateways stop gracefully; the queue keeps nothing.
    for (const g of [a, b]) {
      g.child.kill('SIGTERM');
      assert.equal(await g.exited, 0, g.output());
    }
    assert.equal(await queued(), 0, 'nothing left in the shared mail.box');
    await q.end();
    sink.child.kill('SIGTERM');
  });
});
