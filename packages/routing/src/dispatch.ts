import { nameKey } from '@mailroute/envelope/notes-name';
import type { Directory } from './directory.js';
import type { RoutingGraph } from './graph.js';
import type { RecipientAddress } from './lookup.js';
import type { PersonDocument, RelayHostAuthentication, RouterConfiguration } from './model.js';
import { type RecipientField, type RecipientResolution, resolveRecipient } from './resolve.js';
import type { FoundRoute } from './route-types.js';

/** A recipient with the field it came from. */
export interface DispatchRecipient {
  readonly address: RecipientAddress;
  /** Default `to`. */
  readonly field?: RecipientField;
}

/** Why a recipient cannot be routed. */
export type DispatchFailure =
  | 'userNotListed'
  | 'ambiguous'
  | 'noRoute'
  | 'policy'
  | 'invalidAddress'
  | 'notExpanded';

/** Where an SMTP hand-off goes. */
export type SmtpTarget = 'relayHost' | 'smartHost' | 'mx' | 'connectionRelayHost' | 'foreignDomainHost';

/** The router's answer for one recipient. */
export type DispatchDecision =
  | {
      /** Deliver into a mail file on this server. */
      readonly action: 'deliver';
      readonly recipient: string;
      readonly person: PersonDocument;
      readonly mailFile: string;
      readonly server: string;
    }
  | {
      /** Transfer to the next-hop server (the route gives the full path and its cost). */
      readonly action: 'transfer';
      readonly recipient: string;
      readonly nextHop: string;
      /** NRPC, or SMTP when the hop is an SMTP connection or local SMTP is allowed to that server. */
      readonly transport: 'nrpc' | 'smtp';
      readonly route: FoundRoute;
    }
  | {
      /** Send by SMTP from this server: to a relay host, the smart host, or the domain's MX hosts. */
      readonly action: 'smtp';
      readonly recipient: string;
      readonly via: SmtpTarget;
      /** The hosts to try, in order; for `mx` the Internet domain whose MX records to look up. */
      readonly hosts: readonly string[];
      /** The recipient's Internet domain. */
      readonly domain: string;
      /** "Use authentication when sending messages to the relay host", for `relayHost`. */
      readonly authentication?: RelayHostAuthentication;
      /** The route to the foreign SMTP domain when this server is its gateway. */
      readonly route?: FoundRoute;
    }
  | {
      /** A group: one decision per expanded member. */
      readonly action: 'group';
      readonly recipient: string;
      readonly group: string;
      readonly members: readonly DispatchDecision[];
      readonly cycles: readonly (readonly string[])[];
    }
  | {
      readonly action: 'fail';
      readonly recipient: string;
      readonly failure: DispatchFailure;
      /** Domino's wording: "No route found to domain X from server Y", "User not listed in Directory". */
      readonly reason: string;
    };

/** Options of {@link dispatch}: override this server's Configuration Settings fields. */
export interface DispatchOptions extends Partial<RouterConfiguration> {
  /** More directories to search after the first (Directory Assistance), in order. Default none. */
  readonly moreDirectories?: readonly Directory[];
  /**
   * This server's own IP addresses: `user@[one of them]` is a local recipient (delivered or
   * refused here, never sent to the literal by MX). Pass the same list as relay-policy's
   * `localAddresses`, so both agree on what is local. Default none.
   */
  readonly localAddresses?: readonly string[];
}

interface Context {
  readonly directory: Directory;
  readonly graph: RoutingGraph;
  readonly config: RouterConfiguration;
}

/**
 * Decides, for every recipient, what this server's router does with it: deliver locally, transfer
 * one hop along the least-cost path, send by SMTP (relay host, smart host, or MX), or fail with
 * Domino's reason. Returns one decision per recipient, in order. Pure: no I/O, never throws.
 */
export function dispatch(
  directory: Directory,
  graph: RoutingGraph,
  recipients: readonly (RecipientAddress | DispatchRecipient)[],
  options: DispatchOptions = {},
): DispatchDecision[] {
  const overrides: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options))
    if (v !== undefined && k !== 'moreDirectories' && k !== 'localAddresses') overrides[k] = v;
  const config = { ...directory.configuration(graph.thisServer), ...overrides } as RouterConfiguration;
  const ctx: Context = { directory, graph, config };
  const directories = options.moreDirectories ? [directory, ...options.moreDirectories] : directory;
  return recipients.map((r) => {
    const input: DispatchRecipient =
      typeof r === 'object' && r !== null && 'address' in r ? r : { address: r };
    const resolution = resolveRecipient(directories, input.address, {
      ...config,
      field: input.field ?? 'to',
      localDomain: graph.localDomain,
      ...(options.localAddresses === undefined ? {} : { localAddresses: options.localAddresses }),
    });
    return decide(ctx, resolution);
  });
}

function fail(recipient: string, failure: DispatchFailure, reason: string): DispatchDecision {
  return { action: 'fail', recipient, failure, reason };
}

function decide(ctx: Context, r: RecipientResolution): DispatchDecision {
  const { config, graph } = ctx;
  switch (r.outcome) {
    case 'person':
      return decidePerson(ctx, r.address, r.person, r.localInternetDomain);
    case 'group':
      if (!r.expanded)
        return fail(r.address, 'notExpanded', r.reason ?? `Group ${r.group.name} not expanded`);
      return {
        action: 'group',
        recipient: r.address,
        group: r.group.name,
        members: r.members.map((m) => decide(ctx, m)),
        cycles: r.cycles,
      };
    case 'notesDomain':
      return routeTo(ctx, r.address, { domain: r.domainPath[0]! });
    case 'internet':
      return decideInternet(ctx, r.address, r.domain);
    case 'notFound':
      if (r.localInternetDomain !== undefined && config.smartHost !== '') {
        return {
          action: 'smtp',
          recipient: r.address,
          via: 'smartHost',
          hosts: [config.smartHost],
          domain: r.localInternetDomain,
        };
      }
      return fail(r.address, 'userNotListed', r.reason);
    case 'ambiguous':
      return fail(r.address, 'ambiguous', r.reason);
    case 'policy':
      return fail(r.address, 'policy', r.reason);
    case 'invalid':
      return fail(r.address, 'invalidAddress', r.reason);
  }
  // Unreachable for well-typed input; kept so a foreign directory's surprise is a failure, not a crash.
  return fail(
    String((r as { address?: unknown }).address),
    'invalidAddress',
    `Unknown resolution for ${graph.thisServer}`,
  );
}

function decidePerson(
  ctx: Context,
  recipient: string,
  person: PersonDocument,
  localInternetDomain: string | undefined,
): DispatchDecision {
  const { config, graph } = ctx;
  if (localInternetDomain !== undefined && config.smartHostForAllLocalRecipients && config.smartHost !== '') {
    return {
      action: 'smtp',
      recipient,
      via: 'smartHost',
      hosts: [config.smartHost],
      domain: localInternetDomain,
    };
  }
  if (person.mailDomain !== undefined && nameKey(person.mailDomain) !== nameKey(graph.localDomain)) {
    return routeTo(ctx, recipient, { domain: person.mailDomain });
  }
  if (person.mailServer === undefined) {
    return fail(recipient, 'noRoute', `No mail server in the Person document of ${person.fullNames[0]}`);
  }
  if (nameKey(person.mailServer) === nameKey(graph.thisServer)) {
    if (person.mailFile === undefined) {
      return fail(recipient, 'noRoute', `No mail file in the Person document of ${person.fullNames[0]}`);
    }
    return { action: 'deliver', recipient, person, mailFile: person.mailFile, server: graph.thisServer };
  }
  return routeTo(ctx, recipient, { server: person.mailServer });
}

function routeTo(
  ctx: Context,
  recipient: string,
  destination: { server: string } | { domain: string },
): DispatchDecision {
  const route = ctx.graph.route(destination);
  if (!route.found) return fail(recipient, 'noRoute', route.reason);
  if (route.nextHop === undefined) {
    return fail(
      recipient,
      'noRoute',
      `Route to ${route.destination} ends at this server without a mail file`,
    );
  }
  return { action: 'transfer', recipient, nextHop: route.nextHop, transport: transportOf(ctx, route), route };
}

/**
 * NRPC unless the first hop is an SMTP connection, or SMTP is allowed inside the local Internet
 * domain and the next server listens for SMTP and is "reachable via SMTP" (Always, or Only if in
 * the same Notes Named Network).
 */
function transportOf(ctx: Context, route: FoundRoute): 'nrpc' | 'smtp' {
  const hop = route.hops[0]!;
  if (hop.type === 'smtp') return 'smtp';
  const { config, directory, graph } = ctx;
  if (!config.smtpWithinLocalInternetDomain || config.localServersReachableViaSmtp === 'never') return 'nrpc';
  const next = directory.findServer(hop.to);
  if (next === undefined || !next.smtpListener || nameKey(next.domain) !== nameKey(graph.localDomain))
    return 'nrpc';
  if (config.localServersReachableViaSmtp === 'always') return 'smtp';
  const self = directory.findServer(graph.thisServer);
  const sameNetwork =
    self?.namedNetwork !== undefined &&
    next.namedNetwork !== undefined &&
    self.namedNetwork.toLowerCase() === next.namedNetwork.toLowerCase();
  return sameNetwork ? 'smtp' : 'nrpc';
}

/**
 * An Internet recipient outside the local Internet domains. A server with "SMTP used when sending
 * messages outside of the local internet domain" sends itself (relay host if set, else MX);
 * otherwise the Foreign SMTP Domain document routes it toward a gateway server.
 */
function decideInternet(ctx: Context, recipient: string, domain: string): DispatchDecision {
  const { config, graph } = ctx;
  const direct = (route?: FoundRoute, connectionRelay?: string): DispatchDecision => {
    const withRoute = route === undefined ? {} : { route };
    if (connectionRelay !== undefined) {
      return {
        action: 'smtp',
        recipient,
        via: 'connectionRelayHost',
        hosts: [connectionRelay],
        domain,
        ...withRoute,
      };
    }
    if (config.relayHosts.length > 0) {
      return {
        action: 'smtp',
        recipient,
        via: 'relayHost',
        hosts: config.relayHosts,
        domain,
        authentication: config.relayHostAuthentication,
        ...withRoute,
      };
    }
    return { action: 'smtp', recipient, via: 'mx', hosts: [domain], domain, ...withRoute };
  };
  if (config.smtpOutsideLocalInternetDomain) return direct();
  const foreign = graph.foreignSmtpDomainFor(domain);
  if (foreign !== undefined && foreign.routeToDomain === undefined && foreign.routeToHost !== undefined) {
    return { action: 'smtp', recipient, via: 'foreignDomainHost', hosts: [foreign.routeToHost], domain };
  }
  const route = graph.route({ internetDomain: domain });
  if (!route.found)
    return fail(recipient, 'noRoute', `No route found to domain ${domain} from server ${graph.thisServer}`);
  const first = route.hops[0];
  if (first === undefined) return direct(route);
  // This server holds the SMTP connection to the foreign SMTP domain: it is the gateway.
  if (first.to === route.destination && first.via === 'connection') return direct(route, first.relayHost);
  return {
    action: 'transfer',
    recipient,
    nextHop: route.nextHop!,
    transport: transportOf(ctx, route),
    route,
  };
}
