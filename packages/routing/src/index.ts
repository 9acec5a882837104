/**
 * `@mailroute/routing`: the Domino directory model, recipient resolution with group expansion,
 * the routing graph with least-cost paths and ranked alternatives, and per-recipient dispatch.
 * Pure: no I/O, no clock.
 *
 * @packageDocumentation
 */

export type { Directory, DirectoryEntry } from './directory.js';
export { InMemoryDirectory } from './directory.js';
export type {
  DispatchDecision,
  DispatchFailure,
  DispatchOptions,
  DispatchRecipient,
  SmtpTarget,
} from './dispatch.js';
export { dispatch } from './dispatch.js';
export { buildRoutingGraph, RoutingGraph } from './graph.js';
export type { RoutingEdgeVia, RoutingNode, RoutingNodeKind } from './graph-build.js';
export type { LoadedDirectory } from './load.js';
export { loadDirectory } from './load.js';
export type { LookupResult, MatchedBy, RecipientAddress } from './lookup.js';
export type {
  AddressLookupMode,
  AdjacentDomainDocument,
  ConfigurationSettingsDocument,
  ConnectionDocument,
  ConnectionType,
  DirectoryData,
  DirectoryProblem,
  DomainDocument,
  ForeignSmtpDomainDocument,
  FormatPreference,
  GlobalDomainDocument,
  GroupDocument,
  GroupScope,
  GroupType,
  LocalSmtpReachability,
  NonAdjacentDomainDocument,
  PersonDocument,
  RelayHostAuthentication,
  RouterConfiguration,
  ServerDocument,
} from './model.js';
export { DEFAULT_ROUTER_CONFIGURATION } from './model.js';
export type { InternetAddress } from './names.js';
export { matchesDomainPattern, normalizeDomain, parseInternetAddress } from './names.js';
export type {
  GroupResolution,
  PolicyResolution,
  RecipientField,
  RecipientResolution,
  ResolveOptions,
} from './resolve.js';
export { resolveRecipient } from './resolve.js';
export type {
  FoundRoute,
  LeastCostRoute,
  NoRoute,
  RouteAlternative,
  RouteDestination,
  RouteHop,
} from './route-types.js';
