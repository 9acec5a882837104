/**
 * After a hop went down: every waiting recipient of the destination is routed again, and moved
 * when the least-cost path now leads elsewhere (a second gateway takes the mail).
 */
import { planAddress } from '../plan/plan-recipients.js';
import { destinationOf, routeFromJson, routeToJson } from '../plan/route.js';
import type { RouterContext } from './context.js';

const PAGE = 100;

export async function rerouteWaiting(ctx: RouterContext, destination: string): Promise<void> {
  let after: string | undefined;
  for (;;) {
    const page = await ctx.mailBox.list({
      destination,
      state: 'waiting',
      limit: PAGE,
      ...(after ? { after } : {}),
    });
    if (page.length === 0) break;
    for (const message of page) {
      for (const r of message.recipients) {
        if (r.destination !== destination || r.state !== 'waiting') continue;
        const old = routeFromJson(r.route);
        const routes = planAddress(ctx.planner, r.address, old.field);
        const route = routes.find((x) => x.kind !== 'fail' && destinationOf(x) !== destination);
        if (route === undefined) continue;
        const moved = old.group === undefined ? route : { ...route, group: old.group };
        await ctx.mailBox.reroute(
          message.id,
          r.index,
          destinationOf(moved),
          routeToJson(moved),
          ctx.clock.now(),
        );
        ctx.newWork?.([destinationOf(moved)]);
        ctx.logger.info(
          { queueId: message.id, recipient: r.address, from: destination, to: destinationOf(moved) },
          'Router: rerouted to the next least-cost path',
        );
      }
    }
    after = page[page.length - 1]!.id;
    if (page.length < PAGE) break;
  }
}
