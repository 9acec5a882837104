/**
 * Benchmark of @mailroute/routing on a generated directory of 10,000 servers, 100,000 connections
 * and 1,000,000 persons. There is no peer library for Domino routing, so each figure is printed
 * against the target and against a naive baseline measured in the same run (a textbook
 * Dijkstra per query without a cache; a linear scan of the person documents per lookup).
 * Run: node --expose-gc test/bench/routing/dist/routing.bench.js
 */
import { loadavg } from 'node:os';
import { buildRoutingGraph, loadDirectory, type RoutingGraph, resolveRecipient } from '@mailroute/routing';
import { prng } from '@mailroute/test-support';

const SERVERS = 10_000;
const CONNECTIONS = 100_000;
const PERSONS = 1_000_000;
const SERVERS_PER_NETWORK = 10;

const serverName = (i: number) => `CN=S${i}/OU=Site${i % 100}/O=Bench`;
const shortServer = (i: number) => `S${i}/Site${i % 100}/Bench`;

interface BenchConnection {
  source: string;
  destination: string;
  cost: number;
  type?: string;
  destinationDomain?: string;
}

function generate() {
  const rand = prng(2026);
  const servers = Array.from({ length: SERVERS }, (_, i) => ({
    name: serverName(i),
    domain: 'Bench',
    namedNetwork: `net${Math.floor(i / SERVERS_PER_NETWORK)}`,
  }));
  const connections: BenchConnection[] = new Array(CONNECTIONS);
  for (let k = 0; k < CONNECTIONS; k++) {
    const a = Math.floor(rand() * SERVERS);
    let b = Math.floor(rand() * SERVERS);
    if (b === a) b = (a + 1) % SERVERS;
    connections[k] = {
      source: shortServer(a),
      destination: serverName(b),
      cost: 1 + Math.floor(rand() * 10),
    };
  }
  for (const g of [17, 4711, 9001]) {
    connections.push({
      source: shortServer(g),
      destination: 'ALL-INTERNET-HOSTS',
      destinationDomain: 'all_the_internet',
      type: 'smtp',
      cost: 1,
    });
  }
  const persons = new Array(PERSONS);
  for (let i = 0; i < PERSONS; i++) {
    persons[i] = {
      fullNames: [`CN=User ${i}/OU=Site${i % 100}/O=Bench`],
      shortNames: [`u${i}`],
      internetAddress: `user${i}@bench.example`,
      mailServer: serverName(i % SERVERS),
      mailFile: `mail/u${i}.nsf`,
    };
  }
  return {
    servers,
    connections,
    persons,
    domains: [{ type: 'foreignSmtp', internetDomain: '*.*', routeToDomain: 'all_the_internet' }],
    globalDomains: [{ primaryDomain: 'bench.example', aliases: ['bench.test'], isDefault: true }],
  };
}

function ms(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** CPU time of this process since `start`, in ms: less sensitive than wall time to other load. */
function cpuMs(start: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(start);
  return (u.user + u.system) / 1000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function fmt(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2);
}

function line(label: string, value: string, target: string, baseline?: string): void {
  console.log(`${label.padEnd(44)} ${value.padStart(16)}   target ${target.padEnd(14)} ${baseline ?? ''}`);
}

/**
 * Textbook Dijkstra, run from scratch for every query: adjacency lists in a Map keyed by server
 * name, a binary heap of [cost, name] pairs with lazy deletion, no cache.
 */
function naiveRoute(
  adj: Map<string, { to: string; cost: number }[]>,
  source: string,
  target: string,
): number {
  const dist = new Map<string, number>([[source, 0]]);
  const heap: [number, string][] = [[0, source]];
  const push = (item: [number, string]) => {
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (heap[p]![0] <= item[0]) break;
      heap[i] = heap[p]!;
      i = p;
    }
    heap[i] = item;
  };
  const pop = (): [number, string] => {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= heap.length) break;
        const c = l + 1 < heap.length && heap[l + 1]![0] < heap[l]![0] ? l + 1 : l;
        if (heap[c]![0] >= last[0]) break;
        heap[i] = heap[c]!;
        i = c;
      }
      heap[i] = last;
    }
    return top;
  };
  const done = new Set<string>();
  while (heap.length > 0) {
    const [d, u] = pop();
    if (done.has(u)) continue;
    if (u === target) return d;
    done.add(u);
    for (const { to, cost } of adj.get(u) ?? []) {
      const nd = d + cost;
      if (nd < (dist.get(to) ?? Number.POSITIVE_INFINITY)) {
        dist.set(to, nd);
        push([nd, to]);
      }
    }
  }
  return Number.POSITIVE_INFINITY;
}

function main(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  console.log(
    `@mailroute/routing benchmark: ${SERVERS} servers, ${CONNECTIONS} connections, ${PERSONS} persons`,
  );
  // Wall-clock figures on a shared machine: print how busy it was, so readers can weigh them.
  console.log(
    `load average at start: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  let t = process.hrtime.bigint();
  const json = generate();
  console.log(`generate directory data: ${fmt(ms(t))} ms`);

  gc?.();
  // The heap before loading holds the generated input; what loadDirectory keeps is the difference.
  const heapBefore = process.memoryUsage().heapUsed;
  const cpuLoad = process.cpuUsage();
  t = process.hrtime.bigint();
  const { directory, problems } = loadDirectory(json);
  const loadMs = ms(t);
  const loadCpuMs = cpuMs(cpuLoad);
  if (problems.length > 0) throw new Error(`unexpected problems: ${JSON.stringify(problems.slice(0, 3))}`);
  gc?.();
  const heapAfter = process.memoryUsage().heapUsed;
  console.log(
    `loadDirectory (validate + index): ${fmt(loadMs)} ms wall, ${fmt(loadCpuMs)} ms CPU; heap ${fmt(heapAfter / 2 ** 20)} MiB (input ${fmt(heapBefore / 2 ** 20)} MiB, directory +${fmt((heapAfter - heapBefore) / 2 ** 20)} MiB)\n`,
  );

  // Graph build: warm up once, then the median of five.
  const thisServer = shortServer(0);
  buildRoutingGraph(directory, thisServer);
  const builds: number[] = [];
  let graph: RoutingGraph | undefined;
  for (let i = 0; i < 5; i++) {
    t = process.hrtime.bigint();
    graph = buildRoutingGraph(directory, thisServer);
    builds.push(ms(t));
  }
  const g = graph!;
  t = process.hrtime.bigint();
  g.route(serverName(1));
  const firstRouteMs = ms(t);

  // Cached route queries over 1,000 destinations.
  const rand = prng(99);
  const destinations = Array.from({ length: 1000 }, () => shortServer(Math.floor(rand() * SERVERS)));
  for (const d of destinations) g.route(d);
  const QUERIES = 2_000_000;
  const cpuRoutes = process.cpuUsage();
  t = process.hrtime.bigint();
  let found = 0;
  for (let i = 0; i < QUERIES; i++) if (g.route(destinations[i % 1000]!).found) found++;
  const cachedQps = QUERIES / (ms(t) / 1000);
  const cachedCpu = QUERIES / (cpuMs(cpuRoutes) / 1000);
  if (found === 0) throw new Error('no route found');

  // Naive baseline: a fresh textbook Dijkstra per query.
  const adj = new Map<string, { to: string; cost: number }[]>();
  for (const c of json.connections) {
    if (c.destinationDomain !== undefined) continue;
    const list = adj.get(c.source.toLowerCase()) ?? [];
    list.push({ to: c.destination.replace(/(^|\/)\w+=/g, '$1').toLowerCase(), cost: c.cost });
    adj.set(c.source.toLowerCase(), list);
  }
  for (let i = 0; i < SERVERS; i += SERVERS_PER_NETWORK) {
    for (let a = i; a < i + SERVERS_PER_NETWORK; a++) {
      const list = adj.get(shortServer(a).toLowerCase()) ?? [];
      for (let b = i; b < i + SERVERS_PER_NETWORK; b++)
        if (a !== b) list.push({ to: shortServer(b).toLowerCase(), cost: 1 });
      adj.set(shortServer(a).toLowerCase(), list);
    }
  }
  const NAIVE = 200;
  naiveRoute(adj, thisServer.toLowerCase(), destinations[0]!.toLowerCase());
  t = process.hrtime.bigint();
  for (let i = 0; i < NAIVE; i++) naiveRoute(adj, thisServer.toLowerCase(), destinations[i]!.toLowerCase());
  const naiveQps = NAIVE / (ms(t) / 1000);
  for (let i = 0; i < 5; i++) {
    const r = g.route(destinations[i]!);
    const expected = naiveRoute(adj, thisServer.toLowerCase(), destinations[i]!.toLowerCase());
    if (!r.found || r.cost !== expected)
      throw new Error(`route cost differs from the baseline for ${destinations[i]}`);
  }

  // Edge down: time marking the first hop of a route down plus the next answer (the recompute); bring it back.
  const downTimes: number[] = [];
  const downCpu: number[] = [];
  for (let i = 0; i < 20; i++) {
    const dest = destinations[i]!;
    const before = g.route(dest);
    if (!before.found || before.nextHop === undefined) continue;
    const cpuDown = process.cpuUsage();
    t = process.hrtime.bigint();
    g.markDown(thisServer, before.nextHop);
    g.route(dest);
    downTimes.push(ms(t));
    downCpu.push(cpuMs(cpuDown));
    g.markUp(thisServer, before.nextHop);
    g.route(dest);
  }
  t = process.hrtime.bigint();
  g.alternatives(destinations[0]!);
  const alternativesMs = ms(t);

  // Recipient resolution: Internet addresses (half via the alias domain) and directory lookups.
  const RESOLVE = 1_000_000;
  const addresses = Array.from({ length: 4096 }, (_, i) => {
    const k = Math.floor(rand() * PERSONS);
    return i % 2 === 0 ? `user${k}@bench.example` : `User${k}@Bench.Example`;
  });
  const aliasAddresses = addresses.map((a) => a.replace(/@.*/, '@bench.test'));
  for (let i = 0; i < 10_000; i++) resolveRecipient(directory, addresses[i & 4095]!);
  const cpuResolve = process.cpuUsage();
  t = process.hrtime.bigint();
  let persons = 0;
  for (let i = 0; i < RESOLVE; i++)
    if (resolveRecipient(directory, addresses[i & 4095]!).outcome === 'person') persons++;
  const resolveQps = RESOLVE / (ms(t) / 1000);
  const resolveCpu = RESOLVE / (cpuMs(cpuResolve) / 1000);
  if (persons !== RESOLVE) throw new Error(`resolved ${persons} of ${RESOLVE}`);
  const cpuAlias = process.cpuUsage();
  t = process.hrtime.bigint();
  for (let i = 0; i < RESOLVE; i++) resolveRecipient(directory, aliasAddresses[i & 4095]!);
  const aliasQps = RESOLVE / (ms(t) / 1000);
  const aliasCpu = RESOLVE / (cpuMs(cpuAlias) / 1000);
  const lookups = addresses.map((a) => a.toLowerCase());
  const cpuLookup = process.cpuUsage();
  t = process.hrtime.bigint();
  let hits = 0;
  for (let i = 0; i < RESOLVE; i++) hits += directory.findByInternetAddress(lookups[i & 4095]!).length;
  const lookupQps = RESOLVE / (ms(t) / 1000);
  const lookupCpu = RESOLVE / (cpuMs(cpuLookup) / 1000);
  if (hits !== RESOLVE) throw new Error('lookup missed');

  // Naive baseline: scan the person documents for the address.
  const all = json.persons as { internetAddress: string }[];
  const SCANS = 20;
  t = process.hrtime.bigint();
  for (let i = 0; i < SCANS; i++) {
    const want = lookups[i]!;
    if (!all.some((p) => p.internetAddress.toLowerCase() === want)) throw new Error('scan missed');
  }
  const scanQps = SCANS / (ms(t) / 1000);

  console.log(
    `load average at end: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}\n`,
  );
  console.log(
    `${'measure'.padEnd(44)} ${'value'.padStart(16)}   ${'issue target'.padEnd(21)} vs naive baseline`,
  );
  line(
    'graph build (median of 5)',
    `${fmt(median(builds))} ms`,
    '< 1,000 ms',
    `(${g.nodes.length} nodes, ${g.edgeCount} edges)`,
  );
  line('first route (full Dijkstra)', `${fmt(firstRouteMs)} ms`, '-');
  line(
    'cached route queries',
    `${fmt(cachedQps)} /s`,
    '>= 500,000/s',
    `x${fmt(cachedQps / naiveQps)} (naive Dijkstra ${fmt(naiveQps)}/s)`,
  );
  line(
    'edge down, recompute (median of 20)',
    `${fmt(median(downTimes))} ms`,
    '< 50 ms',
    `max ${fmt(Math.max(...downTimes))} ms`,
  );
  line('alternatives to one destination', `${fmt(alternativesMs)} ms`, '-');
  line(
    'recipient resolutions (resolveRecipient)',
    `${fmt(resolveQps)} /s`,
    '-',
    `x${fmt(resolveQps / scanQps)} (linear scan ${fmt(scanQps)}/s)`,
  );
  line('resolutions via GDD alias domain', `${fmt(aliasQps)} /s`, '-');
  line(
    'directory lookups (findByInternetAddress)',
    `${fmt(lookupQps)} /s`,
    '>= 1,000,000/s',
    `x${fmt(lookupQps / scanQps)}`,
  );
  console.log('\nper CPU second of this process (user + system time; GC threads included):');
  line('cached route queries', `${fmt(cachedCpu)} /s`, '>= 500,000/s');
  line(
    'edge down, recompute (median of 20)',
    `${fmt(median(downCpu))} ms`,
    '< 50 ms',
    `max ${fmt(Math.max(...downCpu))} ms`,
  );
  line('recipient resolutions (resolveRecipient)', `${fmt(resolveCpu)} /s`, '-');
  line('resolutions via GDD alias domain', `${fmt(aliasCpu)} /s`, '-');
  line('directory lookups (findByInternetAddress)', `${fmt(lookupCpu)} /s`, '>= 1,000,000/s');
}

main();
