/**
 * End-to-end throughput of the example gateway: 10 KB messages from 20 parallel clients on
 * loopback, each client on one connection sending one transaction after another.
 *
 * - local delivery: anonymous clients, recipients in three mail files (mail.box flushed before
 *   each 250; the Router then writes the document and raw message into each mail file);
 * - signed relay: clients that STARTTLS and AUTH once, then relay to an Internet domain (mail.box
 *   flushed before each 250; the Router signs with RSA-2048 and Ed25519 and transfers to the
 *   gateway's capture sink).
 *
 * The gateway runs as a child process with the shipped configuration. Beside it, in the same
 * run, two reference servers on the same listener package: one that drops each message (the
 * listener's ceiling) and one that writes each message with one durable write (the disk's floor).
 * Rounds alternate between candidates; the median round is printed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

type ClientModule = typeof import('../../gateway/smtp-client.js');
const { SmtpTestClient, testMessage } = (await import(
  new URL('../../../gateway/dist/smtp-client.js', import.meta.url).href
)) as ClientModule;

const CLIENTS = 20;
const SIZE = 10 * 1024;
const PER_ROUND = 1000;
const ROUNDS = 3;
// The gateway's `mailroute-gateway` bin, found through its package's exported package.json.
const GATEWAY_MANIFEST = createRequire(import.meta.url).resolve('@mailroute/example-gateway/package.json');
const GATEWAY_MAIN = join(
  dirname(GATEWAY_MANIFEST),
  (JSON.parse(readFileSync(GATEWAY_MANIFEST, 'utf8')) as { bin: Record<string, string> }).bin[
    'mailroute-gateway'
  ]!,
);
const CONFIG = fileURLToPath(new URL('../../../../examples/gateway/config', import.meta.url));
const SINK = fileURLToPath(new URL('./sink-server.js', import.meta.url));

/** Starts a child and resolves with its port once its output names it. */
function startChild(args: string[], ready: RegExp): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no start: ${out}`)), 30_000);
    const look = (d: string) => {
      out += d;
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]) });
      }
    };
    child.stdout!.setEncoding('utf8').on('data', look);
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
}

interface Load {
  readonly name: string;
  readonly port: number;
  readonly auth: boolean;
  readonly from: string;
  readonly to: (n: number) => string;
}

/** Sends `count` messages over CLIENTS connections; returns messages per second. */
async function round(load: Load, count: number): Promise<number> {
  let next = 0;
  let failures = 0;
  const body = (n: number) => testMessage(`Jane Doe <${load.from}>`, load.to(n), `bench-${n}`, SIZE);
  const worker = async () => {
    const { client } = await SmtpTestClient.open(load.port, { timeoutMs: 30_000 });
    await client.command('EHLO bench.test');
    if (load.auth) {
      await client.startTls();
      await client.command('EHLO bench.test');
      const r = await client.command(`AUTH PLAIN ${Buffer.from('\0jdoe\0jane-secret').toString('base64')}`);
      if (r.code !== 235) throw new Error(`AUTH failed: ${r.code} ${r.text}`);
    }
    for (let n = next++; n < count; n = next++) {
      const r = await client.send(load.from, [load.to(n)], body(n));
      if (r.code !== 250) failures++;
    }
    await client.quit();
  };
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CLIENTS }, worker));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (failures > 0) throw new Error(`${load.name}: ${failures} messages refused`);
  return count / seconds;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');

const data = await mkdtemp(join(tmpdir(), 'gateway-bench-'));
const gateway = await startChild(
  [
    GATEWAY_MAIN,
    'start',
    '--config',
    CONFIG,
    '--data',
    data,
    '--port',
    '0',
    '--submission-port',
    'off',
    '--sink-port',
    '0',
  ],
  /listening: smtp on 127\.0\.0\.1:(\d+)/,
);
await new Promise((r) => setTimeout(r, 200));
const discard = await startChild([SINK, 'discard'], /port (\d+)/);
const fsync = await startChild([SINK, 'fsync'], /port (\d+)/);

const local = ['jane.doe@acme.example', 'john.smith@acme.example', 'mark.jansen@acme.example'];
const loads: Load[] = [
  {
    name: 'gateway, local delivery',
    port: gateway.port,
    auth: false,
    from: 'load@outside.example',
    to: (n) => local[n % 3]!,
  },
  {
    name: 'gateway, signed relay',
    port: gateway.port,
    auth: true,
    from: 'jane.doe@acme.example',
    to: (n) => `user${n}@partner.example`,
  },
  {
    name: 'listener only (discard)',
    port: discard.port,
    auth: false,
    from: 'load@outside.example',
    to: () => 'x@sink.test',
  },
  {
    name: 'listener + 1 durable write',
    port: fsync.port,
    auth: false,
    from: 'load@outside.example',
    to: () => 'x@sink.test',
  },
];

try {
  console.log(
    `node ${process.version}, ${new Date().toISOString()}, load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  console.log(
    `${CLIENTS} clients, ${SIZE / 1024} KB messages, ${PER_ROUND} messages per round, median of ${ROUNDS} rounds\n`,
  );
  for (const load of loads) await round(load, 100); // warm-up
  const results = new Map<string, number[]>(loads.map((l) => [l.name, []]));
  for (let r = 0; r < ROUNDS; r++)
    for (const load of loads) results.get(load.name)!.push(await round(load, PER_ROUND));
  const m = new Map([...results].map(([k, v]) => [k, median(v)]));
  for (const [name, rate] of m) {
    const all = results.get(name)!.map(fmt).join(' / ');
    console.log(`${name.padEnd(28)} ${fmt(rate).padStart(7)} msg/s   (rounds: ${all})`);
  }
  const ceiling = m.get('listener only (discard)')!;
  const floor = m.get('listener + 1 durable write')!;
  console.log('');
  for (const name of ['gateway, local delivery', 'gateway, signed relay']) {
    const rate = m.get(name)!;
    console.log(
      `${name.padEnd(28)} ${(rate / ceiling).toFixed(2)}x the discarding listener, ${(rate / floor).toFixed(2)}x the one-durable-write server`,
    );
  }
  console.log(
    `load average at end ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
} finally {
  for (const c of [gateway.child, discard.child, fsync.child]) {
    c.removeAllListeners('exit');
    c.kill('SIGTERM');
  }
  await new Promise((r) => setTimeout(r, 500));
  await rm(data, { recursive: true, force: true });
}
