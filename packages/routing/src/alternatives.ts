import type { BuiltGraph } from './graph-build.js';
import type { RouteAlternative } from './route-types.js';
import { type ReverseIndex, shortestPathTree } from './shortest-paths.js';

/**
 * Ranked alternatives from the graph's source to `target`, one per next hop: one search toward the
 * target (over in-edges, with the source excluded so no path loops back through it) gives every
 * neighbour's remaining cost; each next hop then costs its own link plus that. Sorted by cost,
 * then edge count, then node id, like the primary route.
 */
export function rankAlternatives(g: BuiltGraph, reverse: ReverseIndex, target: number): RouteAlternative[] {
  const core = g.core;
  const s = g.source;
  const toTarget = shortestPathTree(core, target, reverse, s);
  const best = new Map<number, { cost: number; hops: number }>();
  const offer = (n: number, w: number): void => {
    const rest = toTarget.dist[n]!;
    if (!Number.isFinite(rest)) return;
    const cost = w + rest;
    const hops = 1 + toTarget.hops[n]!;
    const prev = best.get(n);
    if (prev === undefined || cost < prev.cost || (cost === prev.cost && hops < prev.hops))
      best.set(n, { cost, hops });
  };
  for (let i = core.outStart[s]!, end = core.outStart[s + 1]!; i < end; i++) {
    const e = core.outEdges[i]!;
    if (core.edgeDown[e] === 0) offer(core.edgeTo[e]!, core.edgeCost[e]!);
  }
  const net = core.nodeNetwork[s]!;
  if (net >= 0) {
    for (const v of core.networkMembers[net]!) {
      if (v !== s && !core.downNetworkHops.has(s * core.nodeCount + v)) offer(v, core.networkCost);
    }
  }
  const ranked = [...best.entries()].sort(
    (a, b) => a[1].cost - b[1].cost || a[1].hops - b[1].hops || a[0] - b[0],
  );
  const bestCost = ranked.length > 0 ? ranked[0]![1].cost : 0;
  return ranked.map(([n, c], i): RouteAlternative => {
    const path = [g.nodes[s]!.name];
    for (let v = n; v >= 0; v = v === target ? -1 : toTarget.parent[v]!) path.push(g.nodes[v]!.name);
    return {
      rank: i + 1,
      kind: c.cost === bestCost ? 'equalCost' : 'nextCost',
      nextHop: g.nodes[n]!.name,
      cost: c.cost,
      path,
    };
  });
}
