import { nameKey } from '@mailroute/envelope/notes-name';
import { rankAlternatives } from './alternatives.js';
import type { Directory } from './directory.js';
import { explainRoute, formatRoutingTable } from './explain.js';
import { type BuiltGraph, buildGraph, type RoutingNode } from './graph-build.js';
import type { DirectoryProblem, ForeignSmtpDomainDocument } from './model.js';
import { matchesDomainPattern, normalizeDomain, patternSpecificity } from './names.js';
import type {
  FoundRoute,
  LeastCostRoute,
  NoRoute,
  RouteAlternative,
  RouteDestination,
  RouteHop,
} from './route-types.js';
import {
  NAMED_NETWORK_EDGE,
  type PathTree,
  type ReverseIndex,
  reverseIndex,
  shortestPathTree,
} from './shortest-paths.js';

interface Target {
  readonly id: number;
  readonly label: string;
  readonly kind: 'server' | 'domain';
  readonly foreign?: ForeignSmtpDomainDocument;
}

/** Bound on the cache of raw destination strings (callers may send arbitrary names). */
const MAX_CACHED_NAMES = 65_536;

/**
 * The routing graph as seen from one server: least-cost routes with a deterministic tie-break
 * (cost, then fewest edges, then lowest names), ranked alternatives per next hop, hops that can be
 * marked down and up again, and a route cache. Marking a hop down or up recomputes only when the
 * hop lies on (or would improve) the current shortest-path tree, and then only the search, never
 * the graph.
 */
export class RoutingGraph {
  readonly #g: BuiltGraph;
  readonly #thisServer: string;
  #tree: PathTree | undefined;
  #reverse: ReverseIndex | undefined;
  readonly #routes = new Map<Target, FoundRoute>();
  readonly #alternatives = new Map<number, readonly RouteAlternative[]>();
  readonly #targets = new Map<string, Target | string>();
  #recomputes = 0;

  /** Internal: use {@link buildRoutingGraph}. @hidden */
  constructor(built: BuiltGraph, thisServer: string) {
    this.#g = built;
    this.#thisServer = built.source >= 0 ? built.nodes[built.source]!.name : thisServer;
  }

  /** The server the routes start from. */
  get thisServer(): string {
    return this.#thisServer;
  }

  /** The Notes domain of this server. */
  get localDomain(): string {
    return this.#g.localDomain;
  }

  /** Problems met while building: unknown servers, dangling connections, bad costs. */
  get problems(): readonly DirectoryProblem[] {
    return this.#g.problems;
  }

  /** Every node, in id order (sorted by name). */
  get nodes(): readonly RoutingNode[] {
    return this.#g.nodes;
  }

  /** Number of stored edges (named-network links are implicit and not counted). */
  get edgeCount(): number {
    return this.#g.edgeCount;
  }

  /** How many times the shortest-path tree was computed (for tests and tuning). */
  get recomputations(): number {
    return this.#recomputes;
  }

  /** The least-cost route to a destination; answers are cached until a hop on the tree changes. */
  route(destination: RouteDestination): LeastCostRoute {
    const target = this.#target(destination);
    if (typeof target === 'string') return this.#noRoute(destination, target);
    const cached = this.#routes.get(target);
    if (cached !== undefined) return cached;
    const tree = this.#currentTree();
    if (!Number.isFinite(tree.dist[target.id]!)) return this.#noRoute(destination, target.label, target);
    const route = this.#buildRoute(tree, target);
    // Keys are the cached Target objects, so this map is bounded like the name cache.
    this.#routes.set(target, route);
    return route;
  }

  /**
   * Ranked alternatives to a destination, one per next hop of this server: for each neighbour, the
   * least-cost path that starts with that hop and does not come back through this server.
   * `equalCost` entries cost as much as the best route; `nextCost` entries are the fail-over ranks.
   */
  alternatives(destination: RouteDestination): readonly RouteAlternative[] {
    const target = this.#target(destination);
    const s = this.#g.source;
    if (typeof target === 'string' || s < 0 || target.id === s) return [];
    const cached = this.#alternatives.get(target.id);
    if (cached !== undefined) return cached;
    this.#reverse ??= reverseIndex(this.#g.core);
    const out = rankAlternatives(this.#g, this.#reverse, target.id);
    this.#alternatives.set(target.id, out);
    return out;
  }

  /**
   * Marks the hop `from` -> `to` down (every Connection edge between them, and their named-network
   * link). Returns how many links changed state; 0 when the names are unknown or already down.
   */
  markDown(from: string, to: string): number {
    return this.#setDown(from, to, true);
  }

  /** Marks the hop `from` -> `to` up again. Returns how many links changed state. */
  markUp(from: string, to: string): number {
    return this.#setDown(from, to, false);
  }

  /** The hops currently marked down, as `[from, to]` name pairs. */
  downHops(): readonly (readonly [string, string])[] {
    const g = this.#g.core;
    const out: [string, string][] = [];
    for (let e = 0; e < g.edgeDown.length; e++) {
      if (g.edgeDown[e] === 1)
        out.push([this.#g.nodes[g.edgeFrom[e]!]!.name, this.#g.nodes[g.edgeTo[e]!]!.name]);
    }
    for (const key of g.downNetworkHops) {
      out.push([this.#g.nodes[Math.floor(key / g.nodeCount)]!.name, this.#g.nodes[key % g.nodeCount]!.name]);
    }
    return out;
  }

  /** A `DebugRouter=2`-style explanation of how a destination is routed, one line per step. */
  explain(destination: RouteDestination): string {
    const route = this.route(destination);
    return explainRoute(
      this.#thisServer,
      destination,
      route,
      route.found ? this.alternatives(destination) : [],
      this.downHops(),
    );
  }

  /** The routing table of this server: every destination with its cost, next hop and path. */
  routingTable(): string {
    const tree = this.#currentTree();
    const rows = this.#g.nodes.map((node, id) => ({
      node,
      route: Number.isFinite(tree.dist[id]!)
        ? this.#buildRoute(tree, { id, label: node.name, kind: 'server' })
        : undefined,
    }));
    return formatRoutingTable(this.#thisServer, this.#g, rows, this.downHops());
  }

  #currentTree(): PathTree {
    if (this.#tree === undefined) {
      this.#tree = shortestPathTree(this.#g.core, this.#g.source);
      this.#recomputes++;
    }
    return this.#tree;
  }

  #invalidateTree(): void {
    this.#tree = undefined;
    this.#routes.clear();
  }

  #setDown(fromName: string, toName: string, down: boolean): number {
    const from = this.#nodeId(fromName);
    const to = this.#nodeId(toName);
    if (from < 0 || to < 0) return 0;
    const g = this.#g.core;
    const flag = down ? 1 : 0;
    const changed: number[] = [];
    for (let i = g.outStart[from]!, end = g.outStart[from + 1]!; i < end; i++) {
      const e = g.outEdges[i]!;
      if (g.edgeTo[e] === to && g.edgeDown[e] !== flag) {
        g.edgeDown[e] = flag;
        changed.push(e);
      }
    }
    const net = g.nodeNetwork[from]!;
    if (net >= 0 && net === g.nodeNetwork[to] && from !== to) {
      const key = from * g.nodeCount + to;
      if (down !== g.downNetworkHops.has(key)) {
        if (down) g.downNetworkHops.add(key);
        else g.downNetworkHops.delete(key);
        changed.push(NAMED_NETWORK_EDGE);
      }
    }
    if (changed.length === 0) return 0;
    this.#alternatives.clear();
    const tree = this.#tree;
    if (tree !== undefined) {
      if (down) {
        // Only a tree edge going down can change any route; other edges were not chosen.
        if (tree.parent[to] === from && changed.includes(tree.parentEdge[to]!)) this.#invalidateTree();
      } else if (changed.some((e) => this.#improves(tree, from, to, e))) {
        this.#invalidateTree();
      }
    }
    return changed.length;
  }

  /** Whether a link coming back up would give `to` a better label (cost, edges, predecessor, edge). */
  #improves(tree: PathTree, from: number, to: number, edge: number): boolean {
    const df = tree.dist[from]!;
    if (!Number.isFinite(df) || to === tree.root) return false;
    const g = this.#g.core;
    const d = df + (edge === NAMED_NETWORK_EDGE ? g.networkCost : g.edgeCost[edge]!);
    const h = tree.hops[from]! + 1;
    if (d !== tree.dist[to]) return d < tree.dist[to]!;
    if (h !== tree.hops[to]) return h < tree.hops[to]!;
    if (from !== tree.parent[to]) return from < tree.parent[to]!;
    const rank = (x: number): number => (x < 0 ? Number.MAX_SAFE_INTEGER : x);
    return rank(edge) < rank(tree.parentEdge[to]!);
  }

  #nodeId(name: string): number {
    const key = nameKey(name);
    return this.#g.serverIds.get(key) ?? this.#g.domainIds.get(key) ?? -1;
  }

  #target(destination: RouteDestination): Target | string {
    if (!isDestination(destination)) return `No route found: ${String(destination)} is not a destination`;
    const raw =
      typeof destination === 'string'
        ? destination
        : 'server' in destination
          ? `\u0001s${destination.server}`
          : 'domain' in destination
            ? `\u0001d${destination.domain}`
            : `\u0001i${destination.internetDomain}`;
    const cached = this.#targets.get(raw);
    if (cached !== undefined) return cached;
    const found = this.#findTarget(destination);
    if (this.#targets.size >= MAX_CACHED_NAMES) {
      this.#targets.clear();
      this.#routes.clear();
    }
    this.#targets.set(raw, found);
    return found;
  }

  #findTarget(destination: RouteDestination): Target | string {
    const g = this.#g;
    if (typeof destination === 'string' || 'server' in destination || 'domain' in destination) {
      const name =
        typeof destination === 'string'
          ? destination
          : 'server' in destination
            ? destination.server
            : destination.domain;
      const key = nameKey(name);
      const wantServer = typeof destination === 'string' || 'server' in destination;
      const wantDomain = typeof destination === 'string' || 'domain' in destination;
      const server = wantServer ? g.serverIds.get(key) : undefined;
      if (server !== undefined) return { id: server, label: g.nodes[server]!.name, kind: 'server' };
      const domain = wantDomain ? g.domainIds.get(key) : undefined;
      if (domain !== undefined) return { id: domain, label: g.nodes[domain]!.name, kind: 'domain' };
      if (wantDomain && key === g.localDomain.toLowerCase() && g.source >= 0) {
        return { id: g.source, label: g.nodes[g.source]!.name, kind: 'server' };
      }
      return wantServer && !wantDomain
        ? `No route found to server ${name} from server ${this.#thisServer}`
        : `No route found to domain ${name} from server ${this.#thisServer}`;
    }
    const domain = normalizeDomain(destination.internetDomain);
    const label = destination.internetDomain;
    if (domain === undefined)
      return `No route found to domain ${label} from server ${this.#thisServer}: not a valid domain`;
    const foreign = this.foreignSmtpDomainFor(domain);
    if (foreign?.routeToDomain === undefined)
      return `No route found to domain ${label} from server ${this.#thisServer}`;
    const id = g.domainIds.get(nameKey(foreign.routeToDomain));
    if (id === undefined)
      return `No route found to domain ${foreign.routeToDomain} from server ${this.#thisServer}`;
    return { id, label: g.nodes[id]!.name, kind: 'domain', foreign };
  }

  /**
   * The Foreign SMTP Domain document for an Internet domain (normalized, A-label): the matching
   * pattern with the most literal characters wins (`*.acme.com` before `*.*`), then document order.
   */
  foreignSmtpDomainFor(domain: string): ForeignSmtpDomainDocument | undefined {
    let best: ForeignSmtpDomainDocument | undefined;
    for (const d of this.#g.foreignSmtpDomains) {
      if (!matchesDomainPattern(d.internetDomain, domain)) continue;
      if (
        best === undefined ||
        patternSpecificity(d.internetDomain) > patternSpecificity(best.internetDomain)
      )
        best = d;
    }
    return best;
  }

  #noRoute(destination: RouteDestination, reasonOrLabel: string, target?: Target): NoRoute {
    const label =
      typeof destination === 'string'
        ? destination
        : isDestination(destination)
          ? (Object.values(destination)[0] as string)
          : String(destination);
    if (target === undefined) return { found: false, destination: label, reason: reasonOrLabel };
    const what = target.kind === 'server' ? 'server' : 'domain';
    const reason = `No route found to ${what} ${target.label} from server ${this.#thisServer}`;
    return target.foreign === undefined
      ? { found: false, destination: target.label, reason }
      : { found: false, destination: target.label, reason, foreignSmtpDomain: target.foreign };
  }

  #buildRoute(tree: PathTree, target: Target): FoundRoute {
    const g = this.#g;
    const ids: number[] = [];
    for (let v = target.id; v >= 0; v = tree.parent[v]!) ids.push(v);
    ids.reverse();
    const hops: RouteHop[] = [];
    for (let i = 1; i < ids.length; i++) {
      const from = ids[i - 1]!;
      const to = ids[i]!;
      const e = tree.parentEdge[to]!;
      if (e === NAMED_NETWORK_EDGE) {
        hops.push({
          from: g.nodes[from]!.name,
          to: g.nodes[to]!.name,
          cost: g.core.networkCost,
          via: 'namedNetwork',
          type: 'nrpc',
        });
        continue;
      }
      const info = g.edgeInfo(e);
      const hop: RouteHop = {
        from: g.nodes[from]!.name,
        to: g.nodes[to]!.name,
        cost: g.core.edgeCost[e]!,
        via: info.via,
        type: info.type,
      };
      hops.push(
        info.connection < 0
          ? hop
          : info.relayHost === undefined
            ? { ...hop, connection: info.connection }
            : { ...hop, connection: info.connection, relayHost: info.relayHost },
      );
    }
    const path = ids.map((v) => g.nodes[v]!.name);
    const base = { found: true as const, destination: target.label, cost: tree.dist[target.id]!, path, hops };
    const withHop = path.length > 1 ? { ...base, nextHop: path[1]! } : base;
    return Object.freeze(
      target.foreign === undefined ? withHop : { ...withHop, foreignSmtpDomain: target.foreign },
    );
  }
}

/** Guards against untyped callers: a string, or an object with one string field we know. */
function isDestination(d: unknown): d is RouteDestination {
  if (typeof d === 'string') return true;
  if (typeof d !== 'object' || d === null) return false;
  const o = d as Record<string, unknown>;
  return (
    typeof o['server'] === 'string' ||
    typeof o['domain'] === 'string' ||
    typeof o['internetDomain'] === 'string'
  );
}

/**
 * Builds the routing graph of the directory as seen from `thisServer`. Never throws: unknown
 * servers and dangling connections are left out and listed in `graph.problems`.
 */
export function buildRoutingGraph(directory: Directory, thisServer: string): RoutingGraph {
  const name = typeof thisServer === 'string' ? thisServer : String(thisServer);
  return new RoutingGraph(buildGraph(directory, name), name);
}
