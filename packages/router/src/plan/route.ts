/**
 * What the Router keeps with each queued recipient (the MailBox's opaque `route`), and the queue
 * (destination) it waits in. Domino keeps one delivery queue and one transfer queue per
 * destination; here a destination is a string:
 *
 * - `delivery`: local delivery into mail files;
 * - `mx:<domain>`: SMTP to the domain's MX hosts;
 * - `smtp:<host>[,<host>...]`: SMTP to named hosts (relay host, smart host, a Foreign SMTP Domain
 *   document's host, a Connection document's relay host), tried in order;
 * - `server:<name>`: transfer to the next-hop server of the Notes domain, over SMTP;
 * - `unroutable`: no route; the recipient fails with a report when its turn comes.
 */
import type {
  DispatchFailure,
  RecipientField,
  RelayHostAuthentication,
  SmtpTarget,
} from '@mailroute/routing';
import type { JsonValue } from '../mailbox/types.js';

/** The local delivery queue. */
export const DELIVERY_QUEUE = 'delivery';
/** The queue of recipients that had no route. */
export const UNROUTABLE_QUEUE = 'unroutable';

/** A hop of the routing graph this route leaves by (marked down when the destination fails). */
export type GraphHop = readonly [from: string, to: string];

/** The fields every stored route has. */
export interface RouteCommon {
  /** The header field the recipient was found in (Bcc decides what a copy shows). */
  readonly field: RecipientField;
  /** The group it was expanded from, if any. */
  readonly group?: string;
}

/** The Router's data for one queued recipient. */
export type StoredRoute = RouteCommon &
  (
    | { readonly kind: 'deliver'; readonly mailFile: string; readonly owner: string }
    | { readonly kind: 'mx'; readonly domain: string; readonly hop?: GraphHop }
    | {
        readonly kind: 'hosts';
        readonly via: SmtpTarget;
        readonly hosts: readonly string[];
        readonly authentication?: RelayHostAuthentication;
        readonly hop?: GraphHop;
      }
    | { readonly kind: 'server'; readonly server: string; readonly host: string; readonly hop: GraphHop }
    | { readonly kind: 'fail'; readonly failure: DispatchFailure | 'noSmtpHost'; readonly reason: string }
  );

/** The queue a route waits in. */
export function destinationOf(route: StoredRoute): string {
  switch (route.kind) {
    case 'deliver':
      return DELIVERY_QUEUE;
    case 'mx':
      return `mx:${route.domain.toLowerCase()}`;
    case 'hosts':
      return `smtp:${route.hosts.map((h) => h.toLowerCase()).join(',')}`;
    case 'server':
      return `server:${route.server.toLowerCase()}`;
    case 'fail':
      return UNROUTABLE_QUEUE;
  }
}

/** The route as the MailBox stores it. */
export function routeToJson(route: StoredRoute): JsonValue {
  return JSON.parse(JSON.stringify(route)) as JsonValue;
}

/** The route read back from the MailBox; a route this version cannot read is a failure route. */
export function routeFromJson(value: JsonValue | undefined): StoredRoute {
  const v = value as Partial<StoredRoute> | null | undefined;
  if (v !== null && typeof v === 'object' && typeof v.kind === 'string') return v as StoredRoute;
  return { kind: 'fail', field: 'to', failure: 'noRoute', reason: 'The queued route could not be read' };
}
