/**
 * End-to-end relay: SMTP in -> mail.box (flushed before the 250) -> SMTP out to a counting sink,
 * for the example gateway on the Router, beside Postfix and Haraka set up the same way (a queue
 * on disk, fsync before the 250, relay to 127.0.0.1) in the same run. The load generator and its
 * counting sink, and the scripts that start the peers, are the shared anchors in
 * `../shared/anchors/relay/` (RELAY_ANCHORS overrides the folder); without them the benchmark
 * says so and stops, and a peer whose script fails (no Postfix, Haraka not installed) is skipped
 * with a line saying why. Cells: 1 KB and 100 KB, 10 and 50 clients. The gateway runs twice a
 * cell: as a plain relay (no server mail rules, as the peers have no header or body checks), and
 * with the shipped example's four mail rules evaluated on every message. Every loop is bounded (a
 * fixed message count per cell and the load generator's drain timeout).
 *
 *   node test/bench/router/dist/relay.bench.js            (RELAY_MESSAGES_1K, RELAY_MESSAGES_100K,
 *                                                          RELAY_PEERS=postfix,haraka, RELAY_CELLS,
 *                                                          RELAY_RULES=0 to change)
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ANCHORS =
  process.env['RELAY_ANCHORS'] ??
  fileURLToPath(new URL('../../../../../shared/anchors/relay', import.meta.url));
const GATEWAY_MAIN = fileURLToPath(
  new URL('../../../../examples/gateway/bin/mailroute-gateway.js', import.meta.url),
);
const EXAMPLE_CONFIG = fileURLToPath(new URL('../../../../examples/gateway/config', import.meta.url));
// Long enough that start-up (JIT warm-up, the peers' first processes) weighs little in the rate.
const MESSAGES_1K = Number(process.env['RELAY_MESSAGES_1K'] ?? 3000);
const MESSAGES_100K = Number(process.env['RELAY_MESSAGES_100K'] ?? 1000);
const PEERS = (process.env['RELAY_PEERS'] ?? 'postfix,haraka').split(',').filter((p) => p !== '');
// RELAY_CELLS=1k10,100k50 runs only those cells (default all four).
const CELLS = [
  { size: 1024, clients: 10 },
  { size: 1024, clients: 50 },
  { size: 102_400, clients: 10 },
  { size: 102_400, clients: 50 },
].filter(
  (c) =>
    process.env['RELAY_CELLS'] === undefined ||
    process.env['RELAY_CELLS'].split(',').includes(`${c.size > 10_000 ? '100k' : '1k'}${c.clients}`),
);

const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * The shipped configuration as a plain relay: any domain, any 127.0.0.0/8 client, out to
 * `outPort`. With `rules` false the server mail rules are off, as the peers run no header or body
 * checks; with true the example's four rules are evaluated on every message (a second row).
 */
async function relayConfig(outPort: number, rules: boolean): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'relay-bench-config-'));
  await cp(EXAMPLE_CONFIG, dir, { recursive: true });
  const read = async (f: string) =>
    JSON.parse(await readFile(join(dir, f), 'utf8')) as Record<string, unknown>;
  const gateway = await read('gateway.json');
  delete gateway['captureSink'];
  // 20 transfers to the sink at once: the peers' delivery concurrency (the anchors' README).
  gateway['router'] = { smtpPorts: { 'sink.acme.example': outPort }, maxConcurrentTransferThreads: 20 };
  gateway['maxSessions'] = 1000;
  if (!rules) delete gateway['mailRules'];
  await writeFile(join(dir, 'gateway.json'), JSON.stringify(gateway));
  const inbound = await read('smtp-inbound.json');
  // Relay for everyone (the peers are set up as open relays on loopback too); no DNS lists.
  inbound['relay'] = { enforcement: 'none' };
  inbound['dnsBlacklist'] = { enabled: false };
  await writeFile(join(dir, 'smtp-inbound.json'), JSON.stringify(inbound));
  return dir;
}

/** Runs load.mjs and returns its JSON line (or an error text). */
function runLoad(args: string[]): Promise<Record<string, unknown> | string> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ANCHORS, 'load.mjs'), ...args, '--quiet'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 600_000);
    child.on('close', () => {
      clearTimeout(timer);
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as Record<string, unknown>);
      } catch {
        resolve(`load.mjs gave no result: ${err.slice(-400)}`);
      }
    });
  });
}

/** The gateway as a child process; resolves once it is ready. */
async function startGateway(config: string, data: string, inPort: number) {
  const child = spawn(
    process.execPath,
    [
      // RELAY_GATEWAY_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the gateway.
      ...(process.env['RELAY_GATEWAY_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== ''),
      GATEWAY_MAIN,
      'start',
      '--config',
      config,
      '--data',
      data,
      '--port',
      String(inPort),
      '--submission-port',
      'off',
      '--sink-port',
      'off',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  const until = Date.now() + 30_000;
  while (!out.includes(' ready.')) {
    if (child.exitCode !== null || Date.now() > until) throw new Error(`gateway did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

type Row = {
  server: string;
  /** `cold`: the first run after the relay started; `warm`: the same load once more, measured alone. */
  phase: 'cold' | 'warm';
  size: number;
  clients: number;
  result: Record<string, unknown> | string;
  load: string;
};
const rows: Row[] = [];

/** load.mjs's arguments for one relay and cell. */
function loadArgs(
  server: string,
  inPort: number,
  outPort: number,
  cell: (typeof CELLS)[number],
  messages: number,
  pidfile: string,
): string[] {
  return [
    '--server',
    server,
    '--in',
    String(inPort),
    '--out',
    String(outPort),
    '--clients',
    String(cell.clients),
    '--messages',
    String(messages),
    '--size',
    String(cell.size),
    '--pidfile',
    pidfile,
  ];
}

/**
 * The cell's load twice on one running relay, each run counted on its own (load.mjs tags its
 * messages and reads the relay's CPU from its start): first from a cold start, then warm. A
 * relay runs for days, and a cold run of a few seconds mostly measures start-up: the gateway's
 * JIT compiling its hot code took about 2 s of CPU in a 3,000-message run, the same order as the
 * work itself. Every relay gets both runs, and both rows are printed.
 */
async function loadTwice(
  server: string,
  cell: (typeof CELLS)[number],
  args: string[],
  startLoad: string,
): Promise<void> {
  const cold = await runLoad(args);
  rows.push({ server, phase: 'cold', ...cell, result: cold, load: startLoad });
  if (typeof cold === 'string') return;
  const warmLoad = load();
  const warm = await runLoad(args);
  rows.push({ server, phase: 'warm', ...cell, result: warm, load: warmLoad });
}

async function mailroute(cell: (typeof CELLS)[number], messages: number, rules: boolean): Promise<void> {
  const inPort = await freePort();
  const outPort = await freePort();
  const config = await relayConfig(outPort, rules);
  const data = await mkdtemp(join(tmpdir(), 'relay-bench-data-'));
  const startLoad = load();
  const gateway = await startGateway(config, data, inPort);
  try {
    await loadTwice(
      rules ? 'mailroute + 4 rules' : 'mailroute',
      cell,
      loadArgs('mailroute', inPort, outPort, cell, messages, join(data, 'gateway.lock')),
      startLoad,
    );
  } finally {
    await gateway.stop();
    await rm(data, { recursive: true, force: true });
    await rm(config, { recursive: true, force: true });
  }
}

async function peer(name: string, cell: (typeof CELLS)[number], messages: number): Promise<void> {
  const script = join(ANCHORS, `${name}.sh`);
  const work = await mkdtemp(join(tmpdir(), `relay-bench-${name}-`));
  await chmod(work, 0o755);
  const dir = join(work, name);
  const inPort = await freePort();
  const outPort = await freePort();
  const startLoad = load();
  const started = spawnSync(script, ['start', dir, String(inPort), String(outPort)], {
    encoding: 'utf8',
    timeout: 180_000,
    // Haraka is installed once into HARAKA_NPM_DIR (default a scratch folder kept between cells).
    env: {
      ...process.env,
      HARAKA_NPM_DIR: process.env['HARAKA_NPM_DIR'] ?? join(tmpdir(), 'relay-bench-haraka-npm'),
    },
  });
  if (started.status !== 0) {
    rows.push({
      server: name,
      phase: 'cold',
      ...cell,
      result: `skipped: ${name}.sh start failed: ${(started.stderr || started.stdout).trim().slice(-300)}`,
      load: startLoad,
    });
    await rm(work, { recursive: true, force: true });
    return;
  }
  try {
    const pidfile = name === 'postfix' ? join(dir, 'spool', 'pid', 'master.pid') : join(dir, 'haraka.pid');
    await loadTwice(name, cell, loadArgs(name, inPort, outPort, cell, messages, pidfile), startLoad);
  } finally {
    spawnSync(script, ['stop', dir], { encoding: 'utf8', timeout: 60_000 });
    await rm(work, { recursive: true, force: true });
  }
}

if (!existsSync(join(ANCHORS, 'load.mjs'))) {
  console.log(`relay benchmark: ${ANCHORS}/load.mjs is absent (the shared relay anchors); nothing measured`);
  process.exit(0);
}
console.log(`node ${process.version}, ${new Date().toISOString()}, load average ${load()}`);
/**
 * Before each run: the previous run's queue files (up to 100 MB, deleted) are written back and
 * discarded before this one starts, so their disk work does not land on the next relay's flushes
 * (the run after a 100 KB cell was measured up to a fifth slower without it).
 */
async function settleDisk(): Promise<void> {
  spawnSync('sync');
  await new Promise((r) => setTimeout(r, 1000));
}

for (const cell of CELLS) {
  const messages = cell.size > 10_000 ? MESSAGES_100K : MESSAGES_1K;
  await settleDisk();
  await mailroute(cell, messages, false);
  // RELAY_RULES=0 leaves out the row with the example's server mail rules.
  if (process.env['RELAY_RULES'] !== '0') {
    await settleDisk();
    await mailroute(cell, messages, true);
  }
  for (const p of PEERS) {
    await settleDisk();
    await peer(p, cell, messages);
  }
}

const f = (r: Record<string, unknown>, k: string) => (typeof r[k] === 'number' ? String(r[k]) : '-');
const sizeName = (size: number) => (size >= 1024 * 100 ? '100 KB' : '1 KB');
console.log(
  '\n| relay | run | size | clients | accepted/s | delivered/s | p50 e2e ms | p99 e2e ms | CPU s | peak RSS MB | delivered | duplicates | load |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const row of rows) {
  const size = sizeName(row.size);
  if (typeof row.result === 'string') {
    console.log(
      `| ${row.server} | ${row.phase} | ${size} | ${row.clients} | ${row.result} | | | | | | | | ${row.load} |`,
    );
    continue;
  }
  const r = row.result;
  console.log(
    `| ${row.server} | ${row.phase} | ${size} | ${row.clients} | ${f(r, 'accepted_per_s')} | ${f(r, 'delivered_per_s')} | ${f(r, 'p50_latency_ms')} | ${f(r, 'p99_latency_ms')} | ${f(r, 'relay_cpu_s')} | ${f(r, 'rss_peak_mb')} | ${f(r, 'delivered')}/${f(r, 'messages')} | ${f(r, 'duplicates')} | ${row.load} |`,
  );
}

// The targets as ratios, per cell and run: delivered/s against Postfix's (3x wanted), p50
// and peak RSS against the peers' (below both, below Haraka's).
const num = (row: Row | undefined, k: string): number | undefined =>
  row === undefined || typeof row.result === 'string' || typeof row.result[k] !== 'number'
    ? undefined
    : (row.result[k] as number);
const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined || b === 0 ? '-' : `${(a / b).toFixed(2)}x`;
console.log(
  '\n| relay | run | size | clients | delivered/s vs Postfix | vs Haraka | p50 vs Postfix | p50 vs Haraka | RSS vs Haraka |',
);
console.log('|---|---|---|---|---|---|---|---|---|');
for (const row of rows.filter((r) => r.server.startsWith('mailroute'))) {
  const peerRow = (name: string) =>
    rows.find(
      (r) => r.server === name && r.phase === row.phase && r.size === row.size && r.clients === row.clients,
    );
  const postfix = peerRow('postfix');
  const haraka = peerRow('haraka');
  console.log(
    `| ${row.server} | ${row.phase} | ${sizeName(row.size)} | ${row.clients} | ${ratio(num(row, 'delivered_per_s'), num(postfix, 'delivered_per_s'))} | ${ratio(num(row, 'delivered_per_s'), num(haraka, 'delivered_per_s'))} | ${ratio(num(row, 'p50_latency_ms'), num(postfix, 'p50_latency_ms'))} | ${ratio(num(row, 'p50_latency_ms'), num(haraka, 'p50_latency_ms'))} | ${ratio(num(row, 'rss_peak_mb'), num(haraka, 'rss_peak_mb'))} |`,
  );
}
console.log(`load average at end ${load()}`);
