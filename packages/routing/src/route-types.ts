import type { RoutingEdgeVia } from './graph-build.js';
import type { ConnectionType, ForeignSmtpDomainDocument } from './model.js';

/**
 * Where to route to: a server or Notes domain name (a string is tried as a server first, then as a
 * domain), or an Internet domain, which is routed through the Foreign SMTP Domain document whose
 * pattern matches it.
 */
export type RouteDestination =
  | string
  | { readonly server: string }
  | { readonly domain: string }
  | { readonly internetDomain: string };

/** One hop of a route. */
export interface RouteHop {
  readonly from: string;
  readonly to: string;
  readonly cost: number;
  /** `connection` (a Connection document), `namedNetwork`, `domain` (entering a Notes domain), `nonAdjacentDomain`. */
  readonly via: RoutingEdgeVia | 'namedNetwork';
  /** How the hop transfers: NRPC or SMTP (the Connection document's type; NRPC otherwise). */
  readonly type: ConnectionType;
  /** Index of the Connection document in `directory.connections()`, when via a connection. */
  readonly connection?: number;
  /** The SMTP relay host named in the Connection document. */
  readonly relayHost?: string;
}

/** A least-cost route found from this server. */
export interface FoundRoute {
  readonly found: true;
  /** The destination node's name. */
  readonly destination: string;
  /** Total cost (sum of the hop costs). */
  readonly cost: number;
  /** Node names from this server to the destination. */
  readonly path: readonly string[];
  readonly hops: readonly RouteHop[];
  /** The first node after this server; undefined when the destination is this server. */
  readonly nextHop?: string;
  /** For an Internet domain: the Foreign SMTP Domain document that matched. */
  readonly foreignSmtpDomain?: ForeignSmtpDomainDocument;
}

/** No route: the reason reads as Domino's ("No route found to domain X from server Y"). */
export interface NoRoute {
  readonly found: false;
  readonly destination: string;
  readonly reason: string;
  /** For an Internet domain: the Foreign SMTP Domain document that matched, if any. */
  readonly foreignSmtpDomain?: ForeignSmtpDomainDocument;
}

/** The answer of {@link RoutingGraph.route}. */
export type LeastCostRoute = FoundRoute | NoRoute;

/** A ranked way to the destination through one next hop, for fail-over. */
export interface RouteAlternative {
  /** 1 for the cheapest next hop. */
  readonly rank: number;
  /** `equalCost` when as cheap as the best, `nextCost` otherwise. */
  readonly kind: 'equalCost' | 'nextCost';
  readonly nextHop: string;
  readonly cost: number;
  readonly path: readonly string[];
}
