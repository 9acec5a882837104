/**
 * Dijkstra's algorithm over the compact graph, with a deterministic tie-break:
 * least cost, then fewest edges, then the predecessor with the lowest node id (node ids follow
 * the sorted node names), then the lowest edge id. The same directory therefore always gives the
 * same paths, whatever the order of its documents.
 */

/** Marks a tree edge that is a Notes Named Network hop (not a stored edge). */
export const NAMED_NETWORK_EDGE = -2;
/** Marks "no edge": the root of the tree or an unreached node. */
export const NO_EDGE = -1;

/** The graph in compressed sparse row form; the routing graph builds it once. */
export interface CompactGraph {
  readonly nodeCount: number;
  /** Out-edges of node v are edgeIds outEdges[outStart[v] .. outStart[v+1]). */
  readonly outStart: Int32Array;
  readonly outEdges: Int32Array;
  readonly edgeFrom: Int32Array;
  readonly edgeTo: Int32Array;
  readonly edgeCost: Float64Array;
  /** 1 while an edge is marked down. */
  readonly edgeDown: Uint8Array;
  /** Named network id of each node, -1 for none. */
  readonly nodeNetwork: Int32Array;
  /** Sorted member node ids of each named network. */
  readonly networkMembers: readonly Int32Array[];
  /** Cost of one hop inside a named network. */
  readonly networkCost: number;
  /** Named-network hops marked down, as `from * nodeCount + to`. */
  readonly downNetworkHops: ReadonlySet<number>;
}

/** In-edges, for searches toward a destination; built on demand from a {@link CompactGraph}. */
export interface ReverseIndex {
  readonly inStart: Int32Array;
  readonly inEdges: Int32Array;
}

/** A shortest-path tree: for each node its cost, edge count and the tree edge toward the root. */
export interface PathTree {
  readonly root: number;
  readonly dist: Float64Array;
  readonly hops: Int32Array;
  /** Forward trees: the predecessor; reverse trees: the next node toward the root. -1 when none. */
  readonly parent: Int32Array;
  /** The edge id used, {@link NAMED_NETWORK_EDGE}, or {@link NO_EDGE}. */
  readonly parentEdge: Int32Array;
}

/** Builds the in-edge index. */
export function reverseIndex(g: CompactGraph): ReverseIndex {
  const n = g.nodeCount;
  const inStart = new Int32Array(n + 1);
  const m = g.edgeTo.length;
  for (let e = 0; e < m; e++) inStart[g.edgeTo[e]! + 1]!++;
  for (let v = 0; v < n; v++) inStart[v + 1]! += inStart[v]!;
  const fill = inStart.slice(0, n);
  const inEdges = new Int32Array(m);
  for (let e = 0; e < m; e++) inEdges[fill[g.edgeTo[e]!]!++] = e;
  return { inStart, inEdges };
}

/** An indexed binary min-heap of node ids ordered by (dist, hops, id). */
class NodeHeap {
  readonly #heap: Int32Array;
  readonly #pos: Int32Array;
  #size = 0;
  constructor(
    n: number,
    private readonly dist: Float64Array,
    private readonly hops: Int32Array,
  ) {
    this.#heap = new Int32Array(n);
    this.#pos = new Int32Array(n).fill(-1);
  }
  get size(): number {
    return this.#size;
  }
  #less(a: number, b: number): boolean {
    const da = this.dist[a]!;
    const db = this.dist[b]!;
    if (da !== db) return da < db;
    const ha = this.hops[a]!;
    const hb = this.hops[b]!;
    return ha !== hb ? ha < hb : a < b;
  }
  /** Inserts v or moves it up after its key decreased. */
  push(v: number): void {
    let i = this.#pos[v]!;
    if (i < 0) {
      i = this.#size++;
      this.#heap[i] = v;
      this.#pos[v] = i;
    }
    const heap = this.#heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pv = heap[p]!;
      if (!this.#less(v, pv)) break;
      heap[i] = pv;
      this.#pos[pv] = i;
      i = p;
    }
    heap[i] = v;
    this.#pos[v] = i;
  }
  pop(): number {
    const heap = this.#heap;
    const top = heap[0]!;
    this.#pos[top] = -2; // settled
    const last = heap[--this.#size]!;
    if (this.#size > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= this.#size) break;
        const r = l + 1;
        const c = r < this.#size && this.#less(heap[r]!, heap[l]!) ? r : l;
        if (!this.#less(heap[c]!, last)) break;
        heap[i] = heap[c]!;
        this.#pos[heap[i]!] = i;
        i = c;
      }
      heap[i] = last;
      this.#pos[last] = i;
    }
    return top;
  }
  settled(v: number): boolean {
    return this.#pos[v] === -2;
  }
}

/**
 * Computes the shortest-path tree rooted at `root`. With `reverse`, paths lead *to* the root (the
 * search follows in-edges), which gives every node's cost to one destination. `excluded`, when
 * not -1, is a node no path may pass through (used for alternatives that must not loop back
 * through the sending server).
 */
export function shortestPathTree(
  g: CompactGraph,
  root: number,
  reverse?: ReverseIndex,
  excluded = -1,
): PathTree {
  const n = g.nodeCount;
  const dist = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  const hops = new Int32Array(n);
  const parent = new Int32Array(n).fill(-1);
  const parentEdge = new Int32Array(n).fill(NO_EDGE);
  const tree: PathTree = { root, dist, hops, parent, parentEdge };
  if (root < 0 || root >= n) return tree;
  const heap = new NodeHeap(n, dist, hops);
  dist[root] = 0;
  heap.push(root);
  const starts = reverse ? reverse.inStart : g.outStart;
  const list = reverse ? reverse.inEdges : g.outEdges;
  const ends = reverse ? g.edgeFrom : g.edgeTo;
  const anyDownHops = g.downNetworkHops.size > 0;

  const relax = (u: number, v: number, w: number, edge: number): void => {
    if (v === excluded || heap.settled(v)) return;
    const d = dist[u]! + w;
    const h = hops[u]! + 1;
    const dv = dist[v]!;
    if (d > dv) return;
    if (d === dv) {
      const hv = hops[v]!;
      if (h > hv) return;
      if (h === hv) {
        const pv = parent[v]!;
        if (u > pv) return;
        if (u === pv && edgeRank(edge) >= edgeRank(parentEdge[v]!)) return;
      }
    }
    dist[v] = d;
    hops[v] = h;
    parent[v] = u;
    parentEdge[v] = edge;
    heap.push(v);
  };

  while (heap.size > 0) {
    const u = heap.pop();
    for (let i = starts[u]!, end = starts[u + 1]!; i < end; i++) {
      const e = list[i]!;
      if (g.edgeDown[e] === 1) continue;
      relax(u, ends[e]!, g.edgeCost[e]!, e);
    }
    const net = g.nodeNetwork[u]!;
    if (net >= 0) {
      const members = g.networkMembers[net]!;
      for (let i = 0; i < members.length; i++) {
        const v = members[i]!;
        if (v === u) continue;
        // A down hop is directional: from u to v when searching forward, v to u in reverse.
        if (anyDownHops && g.downNetworkHops.has(reverse ? v * n + u : u * n + v)) continue;
        relax(u, v, g.networkCost, NAMED_NETWORK_EDGE);
      }
    }
  }
  return tree;
}

/** Stored edges rank before named-network hops, lower ids first. */
function edgeRank(edge: number): number {
  return edge < 0 ? Number.MAX_SAFE_INTEGER : edge;
}
