import { abbreviateName, nameKey } from '@mailroute/envelope/notes-name';
import type { Directory } from './directory.js';
import type { ConnectionType, DirectoryProblem, ForeignSmtpDomainDocument } from './model.js';
import type { CompactGraph } from './shortest-paths.js';

/** What a node of the routing graph stands for. */
export type RoutingNodeKind = 'server' | 'foreignServer' | 'domain';

/** A node of the routing graph. */
export interface RoutingNode {
  /** Display name: a server's abbreviated name, or a Notes domain name. */
  readonly name: string;
  readonly kind: RoutingNodeKind;
  /** The Notes domain a server belongs to; for a domain node, the domain itself. */
  readonly domain: string;
  /** The Notes Named Network of a server in the directory. */
  readonly namedNetwork?: string;
}

/** Why an edge exists. */
export type RoutingEdgeVia = 'connection' | 'domain' | 'nonAdjacentDomain';

/** Per-edge facts kept beside the compact arrays, for paths and explanations. */
export interface RoutingEdgeInfo {
  readonly via: RoutingEdgeVia;
  readonly type: ConnectionType;
  /** Index of the Connection document in `directory.connections()`, -1 when not a connection. */
  readonly connection: number;
  readonly relayHost?: string;
}

/** The built graph: compact arrays for the search plus the names to explain results with. */
export interface BuiltGraph {
  readonly core: CompactGraph & { readonly downNetworkHops: Set<number> };
  readonly nodes: readonly RoutingNode[];
  /** Number of stored edges. */
  readonly edgeCount: number;
  /** Why edge `e` exists (made on demand: the build keeps only compact arrays). */
  edgeInfo(e: number): RoutingEdgeInfo;
  readonly serverIds: ReadonlyMap<string, number>;
  readonly domainIds: ReadonlyMap<string, number>;
  readonly foreignSmtpDomains: readonly ForeignSmtpDomainDocument[];
  readonly source: number;
  readonly localDomain: string;
  readonly problems: readonly DirectoryProblem[];
}

/** Cost of a hop between two servers of one Notes Named Network (they connect directly). */
export const NAMED_NETWORK_COST = 1;

/** Edge kinds in the compact arrays: a Connection document's index, or one of these. */
const DOMAIN_EDGE = -1;
const NON_ADJACENT_EDGE = -2;

/** Edges collected during the build, as parallel arrays of temporary node numbers. */
class PendingEdges {
  readonly from: number[] = [];
  readonly to: number[] = [];
  readonly cost: number[] = [];
  /** Connection document index, {@link DOMAIN_EDGE} or {@link NON_ADJACENT_EDGE}. */
  readonly source: number[] = [];
  add(from: number, to: number, cost: number, source: number): void {
    this.from.push(from);
    this.to.push(to);
    this.cost.push(cost);
    this.source.push(source);
  }
}

/** Nodes collected during the build: temporary numbers in discovery order, keyed by name. */
class PendingNodes {
  readonly nodes: RoutingNode[] = [];
  /** Sort keys: `s:` + server key or `d:` + domain key, for a document-order-free numbering. */
  readonly sortKeys: string[] = [];
  readonly servers = new Map<string, number>();
  readonly domains = new Map<string, number>();
  add(map: Map<string, number>, key: string, prefix: string, node: RoutingNode): number {
    const id = this.nodes.length;
    this.nodes.push(node);
    this.sortKeys.push(prefix + key);
    map.set(key, id);
    return id;
  }
}

const DOMAIN_INFO: RoutingEdgeInfo = Object.freeze({ via: 'domain', type: 'nrpc', connection: -1 });
const NON_ADJACENT_INFO: RoutingEdgeInfo = Object.freeze({
  via: 'nonAdjacentDomain',
  type: 'nrpc',
  connection: -1,
});

/**
 * Builds the weighted directed graph seen from `thisServer`: servers as nodes, Connection
 * documents as edges, Notes Named Networks as direct links (kept implicit, not as n^2 edges),
 * servers of other Notes domains leading to their domain node, non-adjacent domains leading
 * through their intermediate domain, foreign SMTP domains as destinations. Bad references are
 * skipped and named in `problems`.
 */
export function buildGraph(directory: Directory, thisServer: string): BuiltGraph {
  const problems: DirectoryProblem[] = [];
  const keyOf = memoized(nameKey);
  const nodes = new PendingNodes();
  const edges = new PendingEdges();
  const self = directory.findServer(thisServer);
  if (self === undefined) {
    problems.push({
      path: '',
      message: `this server ${thisServer} is not in the directory`,
      severity: 'error',
    });
  }
  const localDomain = self?.domain ?? '';
  const localKey = keyOf(localDomain);
  const domainNode = (name: string): number => {
    const key = keyOf(name);
    return (
      nodes.domains.get(key) ?? nodes.add(nodes.domains, key, 'd:', { name, kind: 'domain', domain: name })
    );
  };

  for (const s of directory.servers()) {
    const key = keyOf(s.name);
    if (nodes.servers.has(key)) continue;
    const node: RoutingNode = { name: abbreviateName(s.name), kind: 'server', domain: s.domain };
    const id = nodes.add(
      nodes.servers,
      key,
      's:',
      s.namedNetwork === undefined ? node : { ...node, namedNetwork: s.namedNetwork },
    );
    if (keyOf(s.domain) !== localKey) edges.add(id, domainNode(s.domain), 0, DOMAIN_EDGE);
  }

  const foreignSmtpDomains: ForeignSmtpDomainDocument[] = [];
  const foreignLabels = new Set<number>();
  for (const d of directory.domains()) {
    if (d.type === 'foreignSmtp') {
      foreignSmtpDomains.push(d);
      if (d.routeToDomain !== undefined) foreignLabels.add(domainNode(d.routeToDomain));
    } else if (keyOf(d.name) !== localKey) {
      domainNode(d.name);
    }
  }
  directory.domains().forEach((d, i) => {
    if (d.type !== 'nonAdjacent') return;
    if (keyOf(d.name) === localKey || keyOf(d.via) === localKey) {
      problems.push({
        path: `domains[${i}]`,
        message: 'a non-adjacent domain cannot involve the local domain',
        severity: 'error',
      });
      return;
    }
    edges.add(domainNode(d.via), domainNode(d.name), 0, NON_ADJACENT_EDGE);
  });

  // Connection documents repeat the same server names: resolve each spelling once.
  const rawServers = new Map<string, number>();
  const serverOf = (raw: string): number => {
    let id = rawServers.get(raw);
    if (id === undefined) {
      id = nodes.servers.get(keyOf(raw)) ?? -1;
      rawServers.set(raw, id);
    }
    return id;
  };
  const connections = directory.connections();
  for (let i = 0; i < connections.length; i++) {
    const c = connections[i]!;
    if (!c.enabled) continue;
    const path = `connections[${i}]`;
    if (!(c.cost >= 0) || !Number.isFinite(c.cost)) {
      problems.push({
        path: `${path}.cost`,
        message: `bad cost ${c.cost}; connection left out`,
        severity: 'error',
      });
      continue;
    }
    const from = serverOf(c.source);
    const src = from < 0 ? undefined : nodes.nodes[from]!;
    if (src === undefined || src.kind !== 'server') {
      problems.push({
        path: `${path}.source`,
        message: `unknown server ${c.source}; connection left out`,
        severity: 'error',
      });
      continue;
    }
    const destDomain = c.destinationDomain === undefined ? undefined : keyOf(c.destinationDomain);
    const label = destDomain === undefined ? undefined : nodes.domains.get(destDomain);
    const knownId = serverOf(c.destination);
    const known = knownId < 0 ? undefined : knownId;
    let to: number;
    if (label !== undefined && foreignLabels.has(label)) {
      to = label; // an SMTP connection to a foreign SMTP domain: the gateway edge
    } else if (known !== undefined && nodes.nodes[known]!.kind === 'server') {
      to = known;
    } else if (destDomain !== undefined && destDomain !== keyOf(src.domain)) {
      if (known === undefined) {
        const node: RoutingNode = {
          name: abbreviateName(c.destination),
          kind: 'foreignServer',
          domain: c.destinationDomain!,
        };
        to = nodes.add(nodes.servers, keyOf(c.destination), 's:', node);
        rawServers.clear(); // spellings seen as unknown may name this node now
        if (destDomain !== localKey) edges.add(to, domainNode(c.destinationDomain!), 0, DOMAIN_EDGE);
      } else {
        to = known;
      }
    } else {
      problems.push({
        path: `${path}.destination`,
        message: `dangling connection: server ${c.destination} is not in the directory; connection left out`,
        severity: 'error',
      });
      continue;
    }
    if (to === from) continue;
    edges.add(from, to, c.cost, i);
  }

  const source = self === undefined ? -1 : (nodes.servers.get(keyOf(self.name)) ?? -1);
  const edgeInfo = (sourceOfEdge: number): RoutingEdgeInfo => {
    if (sourceOfEdge === DOMAIN_EDGE) return DOMAIN_INFO;
    if (sourceOfEdge === NON_ADJACENT_EDGE) return NON_ADJACENT_INFO;
    const c = connections[sourceOfEdge]!;
    return c.relayHost === undefined
      ? { via: 'connection', type: c.type, connection: sourceOfEdge }
      : { via: 'connection', type: c.type, connection: sourceOfEdge, relayHost: c.relayHost };
  };
  return compact(nodes, edges, source, edgeInfo, { foreignSmtpDomains, localDomain, problems });
}

function compact(
  pendingNodes: PendingNodes,
  pending: PendingEdges,
  tempSource: number,
  edgeInfo: (source: number) => RoutingEdgeInfo,
  rest: Pick<BuiltGraph, 'foreignSmtpDomains' | 'localDomain' | 'problems'>,
): BuiltGraph {
  // Node ids in sorted key order, so tie-breaks do not depend on document order.
  const n = pendingNodes.nodes.length;
  const keys = pendingNodes.sortKeys;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) =>
    keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : 0,
  );
  const idOf = new Int32Array(n);
  order.forEach((temp, id) => {
    idOf[temp] = id;
  });
  const nodes = order.map((temp) => pendingNodes.nodes[temp]!);
  const serverIds = new Map<string, number>();
  const domainIds = new Map<string, number>();
  for (const [key, temp] of pendingNodes.servers) serverIds.set(key, idOf[temp]!);
  for (const [key, temp] of pendingNodes.domains) domainIds.set(key, idOf[temp]!);

  // Counting sort of edges by source node keeps document order within one source.
  const m = pending.from.length;
  const outStart = new Int32Array(n + 1);
  for (let i = 0; i < m; i++) outStart[idOf[pending.from[i]!]! + 1]!++;
  for (let v = 0; v < n; v++) outStart[v + 1]! += outStart[v]!;
  const fill = outStart.slice(0, n);
  const edgeFrom = new Int32Array(m);
  const edgeTo = new Int32Array(m);
  const edgeCost = new Float64Array(m);
  const edgeSource = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    const from = idOf[pending.from[i]!]!;
    const e = fill[from]!++;
    edgeFrom[e] = from;
    edgeTo[e] = idOf[pending.to[i]!]!;
    edgeCost[e] = pending.cost[i]!;
    edgeSource[e] = pending.source[i]!;
  }
  const outEdges = new Int32Array(m);
  for (let e = 0; e < m; e++) outEdges[e] = e;

  // Named networks: servers of one Notes domain and one NNN.
  const nodeNetwork = new Int32Array(n).fill(-1);
  const networks = new Map<string, number[]>();
  nodes.forEach((node, id) => {
    if (node.kind !== 'server' || node.namedNetwork === undefined) return;
    const key = `${node.domain.toLowerCase()}\u0000${node.namedNetwork.toLowerCase()}`;
    const list = networks.get(key);
    if (list === undefined) networks.set(key, [id]);
    else list.push(id);
  });
  const networkMembers: Int32Array[] = [];
  for (const list of networks.values()) {
    if (list.length < 2) continue;
    const id = networkMembers.length;
    networkMembers.push(Int32Array.from(list));
    for (const v of list) nodeNetwork[v] = id;
  }

  return {
    core: {
      nodeCount: n,
      outStart,
      outEdges,
      edgeFrom,
      edgeTo,
      edgeCost,
      edgeDown: new Uint8Array(m),
      nodeNetwork,
      networkMembers,
      networkCost: NAMED_NETWORK_COST,
      downNetworkHops: new Set<number>(),
    },
    nodes,
    edgeCount: m,
    edgeInfo: (e) => edgeInfo(edgeSource[e]!),
    serverIds,
    domainIds,
    source: tempSource < 0 ? -1 : idOf[tempSource]!,
    ...rest,
  };
}

function memoized(fn: (s: string) => string): (s: string) => string {
  const cache = new Map<string, string>();
  return (s) => {
    let v = cache.get(s);
    if (v === undefined) {
      v = fn(s);
      cache.set(s, v);
    }
    return v;
  };
}
