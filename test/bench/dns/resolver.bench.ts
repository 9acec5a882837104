/**
 * Benchmark: cached MX lookups per second, and 10,000 concurrent lookups of one uncached name
 * (upstream queries sent, time), for @mailroute/dns beside node's dns.promises used directly.
 * Both ask the same loopback responder, which counts the queries it receives.
 * Run: node --expose-gc test/bench/dns/dist/resolver.bench.js
 */
import { createSocket } from 'node:dgram';
import { promises as dnsPromises } from 'node:dns';
import { createNodeResolverTransport, createResolver } from '@mailroute/dns';
import { type DnsRecord, decodeMessage, encodeResponse } from '@mailroute/dns/wire';

interface Upstream {
  readonly server: string;
  count(name: string, type: string): number;
  close(): Promise<void>;
}

/** A loopback UDP responder: MX for *.bench, A for mx.*.bench, counting every query. */
async function startUpstream(): Promise<Upstream> {
  const counts = new Map<string, number>();
  const socket = createSocket('udp4');
  socket.on('message', (msg, rinfo) => {
    const d = decodeMessage(msg);
    if (!d.ok || !d.value.question) return;
    const q = d.value.question;
    const key = `${q.type} ${q.name}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    let answers: DnsRecord[] = [];
    if (q.type === 'MX') {
      answers = [
        { type: 'MX', name: q.name, ttl: 3600, preference: 10, exchange: `mx1.${q.name}` },
        { type: 'MX', name: q.name, ttl: 3600, preference: 10, exchange: `mx2.${q.name}` },
        { type: 'MX', name: q.name, ttl: 3600, preference: 20, exchange: `mx3.${q.name}` },
      ];
    } else if (q.type === 'A') {
      answers = [{ type: 'A', name: q.name, ttl: 3600, address: '192.0.2.1' }];
    }
    socket.send(encodeResponse(d.value.id, q, { answers }), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  return {
    server: `127.0.0.1:${port}`,
    count: (name, type) => counts.get(`${type} ${name}`) ?? 0,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

const ms = (ns: bigint) => Number(ns) / 1e6;
const gc = (globalThis as { gc?: () => void }).gc;

async function main() {
  const up = await startUpstream();
  const cached = 2_000_000;
  const nodeSequential = 2_000;
  const concurrent = 10_000;

  // Cached MX lookups: ours from its cache; node's dns.promises has no cache, so each is a query.
  const ours = createResolver({ servers: [up.server] });
  for (let i = 0; i < 100_000; i++) await ours.resolveMx('warm.bench'); // warm up (first fills the cache)
  gc?.();
  let t = process.hrtime.bigint();
  for (let i = 0; i < cached; i++) await ours.resolveMx('warm.bench');
  const oursCachedMs = ms(process.hrtime.bigint() - t);
  const oursPerSec = cached / (oursCachedMs / 1000);

  const node = new dnsPromises.Resolver({ timeout: 2000, tries: 1 });
  node.setServers([up.server]);
  for (let i = 0; i < 200; i++) await node.resolveMx('warm.bench');
  gc?.();
  t = process.hrtime.bigint();
  for (let i = 0; i < nodeSequential; i++) await node.resolveMx('warm.bench');
  const nodeMs = ms(process.hrtime.bigint() - t);
  const nodePerSec = nodeSequential / (nodeMs / 1000);

  // 10,000 concurrent lookups of one name nobody has asked for yet.
  gc?.();
  t = process.hrtime.bigint();
  const oursAll = await Promise.all(Array.from({ length: concurrent }, () => ours.resolveMx('cold.bench')));
  const oursColdMs = ms(process.hrtime.bigint() - t);
  const oursMxQueries = up.count('cold.bench', 'MX');
  gc?.();
  t = process.hrtime.bigint();
  const nodeAll = await Promise.allSettled(
    Array.from({ length: concurrent }, () => node.resolveMx('cold2.bench')),
  );
  const nodeColdMs = ms(process.hrtime.bigint() - t);
  const nodeOk = nodeAll.filter((r) => r.status === 'fulfilled').length;
  const nodeErrors = new Map<string, number>();
  for (const r of nodeAll) {
    if (r.status === 'rejected') {
      const code = String((r.reason as { code?: string }).code);
      nodeErrors.set(code, (nodeErrors.get(code) ?? 0) + 1);
    }
  }

  // Uncached single queries (a new name each time): the wire transport against node's resolver as a
  // transport, and node's resolve4 directly. This is the measured basis of the default transport.
  const uncached = 3_000;
  const wire = createResolver({ servers: [up.server] });
  const viaNode = createResolver({ transport: createNodeResolverTransport({ servers: [up.server] }) });
  const timeUnique = async (prefix: string, fn: (name: string) => Promise<unknown>) => {
    for (let i = 0; i < 300; i++) await fn(`w${i}.${prefix}.bench`);
    gc?.();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < uncached; i++) await fn(`n${i}.${prefix}.bench`);
    return uncached / (ms(process.hrtime.bigint() - t0) / 1000);
  };
  const wirePerSec = await timeUnique('wire', (n) => wire.resolveA(n));
  const nodeTransportPerSec = await timeUnique('nodet', (n) => viaNode.resolveA(n));
  const nodeDirectPerSec = await timeUnique('direct', (n) => node.resolve4(n, { ttl: true }));

  const rows = [
    ['measure', '@mailroute/dns', 'node dns.promises', 'ratio'],
    [
      'MX lookups/s (ours cached; node uncached, no cache)',
      oursPerSec.toFixed(0),
      nodePerSec.toFixed(0),
      `${(oursPerSec / nodePerSec).toFixed(1)}x`,
    ],
    [
      `${concurrent} concurrent MX lookups, one uncached name: ms`,
      oursColdMs.toFixed(1),
      nodeColdMs.toFixed(1),
      `${(nodeColdMs / oursColdMs).toFixed(1)}x faster`,
    ],
    [
      '  upstream MX queries received by the responder',
      String(oursMxQueries),
      String(up.count('cold2.bench', 'MX')),
      '',
    ],
    ['  lookups answered', String(oursAll.length), String(nodeOk), ''],
  ];
  rows.push(
    [
      'uncached A queries/s: wire transport | node transport',
      wirePerSec.toFixed(0),
      nodeTransportPerSec.toFixed(0),
      `${(wirePerSec / nodeTransportPerSec).toFixed(2)}x`,
    ],
    ['uncached A queries/s: node resolve4 used directly', '', nodeDirectPerSec.toFixed(0), ''],
  );
  if (nodeErrors.size > 0)
    rows.push(['  node errors', '', [...nodeErrors].map(([k, v]) => `${k}:${v}`).join(' '), '']);
  for (const r of rows)
    console.log(`${r[0]!.padEnd(56)} ${r[1]!.padStart(14)} ${r[2]!.padStart(18)} ${r[3]!.padStart(14)}`);
  console.log(
    `\ntargets: >= 1,000,000 cached lookups/s: ${oursPerSec >= 1e6 ? 'met' : 'NOT met'}; one upstream query for ${concurrent} concurrent: ${oursMxQueries === 1 ? 'met' : 'NOT met'}`,
  );
  console.log(`stats: ${JSON.stringify(ours.stats())}`);
  await up.close();
}

await main();
