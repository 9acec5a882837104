/**
 * Builds the pieces every gateway command shares from a loaded configuration: the resolver
 * (the static zone, or the system's servers), the directory and this server's routing graph, the
 * compiled relay policy with its group entries resolved from the directory, and the gatherer
 * over the two adapters. No listener is opened here: `explain` uses the same pieces.
 */
import { createResolver, createStaticTransport, type MailResolver } from '@mailroute/dns';
import {
  compilePolicy,
  createPolicyGatherer,
  type PolicyGatherer,
  type RelayPolicy,
  resolvePolicyGroups,
} from '@mailroute/relay-policy';
import {
  buildRoutingGraph,
  type InMemoryDirectory,
  loadDirectory,
  type RoutingGraph,
} from '@mailroute/routing';
import type { GatewayConfig } from './config-types.js';
import { createInboundAuthentication } from './inbound-auth.js';
import { createPolicyDirectory } from './policy-directory.js';
import { createPolicyDns } from './policy-dns.js';

/** The composed, I/O-free core of the gateway (plus the resolver). */
export interface GatewayCore {
  readonly resolver: MailResolver;
  readonly directory: InMemoryDirectory;
  readonly graph: RoutingGraph;
  readonly policy: RelayPolicy;
  readonly gatherer: PolicyGatherer;
}

/** How DNS is reached. */
export interface DnsChoice {
  /** Use the system's DNS servers instead of the configuration's static zone. Default false. */
  readonly systemDns?: boolean;
  /** Use these DNS servers (`127.0.0.1:5353`) instead of the static zone or the system's; for tests against a real server. */
  readonly servers?: readonly string[];
}

/** Composes the core from a validated configuration. */
export async function composeCore(config: GatewayConfig, dns: DnsChoice = {}): Promise<GatewayCore> {
  const resolver = dns.servers
    ? createResolver({ servers: [...dns.servers], retryCount: 2 })
    : dns.systemDns
      ? createResolver({ retryCount: 2 })
      : // Offline by default: every answer comes from dns-zone.json; a name it lacks is NXDOMAIN.
        createResolver({ transport: createStaticTransport(config.dnsZone), retryCount: 1 });
  const { directory } = loadDirectory(config.directory);
  const graph = buildRoutingGraph(directory, config.gateway.thisServer);
  const policyDirectory = createPolicyDirectory(
    directory,
    directory.configuration(graph.thisServer),
    graph.localDomain,
  );
  const inbound = await resolvePolicyGroups(config.inbound, policyDirectory);
  const { policy } = compilePolicy(inbound, { directory: policyDirectory });
  // SPF, DKIM and DMARC for the inbound controls' Sender Domain Authentication (run only when on).
  const authentication = createInboundAuthentication({ resolver, receiver: config.gateway.hostname });
  const gatherer = createPolicyGatherer({ policy, dns: createPolicyDns(resolver), authentication });
  return { resolver, directory, graph, policy, gatherer };
}
