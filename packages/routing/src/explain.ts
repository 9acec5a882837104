import type { BuiltGraph, RoutingNode } from './graph-build.js';
import type {
  FoundRoute,
  LeastCostRoute,
  RouteAlternative,
  RouteDestination,
  RouteHop,
} from './route-types.js';

/**
 * Text for administrators and test failures, in the spirit of Domino's `DebugRouter=2` console
 * output: every line starts with `Router:` and says one step of the decision.
 */

function describeDestination(destination: RouteDestination): string {
  if (typeof destination === 'string') return destination;
  const d = (typeof destination === 'object' && destination !== null ? destination : {}) as Record<
    string,
    unknown
  >;
  if (typeof d['server'] === 'string') return `server ${d['server']}`;
  if (typeof d['domain'] === 'string') return `domain ${d['domain']}`;
  if (typeof d['internetDomain'] === 'string') return `Internet domain ${d['internetDomain']}`;
  return String(destination);
}

function describeHop(hop: RouteHop): string {
  const how =
    hop.via === 'connection'
      ? `${hop.type.toUpperCase()} Connection document #${hop.connection}${hop.relayHost ? `, SMTP relay host ${hop.relayHost}` : ''}`
      : hop.via === 'namedNetwork'
        ? 'same Notes Named Network'
        : hop.via === 'domain'
          ? `server of domain ${hop.to}`
          : `non-adjacent domain routed through ${hop.from}`;
  return `${hop.from} -> ${hop.to}  cost ${hop.cost}  (${how})`;
}

/** Explains one route decision. */
export function explainRoute(
  thisServer: string,
  destination: RouteDestination,
  route: LeastCostRoute,
  alternatives: readonly RouteAlternative[],
  down: readonly (readonly [string, string])[],
): string {
  const lines = [`Router: Routing from ${thisServer} to ${describeDestination(destination)}`];
  if (route.foreignSmtpDomain !== undefined) {
    const f = route.foreignSmtpDomain;
    lines.push(
      `Router: Foreign SMTP Domain document ${f.internetDomain} routes it to ${f.routeToDomain ?? `host ${f.routeToHost}`}`,
    );
  }
  if (!route.found) {
    lines.push(`Router: ${route.reason}`);
  } else if (route.hops.length === 0) {
    lines.push(`Router: ${route.destination} is this server: deliver locally, cost 0`);
  } else {
    lines.push(
      `Router: Least cost route to ${route.destination}: cost ${route.cost}, ${route.hops.length} hop(s)`,
    );
    route.hops.forEach((hop, i) => {
      lines.push(`Router:   ${i + 1}. ${describeHop(hop)}`);
    });
    lines.push(`Router: Next hop ${route.nextHop}`);
  }
  if (alternatives.length > 0) {
    lines.push('Router: Alternatives by next hop (= equal cost, + next cost):');
    for (const a of alternatives) {
      const mark = a.kind === 'equalCost' ? '=' : '+';
      lines.push(`Router:   ${a.rank} ${mark} ${a.nextHop}  cost ${a.cost}  ${a.path.join(' -> ')}`);
    }
  }
  for (const [from, to] of down) lines.push(`Router: Hop marked down: ${from} -> ${to}`);
  return lines.join('\n');
}

/** Formats the routing table: one line per node, cheapest first, unreachable ones listed last. */
export function formatRoutingTable(
  thisServer: string,
  graph: BuiltGraph,
  rows: readonly { readonly node: RoutingNode; readonly route: FoundRoute | undefined }[],
  down: readonly (readonly [string, string])[],
): string {
  const servers = graph.nodes.filter((n) => n.kind !== 'domain').length;
  const lines = [
    `Router: Routing table for ${thisServer} in domain ${graph.localDomain || '(unknown)'}: ` +
      `${servers} servers, ${graph.nodes.length - servers} domains, ${graph.edgeCount} edges, ` +
      `${graph.core.networkMembers.length} named networks`,
  ];
  const reachable = rows.filter((r) => r.route !== undefined && r.route.hops.length > 0);
  reachable.sort((a, b) => a.route!.cost - b.route!.cost || (a.node.name < b.node.name ? -1 : 1));
  const width = Math.max(11, ...reachable.map((r) => r.node.name.length));
  const hopWidth = Math.max(8, ...reachable.map((r) => (r.route!.nextHop ?? '').length));
  lines.push(
    `Router:   ${'Destination'.padEnd(width)}  ${'Kind'.padEnd(13)}  Cost  ${'Next hop'.padEnd(hopWidth)}  Path`,
  );
  for (const { node, route } of reachable) {
    lines.push(
      `Router:   ${node.name.padEnd(width)}  ${node.kind.padEnd(13)}  ${String(route!.cost).padEnd(4)}  ` +
        `${(route!.nextHop ?? '').padEnd(hopWidth)}  ${route!.path.join(' -> ')}`,
    );
  }
  const unreachable = rows.filter((r) => r.route === undefined).map((r) => r.node.name);
  if (unreachable.length > 0) lines.push(`Router: Unreachable: ${unreachable.join(', ')}`);
  for (const [from, to] of down) lines.push(`Router: Hop marked down: ${from} -> ${to}`);
  return lines.join('\n');
}
