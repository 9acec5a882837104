/**
 * The operator's view of mail.box (Domino's `tell router show queues`, `show stat Mail`, and the
 * Administrator's held and dead mail views): list, show, hold, release, delete and reroute
 * messages, and the statistics under Domino's names. Everything goes through the Router's
 * (tracked) MailBox, so each action appears in message tracking.
 */
import { MailrouteError } from '@mailroute/envelope';
import type { QueuedMessage, RecipientState } from '../mailbox/types.js';
import { type Planner, planAddress } from '../plan/plan-recipients.js';
import { destinationOf, routeFromJson, routeToJson } from '../plan/route.js';
import type { Router, RouterStatus } from '../router.js';

/** Domino's `show stat Mail` names with their values, and the queues. */
export interface MailStatistics {
  /** Mail.Waiting: recipients waiting or in flight. */
  readonly 'Mail.Waiting': number;
  /** Mail.Delivered: recipients delivered into mail files since start. */
  readonly 'Mail.Delivered': number;
  /** Mail.Transferred: recipients handed to the next hop since start. */
  readonly 'Mail.Transferred': number;
  /** Mail.TransferFailures: transfer attempts that failed for a whole destination since start. */
  readonly 'Mail.TransferFailures': number;
  /** Mail.Dead: recipients in DEAD state now. */
  readonly 'Mail.Dead': number;
  /** Mail.Held: recipients held now. */
  readonly 'Mail.Held': number;
  /** Per destination: waiting, in flight, the next attempt, and the retry time when the destination is in retry. */
  readonly queues: readonly {
    readonly destination: string;
    readonly waiting: number;
    readonly inFlight: number;
    readonly nextAttemptMs?: number | undefined;
    readonly retryAtMs?: number | undefined;
    readonly failures?: number | undefined;
  }[];
}

/** The statistics of a Router's status. */
export function mailStatistics(status: RouterStatus): MailStatistics {
  const r = status.mailBox.recipients;
  const retry = new Map(status.inRetry.map((x) => [x.destination, x]));
  return {
    'Mail.Waiting': r.waiting + r['in-flight'],
    'Mail.Delivered': status.counters.delivered,
    'Mail.Transferred': status.counters.transferred,
    'Mail.TransferFailures': status.counters.transferFailures,
    'Mail.Dead': r.dead,
    'Mail.Held': r.held,
    queues: status.mailBox.destinations.map((d) => {
      const inRetry = retry.get(d.destination);
      return {
        destination: d.destination,
        waiting: d.waiting,
        inFlight: d.inFlight,
        nextAttemptMs: d.nextAttemptMs,
        ...(inRetry === undefined ? {} : { retryAtMs: inRetry.retryAtMs, failures: inRetry.failures }),
      };
    }),
  };
}

/** The statistics as `show stat Mail` prints them, one `Name = value` line each, then the queues. */
export function formatMailStatistics(stats: MailStatistics): string {
  const names = [
    'Mail.Waiting',
    'Mail.Delivered',
    'Mail.Transferred',
    'Mail.TransferFailures',
    'Mail.Dead',
    'Mail.Held',
  ] as const;
  const lines = names.map((k) => `  ${k} = ${stats[k]}`);
  for (const q of stats.queues)
    lines.push(
      `  Queue ${q.destination}: ${q.waiting} waiting, ${q.inFlight} in flight${
        q.retryAtMs === undefined
          ? ''
          : `, in retry until ${new Date(q.retryAtMs).toISOString()} (${q.failures} failures)`
      }`,
    );
  return `${lines.join('\n')}\n`;
}

/** The operator's actions on mail.box. */
export interface QueueOperator {
  /** Messages with a recipient in `state` (held, dead, waiting, ...), in queue order, a page at a time. */
  list(filter?: {
    readonly state?: RecipientState;
    readonly limit?: number;
    readonly after?: string;
  }): Promise<QueuedMessage[]>;
  /** One message with its recipients, or undefined. */
  show(id: string): Promise<QueuedMessage | undefined>;
  /** RoutingState HOLD for waiting recipients (all, or `indexes`). */
  hold(id: string, indexes?: readonly number[]): Promise<void>;
  /** Held or dead recipients become waiting and due now; the Router looks at the queue at once. */
  release(id: string, indexes?: readonly number[]): Promise<void>;
  /** Deletes the message whatever its state (no report). `MAILBOX_NOT_FOUND` when there is none. */
  remove(id: string): Promise<void>;
  /**
   * Routes recipients again with the current directory (after a configuration change), held and
   * dead ones included (they become waiting, due now). Resolves with each recipient and where it goes.
   */
  reroute(
    id: string,
    indexes?: readonly number[],
  ): Promise<{ index: number; address: string; destination: string }[]>;
  /** `show stat Mail`. */
  statistics(): Promise<MailStatistics>;
}

/** What the operator needs: the Router, the planner for reroute, the clock. */
export interface QueueOperatorOptions {
  readonly router: Router;
  /** The directory, this server's graph and dispatch options, as given to `createRouter`. */
  readonly planner: Planner;
  readonly clock: { now(): number };
}

function notFound(id: string): MailrouteError {
  return new MailrouteError('MAILBOX_NOT_FOUND', `No message ${id} in mail.box`);
}

/** Creates the operator's view over a Router. */
export function createQueueOperator(options: QueueOperatorOptions): QueueOperator {
  const { router, planner, clock } = options;
  const mailBox = router.mailBox;
  return {
    list: (filter = {}) =>
      mailBox.list({
        ...(filter.state === undefined ? {} : { state: filter.state }),
        limit: filter.limit ?? 100,
        ...(filter.after === undefined ? {} : { after: filter.after }),
      }),
    show: (id) => mailBox.get(id),
    async hold(id, indexes) {
      await mailBox.hold(id, indexes);
    },
    async release(id, indexes) {
      await mailBox.release(id, clock.now(), indexes);
      router.poke();
    },
    async remove(id) {
      if ((await mailBox.get(id)) === undefined) throw notFound(id);
      await mailBox.remove(id);
    },
    async reroute(id, indexes) {
      const message = await mailBox.get(id);
      if (message === undefined) throw notFound(id);
      const moved: { index: number; address: string; destination: string }[] = [];
      for (const r of message.recipients) {
        if (indexes !== undefined && !indexes.includes(r.index)) continue;
        if (r.state !== 'waiting' && r.state !== 'held' && r.state !== 'dead') continue;
        const old = routeFromJson(r.route);
        const route = planAddress(planner, r.address, old.field)[0];
        if (route === undefined) continue;
        const next = old.group === undefined ? route : { ...route, group: old.group };
        const destination = destinationOf(next);
        await mailBox.reroute(id, r.index, destination, routeToJson(next), clock.now());
        moved.push({ index: r.index, address: r.address, destination });
      }
      router.poke();
      return moved;
    },
    async statistics() {
      return mailStatistics(await router.status());
    },
  };
}
