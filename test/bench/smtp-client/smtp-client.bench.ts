/**
 * @mailroute/smtp-client benchmark: messages per second delivered to Postfix's smtp-sink at 1 KB
 * and 100 KB over 1 and 20 connections, beside nodemailer's pooled SMTP transport (same number
 * of connections, same messages) and Postfix's smtp-source (a native client: the ceiling), all in
 * the same run against the same smtp-sink. Then the peak RSS of a fresh process sending one
 * 50 MB message from a stream. Wall-clock figures are noisy on a shared machine: the load average
 * is printed beside each cell, and the CPU time of this process per message is given for the
 * two Node clients (smtp-source's CPU time is not measured: it runs as a child process). The
 * last column is this agent again with `pipelineData` (DATA in the MAIL/RCPT group, as
 * smtp-source sends it).
 *
 * Run: node --expose-gc test/bench/smtp-client/dist/smtp-client.bench.js [--quick]
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createTransferAgent } from '@mailroute/smtp-client';
import { freePort } from '@mailroute/test-support';

const quick = process.argv.includes('--quick');

function findTool(name: string): string | undefined {
  for (const dir of ['/usr/sbin', '/usr/bin', ...(process.env.PATH ?? '').split(':')]) {
    const p = `${dir}/${name}`;
    if (dir !== '' && existsSync(p)) return p;
  }
  return undefined;
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.end('QUIT\r\n');
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`smtp-sink did not start on ${port}`);
}

function message(size: number): Buffer {
  const head =
    'From: bench@client.example\r\nTo: sink@sink.example\r\nSubject: benchmark\r\nMessage-ID: <b@client.example>\r\n\r\n';
  const line = `${'abcdefghij'.repeat(7)}\r\n`;
  let body = '';
  while (head.length + body.length + line.length <= size) body += line;
  return Buffer.from(head + body + 'x'.repeat(Math.max(0, size - head.length - body.length - 2)) + '\r\n');
}

const load = (): string => loadavg()[0].toFixed(2);

interface Cell {
  readonly msgsPerSec: number;
  readonly cpuUsPerMsg: number | undefined;
  readonly load: string;
}

async function timed(count: number, run: () => Promise<void>): Promise<Cell> {
  const l = load();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await run();
  const ns = Number(process.hrtime.bigint() - t0);
  const cpu = process.cpuUsage(cpu0);
  return { msgsPerSec: count / (ns / 1e9), cpuUsPerMsg: (cpu.user + cpu.system) / count, load: l };
}

async function ours(
  port: number,
  conns: number,
  count: number,
  msg: Buffer,
  pipelineData = false,
): Promise<Cell> {
  const agent = createTransferAgent({
    heloName: 'client.example',
    pipelineData,
    pool: { maxConnectionsPerDestination: conns, maxMessagesPerConnection: 1_000_000 },
  });
  const hop = { host: '127.0.0.1', port, tls: 'none' as const };
  const env = {
    mailFrom: 'bench@client.example',
    recipients: [{ address: 'sink@sink.example' }],
    body: '7BIT' as const,
  };
  // Warm-up: open the sessions.
  await Promise.all(Array.from({ length: conns }, () => agent.deliverVia(hop, env, msg)));
  let failures = 0;
  const cell = await timed(count, async () => {
    let next = 0;
    await Promise.all(
      Array.from({ length: conns }, async () => {
        while (next < count) {
          next++;
          const r = await agent.deliverVia(hop, env, msg);
          if (r.recipients[0].outcome !== 'delivered') failures++;
        }
      }),
    );
  });
  await agent.close();
  if (failures > 0) throw new Error(`@mailroute/smtp-client: ${failures} failures`);
  return cell;
}

interface Transporter {
  sendMail(m: { envelope: { from: string; to: string[] }; raw: Buffer }): Promise<unknown>;
  close(): void;
}

async function nodemailer(port: number, conns: number, count: number, msg: Buffer): Promise<Cell> {
  const require = createRequire(import.meta.url);
  const nm = require('nodemailer') as { createTransport(o: object): Transporter };
  const t = nm.createTransport({
    pool: true,
    maxConnections: conns,
    maxMessages: Number.POSITIVE_INFINITY,
    host: '127.0.0.1',
    port,
    secure: false,
    ignoreTLS: true,
    name: 'client.example',
  });
  const env = { from: 'bench@client.example', to: ['sink@sink.example'] };
  await Promise.all(Array.from({ length: conns }, () => t.sendMail({ envelope: env, raw: msg })));
  const cell = await timed(count, async () => {
    let next = 0;
    await Promise.all(
      Array.from({ length: conns }, async () => {
        while (next < count) {
          next++;
          await t.sendMail({ envelope: env, raw: msg });
        }
      }),
    );
  });
  t.close();
  return cell;
}

function smtpSource(tool: string, port: number, conns: number, count: number, size: number): Cell {
  const l = load();
  const t0 = process.hrtime.bigint();
  // -d: keep the session for the next message; -l: payload octets; -m: messages; -s: sessions.
  const r = spawnSync(
    tool,
    [
      '-d',
      '-s',
      String(conns),
      '-m',
      String(count),
      '-l',
      String(size),
      '-f',
      'bench@client.example',
      '-t',
      'sink@sink.example',
      `127.0.0.1:${port}`,
    ],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const ns = Number(process.hrtime.bigint() - t0);
  if (r.status !== 0) throw new Error(`smtp-source failed: ${String(r.stderr)}`);
  return { msgsPerSec: count / (ns / 1e9), cpuUsPerMsg: undefined, load: l };
}

/** Child mode: one 50 MB message from a stream, peak RSS before and after. */
async function rssChild(port: number, sizeMb: number): Promise<void> {
  const chunk = Buffer.from(`${'0123456789abcdef'.repeat(4)}\r\n`.repeat(1000)); // 66 KB
  const rounds = Math.ceil((sizeMb * 1024 * 1024) / chunk.length);
  const agent = createTransferAgent({ heloName: 'client.example' });
  const hop = { host: '127.0.0.1', port, tls: 'none' as const };
  const env = {
    mailFrom: 'bench@client.example',
    recipients: [{ address: 'sink@sink.example' }],
    body: '7BIT' as const,
  };
  await agent.deliverVia(hop, env, 'Subject: warm-up\r\n\r\nx\r\n');
  (globalThis as { gc?: () => void }).gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  const t0 = Date.now();
  const r = await agent.deliverVia(hop, env, async function* () {
    yield Buffer.from('Subject: big\r\n\r\n');
    for (let i = 0; i < rounds; i++) yield chunk;
  });
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
  await agent.close();
  process.stdout.write(
    JSON.stringify({
      outcome: r.recipients[0].outcome,
      bytes: rounds * chunk.length,
      baseRss: base,
      peakRss: peak,
      ms: Date.now() - t0,
    }),
  );
}

async function main(): Promise<void> {
  if (process.argv[2] === '--rss-child') return rssChild(Number(process.argv[3]), Number(process.argv[4]));
  const sink = findTool('smtp-sink');
  const source = findTool('smtp-source');
  if (sink === undefined) {
    console.log('smtp-sink (Debian postfix) is not installed: benchmark skipped');
    return;
  }
  const port = await freePort();
  const user = process.getuid?.() === 0 ? ['-u', 'nobody'] : [];
  const child: ChildProcess = spawn(sink, [...user, `127.0.0.1:${port}`, '1024'], { stdio: 'ignore' });
  try {
    await waitForPort(port);
    console.log(
      `Node ${process.version}; smtp-sink on 127.0.0.1:${port}; load average at start ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}`,
    );
    console.log(
      'cell                     | mailroute msg/s (cpu us/msg, load) | nodemailer msg/s (cpu us/msg, load) | smtp-source msg/s (load) | ours/nodemailer | ours/smtp-source | pipelineData msg/s (cpu us/msg, load), /smtp-source',
    );
    const cells: [number, number, number][] = quick
      ? [
          [1024, 1, 500],
          [1024, 20, 1000],
          [100 * 1024, 1, 100],
          [100 * 1024, 20, 200],
        ]
      : [
          [1024, 1, 3000],
          [1024, 20, 6000],
          [100 * 1024, 1, 600],
          [100 * 1024, 20, 1200],
        ];
    for (const [size, conns, count] of cells) {
      const msg = message(size);
      const a = await ours(port, conns, count, msg);
      const p = await ours(port, conns, count, msg, true);
      const b = await nodemailer(port, conns, count, msg);
      const c = source === undefined ? undefined : smtpSource(source, port, conns, count, size);
      const fmt = (x: Cell) => `${x.msgsPerSec.toFixed(0)} (${x.cpuUsPerMsg?.toFixed(0) ?? '-'}, ${x.load})`;
      console.log(
        `${`${size / 1024} KB x ${conns} conn`.padEnd(24)} | ${fmt(a).padEnd(34)} | ${fmt(b).padEnd(35)} | ${c === undefined ? 'n/a' : `${c.msgsPerSec.toFixed(0)} (${c.load})`} | ${(a.msgsPerSec / b.msgsPerSec).toFixed(2)}x wall, ${((b.cpuUsPerMsg ?? 0) / (a.cpuUsPerMsg ?? 1)).toFixed(2)}x cpu | ${c === undefined ? 'n/a' : `${(a.msgsPerSec / c.msgsPerSec).toFixed(2)}x`} | ${fmt(p)}, ${c === undefined ? 'n/a' : `${(p.msgsPerSec / c.msgsPerSec).toFixed(2)}x`}`,
      );
    }
    const sizeMb = 50;
    const r = spawnSync(
      process.execPath,
      ['--expose-gc', fileURLToPath(import.meta.url), '--rss-child', String(port), String(sizeMb)],
      {
        encoding: 'utf8',
      },
    );
    const m = JSON.parse(r.stdout) as {
      outcome: string;
      bytes: number;
      baseRss: number;
      peakRss: number;
      ms: number;
    };
    const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
    console.log(
      `50 MB message from a stream: ${m.outcome} in ${m.ms} ms; RSS ${mb(m.baseRss)} MB before, peak ${mb(m.peakRss)} MB, growth ${mb(m.peakRss - m.baseRss)} MB = ${((m.peakRss - m.baseRss) / m.bytes).toFixed(2)}x the message (load ${load()})`,
    );
  } finally {
    child.kill('SIGTERM');
  }
}

await main();
