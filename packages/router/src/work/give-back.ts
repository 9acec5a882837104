/**
 * Giving leased work back unstarted: the units' recipients become waiting again, due at `dueMs`
 * (or their own later time), with no attempt counted. Used for units leased for a destination
 * that is in retry, and for units that waited in memory when the Router stops or their
 * destination fails.
 */
import type { LeasedMessage } from '../mailbox/types.js';
import type { RouterContext } from './context.js';

export async function giveBackUnits(
  ctx: RouterContext,
  units: readonly LeasedMessage[],
  dueMs: number,
): Promise<void> {
  for (const unit of units)
    await ctx.mailBox.settle({
      id: unit.message.id,
      owner: ctx.owner,
      outcomes: unit.recipients.map((r) => ({
        index: r.index,
        state: 'waiting' as const,
        nextAttemptMs: Math.max(dueMs, r.nextAttemptMs),
        attemptMs: ctx.clock.now(),
        countsAsAttempt: false,
      })),
    });
}
