/**
 * @mailroute/smtp-server benchmark, beside nodemailer's `smtp-server` package in the same run,
 * with the same trivial backend (read the message to the end, accept it). Each server runs in
 * its own child process; this process is the load generator: pipelining clients on loopback that
 * send MAIL, RCPT and DATA in one write, the message with the next transaction's commands after
 * the 354, so one round trip per message. Cells: 1 and 50 clients, 1 KB and 100 KB messages,
 * fixed message counts after a warm-up, five alternating rounds, the median kept. Then the resident memory of each server holding 5,000
 * idle connections (after the greeting). Postfix smtp-sink is measured too when installed.
 *
 * Run: node --expose-gc test/bench/smtp-server/dist/smtp.bench.js
 */
import { type ChildProcess, fork, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSmtpServer } from '@mailroute/smtp-server';

type Peer = 'mailroute' | 'smtp-server' | 'smtp-sink';

// --- server side (child process) ------------------------------------------------------------

async function serve(kind: Peer): Promise<void> {
  let port: number;
  if (kind === 'mailroute') {
    const server = createSmtpServer(
      {
        hostname: 'bench.local',
        listeners: [{ kind: 'smtp', port: 0 }],
        maxSessions: 10_000,
        maxMessageSizeBytes: 10_000_000,
      },
      {
        connect: () => ({
          mailFrom: () => undefined,
          rcptTo: () => undefined,
          async data(message) {
            for await (const _ of message) {
              // read to the end
            }
            return undefined;
          },
        }),
      },
    );
    port = (await server.listen())[0].port;
  } else {
    const require = createRequire(import.meta.url);
    const { SMTPServer } = require('smtp-server') as {
      SMTPServer: new (
        o: object,
      ) => { listen(p: number, h: string, cb: () => void): void; server: { address(): { port: number } } };
    };
    const server = new SMTPServer({
      name: 'bench.local',
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      maxClients: 10_000,
      size: 10_000_000,
      logger: false,
      onData(stream: NodeJS.ReadableStream, _session: unknown, callback: (e?: Error | null) => void) {
        stream.on('data', () => {});
        stream.on('end', () => callback(null));
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = server.server.address().port;
  }
  process.send?.({ port });
  process.on('message', (m: { rss?: boolean; exit?: boolean; cpu?: boolean }) => {
    if (m.exit) process.exit(0);
    if (m.cpu) {
      const u = process.cpuUsage();
      process.send?.({ cpu: u.user + u.system });
    }
    if (m.rss) {
      (globalThis as { gc?: () => void }).gc?.();
      process.send?.({ rss: process.memoryUsage().rss });
    }
  });
}

// --- load generator -------------------------------------------------------------------------

function message(size: number): Buffer {
  const head = 'From: bench@example.org\r\nTo: sink@example.com\r\nSubject: benchmark\r\n\r\n';
  const line = `${'x'.repeat(76)}\r\n`;
  let body = head;
  while (body.length + line.length <= size) body += line;
  body += 'y'.repeat(Math.max(0, size - body.length - 2)) + '\r\n';
  return Buffer.from(`${body}.\r\n`);
}

const TX = 'MAIL FROM:<bench@example.org>\r\nRCPT TO:<sink@example.com>\r\nDATA\r\n';

/**
 * One client sending `count` messages; resolves when every final reply came back. Replies are
 * scanned in the Buffer (only each line's first four octets are looked at) so the generator
 * spends little time per message: it runs on the same two cores as the server under test.
 */
function client(port: number, count: number, payload: Buffer, payloadWithTx: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    let head = ''; // first octets of the line being read
    let lines = 0;
    let greeted = false;
    let sent = 0;
    let done = 0;
    // Per message 4 reply lines: 250 MAIL, 250 RCPT, 354, 250 after the data.
    socket.on('data', (d: Buffer) => {
      let i = 0;
      while (i < d.length) {
        const lf = d.indexOf(10, i);
        const end = lf < 0 ? d.length : lf;
        if (head.length < 4) head += d.toString('latin1', i, Math.min(end, i + 4 - head.length));
        if (lf < 0) break;
        i = lf + 1;
        const line = head;
        head = '';
        if (line[3] === '-') continue;
        if (line[0] === '4' || line[0] === '5') {
          socket.destroy();
          reject(new Error(`server replied ${line}`));
          return;
        }
        if (!greeted) {
          if (line.startsWith('220')) socket.write('EHLO bench.example.org\r\n');
          else {
            greeted = true;
            socket.write(TX);
          }
          continue;
        }
        lines++;
        if (lines % 4 === 3) {
          // The 354 of message `sent`: its data, and the next transaction's commands behind it.
          sent++;
          socket.write(sent < count ? payloadWithTx : payload);
        } else if (lines % 4 === 0) {
          done++;
          if (done === count) {
            socket.end('QUIT\r\n');
            resolve();
          }
        }
      }
    });
    socket.on('error', reject);
  });
}

async function cell(port: number, clients: number, total: number, payload: Buffer): Promise<number> {
  const per = Math.ceil(total / clients);
  const start = process.hrtime.bigint();
  const payloadWithTx = Buffer.concat([payload, Buffer.from(TX)]);
  await Promise.all(Array.from({ length: clients }, () => client(port, per, payload, payloadWithTx)));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return (per * clients) / seconds;
}

function startChild(kind: Peer): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(fileURLToPath(import.meta.url), ['serve', kind], { execArgv: ['--expose-gc'] });
  return new Promise((resolve) =>
    child.once('message', (m: { port: number }) => resolve({ child, port: m.port })),
  );
}

/** The server process's CPU time so far, in microseconds (user + system). */
function cpuOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    const on = (m: { cpu?: number }) => {
      if (m.cpu === undefined) return;
      child.removeListener('message', on);
      resolve(m.cpu);
    };
    child.on('message', on);
    child.send({ cpu: true });
  });
}

function rssOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.once('message', (m: { rss: number }) => resolve(m.rss));
    child.send({ rss: true });
  });
}

async function idleMemory(child: ChildProcess, port: number, n: number): Promise<number> {
  const before = await rssOf(child);
  const sockets: Socket[] = [];
  // Batches of 250: a burst of 5,000 SYNs overflows the accept queue and stalls on retransmits.
  for (let b = 0; b < n; b += 250) {
    await Promise.all(
      Array.from(
        { length: Math.min(250, n - b) },
        () =>
          new Promise<void>((resolve, reject) => {
            const s = connect(port, '127.0.0.1');
            s.once('data', () => resolve());
            s.once('error', reject);
            sockets.push(s);
          }),
      ),
    );
  }
  await new Promise((r) => setTimeout(r, 500));
  const after = await rssOf(child);
  for (const s of sockets) s.destroy();
  await new Promise((r) => setTimeout(r, 500));
  return (after - before) / n;
}

/**
 * Postfix's smtp-sink, the native ceiling: from `SMTP_SINK` (a path; e.g. the binary of the
 * postfix .deb unpacked with `dpkg -x`, its libraries found in `../lib/postfix` beside it) or
 * the usual places.
 */
function startSmtpSink(): Promise<{ child: ChildProcess; port: number } | undefined> {
  let path = process.env['SMTP_SINK'] ?? '';
  if (!path) {
    const which = spawnSync(
      'sh',
      ['-c', 'command -v smtp-sink || ls /usr/sbin/smtp-sink /usr/lib/postfix/sbin/smtp-sink 2>/dev/null'],
      { encoding: 'utf8' },
    );
    path = which.stdout.trim().split('\n')[0];
  }
  if (!path || !existsSync(path)) return Promise.resolve(undefined);
  const libs = join(dirname(path), '..', 'lib', 'postfix');
  const env = { ...process.env, LD_LIBRARY_PATH: [libs, process.env['LD_LIBRARY_PATH'] ?? ''].join(':') };
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(path, ['-u', 'nobody', `127.0.0.1:${port}`, '1000'], { stdio: 'ignore', env });
  return new Promise((resolve) => setTimeout(() => resolve({ child, port }), 500));
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits });

async function main(): Promise<void> {
  const cells = [
    { clients: 1, size: 1024, total: 5000 },
    { clients: 50, size: 1024, total: 20_000 },
    { clients: 1, size: 100 * 1024, total: 1000 },
    { clients: 50, size: 100 * 1024, total: 5000 },
  ];
  const peers: Peer[] = ['mailroute', 'smtp-server'];
  console.log(`node ${process.version}; servers each in a child process\n`);
  // Idle memory first, on fresh servers: after the throughput cells the heaps are grown and
  // the difference would measure the garbage collector, not the connections.
  for (const p of peers) {
    const fresh = await startChild(p);
    const perConnection = await idleMemory(fresh.child, fresh.port, 5000);
    console.log(
      `${p}: ${fmt(perConnection / 1024, 1)} KB RSS per idle connection (5,000 connections after the greeting)`,
    );
    fresh.child.send({ exit: true });
  }
  console.log('');
  const servers = new Map<Peer, { child: ChildProcess; port: number }>();
  for (const p of peers) servers.set(p, await startChild(p));
  const sink = await startSmtpSink();
  if (sink) servers.set('smtp-sink', sink);
  const results = new Map<string, number>();
  for (const c of cells) {
    const payload = message(c.size);
    for (const [, s] of servers) await cell(s.port, c.clients, Math.min(500, c.total), payload); // warm-up
    // Five rounds, servers alternating, median kept: the machine is shared and noisy.
    // Also the server's own CPU time per message, which the shared machine disturbs far less
    // than wall-clock throughput (not for smtp-sink, which is not a node child).
    const rounds = new Map<Peer, number[]>();
    const cpu = new Map<Peer, number[]>();
    for (let round = 0; round < 5; round++) {
      for (const [p, s] of servers) {
        const list = rounds.get(p) ?? [];
        const node = p !== 'smtp-sink';
        const before = node ? await cpuOf(s.child) : 0;
        list.push(await cell(s.port, c.clients, c.total, payload));
        if (node) {
          const perMessage = ((await cpuOf(s.child)) - before) / c.total;
          cpu.set(p, [...(cpu.get(p) ?? []), perMessage]);
        }
        rounds.set(p, list);
      }
    }
    const median = (list: number[]) => [...list].sort((a, b) => a - b)[2];
    for (const [p, list] of rounds) results.set(`${p}/${c.clients}/${c.size}`, median(list));
    const ours = results.get(`mailroute/${c.clients}/${c.size}`) ?? 0;
    const peer = results.get(`smtp-server/${c.clients}/${c.size}`) ?? 0;
    const mb = (r: number) => (r * payload.length) / 1e6;
    let line =
      `${String(c.clients).padStart(2)} client(s), ${fmt(c.size / 1024)} KB: ` +
      `mailroute ${fmt(ours)} msg/s ${fmt(mb(ours), 1)} MB/s | ` +
      `smtp-server ${fmt(peer)} msg/s ${fmt(mb(peer), 1)} MB/s | ratio ${fmt(ours / peer, 2)}x`;
    const sinkRate = results.get(`smtp-sink/${c.clients}/${c.size}`);
    if (sinkRate !== undefined) line += ` | smtp-sink ${fmt(sinkRate)} msg/s ${fmt(mb(sinkRate), 1)} MB/s`;
    console.log(line);
    const ourCpu = median(cpu.get('mailroute') ?? [0, 0, 0]);
    const peerCpu = median(cpu.get('smtp-server') ?? [0, 0, 0]);
    console.log(
      `    server CPU per message: mailroute ${fmt(ourCpu, 1)} µs | smtp-server ${fmt(peerCpu, 1)} µs | ` +
        `ratio ${fmt(peerCpu / ourCpu, 2)}x`,
    );
  }
  if (!sink) console.log('(Postfix smtp-sink not installed: native ceiling not measured)');
  for (const [p, s] of servers) {
    if (p === 'smtp-sink') s.child.kill();
    else s.child.send({ exit: true });
  }
}

if (process.argv[2] === 'serve') void serve(process.argv[3] as Peer);
else
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
