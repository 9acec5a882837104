/**
 * A MailBox that tells a MessageTracker what happens to each message: enqueued (with each
 * recipient's destination), every settled outcome with its reply, reports queued, holds,
 * releases, reroutes and deletes. It wraps any store, so tracking needs no change to the store
 * or to the Router's workers. Recording never fails a store call (a tracker that throws is ignored).
 */
import type { Clock } from '@mailroute/envelope';
import type { MailBox, QueueId, StoredReply } from '../mailbox/types.js';
import type { MessageTracker, TrackingEvent } from './tracker.js';

function replyText(reply: StoredReply | undefined): string | undefined {
  if (reply === undefined) return undefined;
  return [String(reply.code), reply.enhanced, reply.text]
    .filter((x) => x !== undefined && x !== '')
    .join(' ');
}

/** Wraps `mailBox` so every change is recorded in `tracker`. */
export function trackingMailBox(mailBox: MailBox, tracker: MessageTracker, clock: Clock): MailBox {
  const record = (event: TrackingEvent): void => {
    try {
      tracker.record(event);
    } catch {
      // Tracking is an aid; it never stands in the way of mail.
    }
  };
  /** Addresses by queue id and index, for outcomes (which carry only the index). */
  const addressOf = async (id: QueueId): Promise<Map<number, { address: string; destination: string }>> => {
    const m = await mailBox.get(id).catch(() => undefined);
    return new Map(
      (m?.recipients ?? []).map((r) => [r.index, { address: r.address, destination: r.destination }]),
    );
  };
  return {
    async enqueue(message) {
      const id = await mailBox.enqueue(message);
      const atMs = clock.now();
      for (const r of message.recipients)
        record({
          queueId: id,
          atMs,
          kind: r.state === 'held' ? 'held' : 'queued',
          messageId: message.messageId,
          recipient: r.address,
          destination: r.destination,
          ...(r.state === 'dead' ? { state: 'dead' } : {}),
          ...(message.envelope.receivedFrom === undefined
            ? {}
            : { detail: `from ${message.envelope.receivedFrom}` }),
        });
      return id;
    },
    lease: (request) => mailBox.lease(request),
    async settle(settlement) {
      const before = await addressOf(settlement.id);
      await mailBox.settle(settlement);
      const atMs = clock.now();
      for (const o of settlement.outcomes) {
        // A give-back (no attempt, still waiting) is scheduling, not part of the message's path.
        if (o.countsAsAttempt === false && o.state === 'waiting') continue;
        const r = before.get(o.index);
        record({
          queueId: settlement.id,
          atMs,
          kind: 'attempt',
          recipient: r?.address,
          destination: r?.destination,
          state: o.state,
          reply: replyText(o.reply),
          remoteMta: o.remoteMta,
          ...(o.state === 'waiting' && o.nextAttemptMs !== undefined
            ? { detail: `next attempt ${new Date(o.nextAttemptMs).toISOString()}` }
            : {}),
        });
      }
      for (const report of settlement.reports ?? [])
        record({
          queueId: settlement.id,
          atMs,
          kind: 'report',
          detail: `report to ${report.recipients.map((r) => r.address).join(', ') || '(nobody)'}${
            report.recipients.some((r) => r.state === 'dead') ? ' (dead)' : ''
          }`,
        });
    },
    openBody: (id) => mailBox.openBody(id),
    get: (id) => mailBox.get(id),
    list: (filter) => mailBox.list(filter),
    counts: () => mailBox.counts(),
    async hold(id, indexes) {
      await mailBox.hold(id, indexes);
      record({
        queueId: id,
        atMs: clock.now(),
        kind: 'held',
        detail: indexes ? `recipients ${indexes.join(',')}` : 'all waiting recipients',
      });
    },
    async release(id, nowMs, indexes) {
      await mailBox.release(id, nowMs, indexes);
      record({
        queueId: id,
        atMs: nowMs,
        kind: 'released',
        detail: indexes ? `recipients ${indexes.join(',')}` : 'all held or dead recipients',
      });
    },
    async reroute(id, index, destination, route, nowMs) {
      const before = await addressOf(id);
      await mailBox.reroute(id, index, destination, route, nowMs);
      record({
        queueId: id,
        atMs: nowMs,
        kind: 'rerouted',
        recipient: before.get(index)?.address,
        destination,
      });
    },
    async remove(id) {
      await mailBox.remove(id);
      record({ queueId: id, atMs: clock.now(), kind: 'deleted' });
    },
    close: () => mailBox.close(),
    ...(typeof mailBox.onWork === 'function' ? { onWork: mailBox.onWork.bind(mailBox) } : {}),
  };
}
