import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prng } from '@mailroute/testing';
import { buildRoutingGraph, type FoundRoute, loadDirectory, type RoutingGraph } from '../src/index.js';

interface Case {
  names: string[];
  /** Explicit links, named-network pairs expanded: [from, to, cost]. */
  links: [number, number, number][];
  json: Record<string, unknown>;
}

function randomCase(rand: () => number): Case {
  const n = 2 + Math.floor(rand() * 6);
  const names = Array.from({ length: n }, (_, i) => `S${String.fromCharCode(65 + ((i * 7) % 26))}${i}/Org`);
  const nnn = names.map(() => (rand() < 0.5 ? Math.floor(rand() * 2) : -1));
  const servers = names.map((name, i) => ({
    name,
    domain: 'Dom',
    ...(nnn[i]! >= 0 ? { namedNetwork: `net${nnn[i]}` } : {}),
  }));
  const connections: Record<string, unknown>[] = [];
  const links: [number, number, number][] = [];
  const m = Math.floor(rand() * n * 3);
  for (let k = 0; k < m; k++) {
    const a = Math.floor(rand() * n);
    const b = Math.floor(rand() * n);
    if (a === b) continue;
    const cost = Math.floor(rand() * 5);
    const enabled = rand() < 0.9;
    connections.push({ source: names[a], destination: names[b], cost, enabled });
    if (enabled) links.push([a, b, cost]);
  }
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) if (a !== b && nnn[a]! >= 0 && nnn[a] === nnn[b]) links.push([a, b, 1]);
  }
  return { names, links, json: { servers, connections } };
}

/** Least cost over every simple path from `s` to each node, optionally forcing the first hop. */
function bruteForce(c: Case, s: number, down: Set<string>, firstHop = -1): number[] {
  const n = c.names.length;
  const best = new Array<number>(n).fill(Number.POSITIVE_INFINITY);
  const usable = c.links.filter(([a, b]) => !down.has(`${a}>${b}`));
  const visit = (v: number, cost: number, seen: Set<number>) => {
    if (cost < best[v]!) best[v] = cost;
    for (const [a, b, w] of usable) {
      if (a !== v || seen.has(b)) continue;
      if (v === s && firstHop >= 0 && b !== firstHop) continue;
      seen.add(b);
      visit(b, cost + w, seen);
      seen.delete(b);
    }
  };
  visit(s, 0, new Set([s]));
  if (firstHop >= 0) best[s] = Number.POSITIVE_INFINITY;
  return best;
}

function checkRoutes(c: Case, graph: RoutingGraph, down: Set<string>): (FoundRoute | undefined)[] {
  const expected = bruteForce(c, 0, down);
  return c.names.map((name, t) => {
    const r = graph.route(name);
    if (!Number.isFinite(expected[t]!)) {
      assert.equal(r.found, false, `${name} should be unreachable`);
      return undefined;
    }
    assert.ok(r.found, `${name} should be reachable at cost ${expected[t]}`);
    assert.equal(r.cost, expected[t], `cost to ${name}`);
    // The path is real: every hop is an up link with the cost claimed, and they add up.
    let sum = 0;
    for (const hop of r.hops) {
      const a = c.names.indexOf(hop.from);
      const b = c.names.indexOf(hop.to);
      assert.ok(!down.has(`${a}>${b}`), `hop ${hop.from}->${hop.to} is down`);
      assert.ok(
        c.links.some(([x, y, w]) => x === a && y === b && w === hop.cost),
        `no link ${hop.from}->${hop.to}`,
      );
      sum += hop.cost;
    }
    assert.equal(sum, r.cost);
    return r;
  });
}

describe('least-cost routes against brute force on random small graphs', () => {
  it('is never more expensive than any path, and hop removal never makes a route cheaper', () => {
    const rand = prng(20261121);
    for (let iteration = 0; iteration < 300; iteration++) {
      const c = randomCase(rand);
      const { directory, problems } = loadDirectory(c.json);
      assert.equal(problems.filter((p) => p.severity === 'error').length, 0, JSON.stringify(problems));
      const graph = buildRoutingGraph(directory, c.names[0]!);
      const before = checkRoutes(c, graph, new Set());

      // Alternatives: one per next hop, each the cheapest path starting with that hop.
      for (let t = 1; t < c.names.length; t++) {
        const alts = graph.alternatives(c.names[t]!);
        for (const alt of alts) {
          const first = c.names.indexOf(alt.nextHop);
          const viaHop = bruteForceAvoidingSource(c, first, t);
          assert.equal(alt.cost, viaHop, `alternative via ${alt.nextHop} to ${c.names[t]}`);
        }
        if (before[t] !== undefined) {
          assert.ok(alts.length > 0);
          assert.equal(alts[0]!.cost, before[t]!.cost);
          assert.equal(alts[0]!.kind, 'equalCost');
        }
      }

      // Take some links down, one pair at a time.
      const down = new Set<string>();
      const fresh = buildRoutingGraph(directory, c.names[0]!);
      for (let k = 0; k < 3 && c.links.length > 0; k++) {
        const [a, b] = c.links[Math.floor(rand() * c.links.length)]!;
        down.add(`${a}>${b}`);
        graph.markDown(c.names[a]!, c.names[b]!);
        fresh.markDown(c.names[a]!, c.names[b]!);
      }
      const after = checkRoutes(c, graph, down);
      after.forEach((r, t) => {
        if (r !== undefined)
          assert.ok(before[t] !== undefined && r.cost >= before[t]!.cost, 'removal made a route cheaper');
      });
      // The incrementally updated graph answers exactly as one that never saw the links up.
      assert.deepEqual(
        c.names.map((n) => graph.route(n)),
        c.names.map((n) => fresh.route(n)),
      );
      for (const key of down) {
        const [a, b] = key.split('>').map(Number);
        graph.markUp(c.names[a!]!, c.names[b!]!);
      }
      assert.deepEqual(
        c.names.map((n) => graph.route(n)),
        before.map((r, t) => r ?? graph.route(c.names[t]!)),
      );
    }
  });

  it('gives the same paths whatever the order of the documents', () => {
    const rand = prng(7);
    for (let iteration = 0; iteration < 100; iteration++) {
      const c = randomCase(rand);
      const reversed = {
        servers: [...(c.json['servers'] as unknown[])].reverse(),
        connections: [...(c.json['connections'] as unknown[])].reverse(),
      };
      const g1 = buildRoutingGraph(loadDirectory(c.json).directory, c.names[0]!);
      const g2 = buildRoutingGraph(loadDirectory(reversed).directory, c.names[0]!);
      for (const name of c.names) {
        const r1 = g1.route(name);
        const r2 = g2.route(name);
        assert.deepEqual(r1.found && r1.path, r2.found && r2.path);
      }
    }
  });
});

/** Cheapest path from the source (0) that starts with the hop to `first` and never returns to 0. */
function bruteForceAvoidingSource(c: Case, first: number, t: number): number {
  return bruteForce(c, 0, new Set(), first)[t]!;
}
