/**
 * Routing decisions become queued recipients: `dispatch` (pure, `@mailroute/routing`) decides per
 * recipient, groups are flattened into their members (each member once per message), and each
 * leaf gets its route and destination. Nothing here does I/O.
 */
import type { NotifyCondition } from '@mailroute/envelope';
import {
  type Directory,
  type DispatchDecision,
  type DispatchOptions,
  dispatch,
  type RecipientField,
  type RoutingGraph,
} from '@mailroute/routing';
import type { NewRecipient } from '../mailbox/types.js';
import { destinationOf, routeToJson, type StoredRoute } from './route.js';

/** One recipient as submitted (RCPT TO and its RFC 3461 parameters). */
export interface SubmitRecipient {
  /** The forward path without angle brackets. */
  readonly address: string;
  /** RFC 3461 ORCPT as `type;address`. */
  readonly orcpt?: string | undefined;
  readonly notify?: 'NEVER' | readonly NotifyCondition[] | undefined;
}

/** What planning needs: the directory, this server's graph, and dispatch overrides. */
export interface Planner {
  readonly directory: Directory;
  readonly graph: RoutingGraph;
  readonly dispatchOptions?: DispatchOptions | undefined;
}

type Leaf = Exclude<DispatchDecision, { action: 'group' }>;

/** A leaf decision as a stored route. */
export function routeOfDecision(
  planner: Planner,
  leaf: Leaf,
  field: RecipientField,
  group: string | undefined,
): StoredRoute {
  const common = group === undefined ? { field } : { field, group };
  const { graph, directory } = planner;
  switch (leaf.action) {
    case 'deliver':
      return {
        ...common,
        kind: 'deliver',
        mailFile: leaf.mailFile,
        owner: leaf.person.fullNames[0] ?? leaf.recipient,
      };
    case 'fail':
      return { ...common, kind: 'fail', failure: leaf.failure, reason: leaf.reason };
    case 'smtp': {
      const first = leaf.route?.hops[0];
      const hop = first === undefined ? {} : { hop: [first.from, first.to] as const };
      if (leaf.via === 'mx') return { ...common, kind: 'mx', domain: leaf.domain, ...hop };
      return {
        ...common,
        kind: 'hosts',
        via: leaf.via,
        hosts: leaf.hosts,
        ...(leaf.authentication === undefined ? {} : { authentication: leaf.authentication }),
        ...hop,
      };
    }
    case 'transfer': {
      // mailroute speaks no NRPC: the next server is reached over SMTP, at the Connection
      // document's relay host when it names one, else at the Server document's host name.
      const first = leaf.route.hops[0];
      const host = first?.relayHost ?? directory.findServer(leaf.nextHop)?.hostName;
      if (host === undefined || host === '')
        return {
          ...common,
          kind: 'fail',
          failure: 'noSmtpHost',
          reason: `No host name in the Server document of ${leaf.nextHop} to transfer to from server ${graph.thisServer}`,
        };
      return {
        ...common,
        kind: 'server',
        server: leaf.nextHop,
        host,
        hop: [first?.from ?? graph.thisServer, first?.to ?? leaf.nextHop],
      };
    }
  }
}

function flatten(
  decision: DispatchDecision,
  group: string | undefined,
  out: { leaf: Leaf; group: string | undefined }[],
): void {
  if (decision.action === 'group') for (const m of decision.members) flatten(m, group ?? decision.group, out);
  else out.push({ leaf: decision, group });
}

/**
 * The forward path of a group member: its Internet address (a member listed by Notes name has
 * one in its Person document), since the next hop is reached over SMTP.
 */
function memberAddress(planner: Planner, leaf: Leaf): string {
  if (leaf.action === 'deliver' && leaf.person.internetAddress) return leaf.person.internetAddress;
  if (leaf.recipient.includes('@')) return leaf.recipient;
  for (const entry of planner.directory.findByName(leaf.recipient))
    if (entry.kind === 'person' && entry.person.internetAddress) return entry.person.internetAddress;
  return leaf.recipient;
}

/** The routes of one address (several when it is a group). */
export function planAddress(planner: Planner, address: string, field: RecipientField): StoredRoute[] {
  const [decision] = dispatch(
    planner.directory,
    planner.graph,
    [{ address, field }],
    planner.dispatchOptions,
  );
  const leaves: { leaf: Leaf; group: string | undefined }[] = [];
  if (decision !== undefined) flatten(decision, undefined, leaves);
  return leaves.map(({ leaf, group }) => routeOfDecision(planner, leaf, field, group));
}

/**
 * The queued recipients of a message. Each final address appears once per destination, whatever
 * groups it came through; the first occurrence keeps its NOTIFY and ORCPT.
 */
export function planRecipients(
  planner: Planner,
  recipients: readonly SubmitRecipient[],
  fieldOf: (address: string) => RecipientField,
): NewRecipient[] {
  const decisions = dispatch(
    planner.directory,
    planner.graph,
    recipients.map((r) => ({ address: r.address, field: fieldOf(r.address) })),
    planner.dispatchOptions,
  );
  const out: NewRecipient[] = [];
  const seen = new Set<string>();
  decisions.forEach((decision, i) => {
    const submitted = recipients[i]!;
    const leaves: { leaf: Leaf; group: string | undefined }[] = [];
    flatten(decision, undefined, leaves);
    for (const { leaf, group } of leaves) {
      const route = routeOfDecision(planner, leaf, fieldOf(submitted.address), group);
      const address = group === undefined ? submitted.address : memberAddress(planner, leaf);
      const destination = destinationOf(route);
      const key = `${destination}\u0000${address.toLowerCase()}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({
        address,
        destination,
        route: routeToJson(route),
        // A member of a group was not an original recipient: ORCPT names the group (RFC 3461 §4.2).
        ...(submitted.orcpt !== undefined
          ? { orcpt: submitted.orcpt }
          : group !== undefined
            ? { orcpt: `rfc822;${submitted.address}` }
            : {}),
        ...(submitted.notify === undefined ? {} : { notify: submitted.notify }),
      });
    }
  });
  return out;
}
