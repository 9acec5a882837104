import type { Directory } from './directory.js';
import type { ConnectionType, DirectoryProblem, ForeignSmtpDomainDocument } from './model.js';
import { abbreviateName, nameKey } from './names.js';
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
  readonly edges: readonly RoutingEdgeInfo[];
  readonly serverIds: ReadonlyMap<string, number>;
  readonly domainIds: ReadonlyMap<string, number>;
  readonly foreignSmtpDomains: readonly ForeignSmtpDomainDocument[];
  readonly source: number;
  readonly localDomain: string;
  readonly problems: readonly DirectoryProblem[];
}

/** Cost of a hop between two servers of one Notes Named Network (they connect directly). */
export const NAMED_NETWORK_COST = 1;

interface PendingEdge {
  from: string; // node key
  to: string;
  cost: number;
  info: RoutingEdgeInfo;
}

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
  // Node keys: `s:` servers (known or foreign), `d:` Notes domains.
  const nodeInfo = new Map<string, RoutingNode>();
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
  const domainNode = (name: string): string => {
    const key = `d:${keyOf(name)}`;
    if (!nodeInfo.has(key)) nodeInfo.set(key, { name, kind: 'domain', domain: name });
    return key;
  };
  const pending: PendingEdge[] = [];
  const domainEdge = { via: 'domain', type: 'nrpc', connection: -1 } as const;

  for (const s of directory.servers()) {
    const key = `s:${keyOf(s.name)}`;
    if (nodeInfo.has(key)) continue;
    const node: RoutingNode = { name: abbreviateName(s.name), kind: 'server', domain: s.domain };
    nodeInfo.set(key, s.namedNetwork === undefined ? node : { ...node, namedNetwork: s.namedNetwork });
    if (keyOf(s.domain) !== localKey)
      pending.push({ from: key, to: domainNode(s.domain), cost: 0, info: domainEdge });
  }

  const foreignSmtpDomains: ForeignSmtpDomainDocument[] = [];
  const foreignLabels = new Set<string>();
  for (const d of directory.domains()) {
    if (d.type === 'foreignSmtp') {
      foreignSmtpDomains.push(d);
      if (d.routeToDomain !== undefined) foreignLabels.add(domainNode(d.routeToDomain).slice(2));
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
    pending.push({
      from: domainNode(d.via),
      to: domainNode(d.name),
      cost: 0,
      info: { via: 'nonAdjacentDomain', type: 'nrpc', connection: -1 },
    });
  });

  directory.connections().forEach((c, i) => {
    const path = `connections[${i}]`;
    if (!c.enabled) return;
    if (!(c.cost >= 0) || !Number.isFinite(c.cost)) {
      problems.push({
        path: `${path}.cost`,
        message: `bad cost ${c.cost}; connection left out`,
        severity: 'error',
      });
      return;
    }
    const from = `s:${keyOf(c.source)}`;
    const src = nodeInfo.get(from);
    if (src === undefined || src.kind !== 'server') {
      problems.push({
        path: `${path}.source`,
        message: `unknown server ${c.source}; connection left out`,
        severity: 'error',
      });
      return;
    }
    const info: RoutingEdgeInfo =
      c.relayHost === undefined
        ? { via: 'connection', type: c.type, connection: i }
        : { via: 'connection', type: c.type, connection: i, relayHost: c.relayHost };
    const destDomain = c.destinationDomain === undefined ? undefined : keyOf(c.destinationDomain);
    let to: string;
    if (destDomain !== undefined && foreignLabels.has(destDomain)) {
      to = `d:${destDomain}`; // an SMTP connection to a foreign SMTP domain: the gateway edge
    } else if (nodeInfo.get(`s:${keyOf(c.destination)}`)?.kind === 'server') {
      to = `s:${keyOf(c.destination)}`;
    } else if (destDomain !== undefined && destDomain !== keyOf(src.domain)) {
      to = `s:${keyOf(c.destination)}`;
      if (!nodeInfo.has(to)) {
        nodeInfo.set(to, {
          name: abbreviateName(c.destination),
          kind: 'foreignServer',
          domain: c.destinationDomain!,
        });
        if (destDomain !== localKey) {
          pending.push({ from: to, to: domainNode(c.destinationDomain!), cost: 0, info: domainEdge });
        }
      }
    } else {
      problems.push({
        path: `${path}.destination`,
        message: `dangling connection: server ${c.destination} is not in the directory; connection left out`,
        severity: 'error',
      });
      return;
    }
    if (to === from) return;
    pending.push({ from, to, cost: c.cost, info });
  });

  return compact(nodeInfo, pending, self === undefined ? undefined : `s:${keyOf(self.name)}`, {
    foreignSmtpDomains,
    localDomain,
    problems,
  });
}

function compact(
  nodeInfo: Map<string, RoutingNode>,
  pending: PendingEdge[],
  sourceKey: string | undefined,
  rest: Pick<BuiltGraph, 'foreignSmtpDomains' | 'localDomain' | 'problems'>,
): BuiltGraph {
  // Node ids in sorted key order, so tie-breaks do not depend on document order.
  const keys = [...nodeInfo.keys()].sort();
  const ids = new Map<string, number>();
  keys.forEach((k, i) => {
    ids.set(k, i);
  });
  const nodes = keys.map((k) => nodeInfo.get(k)!);
  const n = nodes.length;
  const serverIds = new Map<string, number>();
  const domainIds = new Map<string, number>();
  keys.forEach((k, i) => {
    (k.startsWith('s:') ? serverIds : domainIds).set(k.slice(2), i);
  });

  // Counting sort of edges by source node keeps document order within one source.
  const m = pending.length;
  const outStart = new Int32Array(n + 1);
  const fromIds = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    fromIds[i] = ids.get(pending[i]!.from)!;
    outStart[fromIds[i]! + 1]!++;
  }
  for (let v = 0; v < n; v++) outStart[v + 1]! += outStart[v]!;
  const fill = outStart.slice(0, n);
  const edgeFrom = new Int32Array(m);
  const edgeTo = new Int32Array(m);
  const edgeCost = new Float64Array(m);
  const edges: RoutingEdgeInfo[] = new Array(m);
  for (let i = 0; i < m; i++) {
    const e = fill[fromIds[i]!]!++;
    const p = pending[i]!;
    edgeFrom[e] = fromIds[i]!;
    edgeTo[e] = ids.get(p.to)!;
    edgeCost[e] = p.cost;
    edges[e] = p.info;
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
    edges,
    serverIds,
    domainIds,
    source: sourceKey === undefined ? -1 : ids.get(sourceKey)!,
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
