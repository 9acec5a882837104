/**
 * One attempt's results become one settlement: final states, deferrals on Domino's schedule,
 * expiry, and the reports due (failure, delay, delivered, relayed), enqueued in the same durable
 * step as the outcomes they report, each keyed so that a repeat after a crash enqueues nothing.
 */

import { joinChunks } from '../mailbox/body.js';
import type {
  NewMessage,
  QueuedMessage,
  QueuedRecipient,
  RecipientOutcome,
  StoredReply,
} from '../mailbox/types.js';
import { planAddress } from '../plan/plan-recipients.js';
import { destinationOf, routeFromJson, routeToJson } from '../plan/route.js';
import type { DsnAction, ReportRecipient } from '../reports/delivery-status.js';
import { buildReport } from '../reports/report-message.js';
import { reportAddressee, wantsReport } from '../reports/report-policy.js';
import type { RouterContext } from './context.js';
import { retryDelayMs } from './retry-schedule.js';

/** What happened to one recipient in one attempt. */
export type AttemptResult =
  | {
      readonly index: number;
      readonly kind: 'done';
      readonly state: 'delivered' | 'transferred';
      readonly reply?: StoredReply | undefined;
      readonly remoteMta?: string | undefined;
      /** Transferred to a hop that could not take NOTIFY (a "relayed" report may be due). */
      readonly relayed?: boolean | undefined;
    }
  | {
      readonly index: number;
      readonly kind: 'transient' | 'permanent';
      /** Domino's words for the report. */
      readonly reason: string;
      /** RFC 3463 status when no reply gives one. */
      readonly status?: string | undefined;
      readonly reply?: StoredReply | undefined;
      readonly remoteMta?: string | undefined;
      /** For `transient`: not before this time (the destination's retry time), if later than the recipient's own. */
      readonly notBeforeMs?: number | undefined;
    };

function statusOf(result: Extract<AttemptResult, { reason: string }>, fallback: string): string {
  if (result.reply?.enhanced) return result.reply.enhanced;
  if (result.status !== undefined) return result.status;
  if (result.reply !== undefined) return `${Math.floor(result.reply.code / 100)}.0.0`;
  return fallback;
}

/** The planned outcome of one recipient plus the report line it needs, if any. */
interface Planned {
  readonly outcome: RecipientOutcome;
  readonly report?: ReportRecipient;
}

function planOne(
  ctx: RouterContext,
  message: QueuedMessage,
  recipient: QueuedRecipient,
  result: AttemptResult,
  nowMs: number,
): Planned {
  const base = {
    index: recipient.index,
    attemptMs: nowMs,
    ...(result.reply === undefined ? {} : { reply: result.reply }),
    ...(result.remoteMta === undefined ? {} : { remoteMta: result.remoteMta }),
  };
  const line = {
    address: recipient.address,
    orcpt: recipient.orcpt,
    remoteMta: result.remoteMta,
    reply: result.reply,
    lastAttemptMs: nowMs,
  };
  const isReport = message.envelope.isReport === true;
  const want = (action: DsnAction): boolean => wantsReport(ctx.reports, message, recipient, action);
  if (result.kind === 'done') {
    const outcome: RecipientOutcome = { ...base, state: result.state };
    if (result.state === 'delivered' && want('delivered'))
      return { outcome, report: { ...line, action: 'delivered', status: '2.0.0', reason: 'delivered' } };
    if (result.state === 'transferred' && result.relayed === true && want('relayed'))
      return { outcome, report: { ...line, action: 'relayed', status: '2.0.0', reason: 'relayed' } };
    return { outcome };
  }
  const expiresMs = message.arrivalMs + ctx.tuning.expiryMs;
  const permanent = result.kind === 'permanent';
  if (permanent || nowMs >= expiresMs) {
    const reason = permanent ? result.reason : `Message expired: ${result.reason}`;
    const status = permanent ? statusOf(result, '5.0.0') : '4.4.7';
    // An undeliverable report is dead mail (Domino): kept for the administrator, never reported on.
    const outcome: RecipientOutcome = { ...base, state: isReport ? 'dead' : 'failed' };
    if (!want('failed')) return { outcome };
    return { outcome, report: { ...line, action: 'failed', status, reason } };
  }
  const own = nowMs + retryDelayMs(recipient.attempts + 1, ctx.tuning.initialTransferRetryIntervalMs);
  // The last try happens at the expiry time, so a message never waits much past it.
  const next = Math.min(Math.max(own, result.notBeforeMs ?? 0), expiresMs);
  const delayDue =
    recipient.delayReported !== true &&
    nowMs - message.arrivalMs >= ctx.tuning.delayReportAfterMs &&
    want('delayed');
  const outcome: RecipientOutcome = {
    ...base,
    state: 'waiting',
    nextAttemptMs: next,
    ...(delayDue ? { delayReported: true } : {}),
  };
  if (!delayDue) return { outcome };
  return {
    outcome,
    report: {
      ...line,
      action: 'delayed',
      status: statusOf(result, '4.0.0'),
      reason: result.reason,
      willRetryUntilMs: expiresMs,
    },
  };
}

/** Reads a stored body into memory (reports return it; transfers sign it). */
export async function readBody(ctx: RouterContext, id: string): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of ctx.mailBox.openBody(id)) chunks.push(chunk);
  // A body that came in one chunk (the file store's cache) is used as it is: no copy per transfer.
  return joinChunks(chunks);
}

/** The reports about `message` for `lines`, as messages to enqueue (none, or one). */
async function reportMessages(
  ctx: RouterContext,
  message: QueuedMessage,
  lines: readonly { index: number; report: ReportRecipient }[],
  body: Uint8Array | undefined,
  nowMs: number,
): Promise<NewMessage[]> {
  if (lines.length === 0) return [];
  const addressee = reportAddressee(ctx.reports, message, ctx.postmaster);
  if (addressee.kind === 'none') return [];
  const original = body ?? (await readBody(ctx, message.id));
  const built = await buildReport({
    reportingMta: ctx.reportingMta,
    envid: message.envelope.envid,
    receivedFrom: message.envelope.receivedFrom,
    arrivalMs: message.arrivalMs,
    to: addressee.to,
    from: ctx.postmaster,
    dateMs: nowMs,
    ret: message.envelope.ret,
    original,
    recipients: lines.map((l) => l.report),
  });
  const routes = planAddress(ctx.planner, addressee.to, 'to');
  const key = lines.map((l) => `${l.index}${l.report.action[0]}`).join(',');
  return [
    {
      envelope: { mailFrom: '', isReport: true, authenticated: true, smtputf8: built.smtputf8 },
      arrivalMs: nowMs,
      messageId: built.messageId,
      body: built.bytes,
      idempotencyKey: `dsn:${message.id}:${key}`,
      recipients: routes.map((route) => ({
        address: addressee.to,
        destination: destinationOf(route),
        route: routeToJson(route),
        ...(addressee.kind === 'dead' ? { state: 'dead' as const } : {}),
      })),
    },
  ];
}

/**
 * Records one attempt for the leased recipients of `message` (outcomes and reports in one
 * settle). `body` is the stored message when the caller has read it already.
 */
export async function settleAttempt(
  ctx: RouterContext,
  message: QueuedMessage,
  recipients: readonly QueuedRecipient[],
  results: readonly AttemptResult[],
  body?: Uint8Array,
): Promise<void> {
  const nowMs = ctx.clock.now();
  const byIndex = new Map(results.map((r) => [r.index, r]));
  const outcomes: RecipientOutcome[] = [];
  const lines: { index: number; report: ReportRecipient }[] = [];
  for (const recipient of recipients) {
    const result = byIndex.get(recipient.index);
    if (result === undefined) continue;
    const planned = planOne(ctx, message, recipient, result, nowMs);
    outcomes.push(planned.outcome);
    if (planned.report !== undefined) lines.push({ index: recipient.index, report: planned.report });
    const c = ctx.counters;
    const state = planned.outcome.state;
    if (state === 'delivered') c.delivered++;
    else if (state === 'transferred') c.transferred++;
    else if (state === 'failed') c.failed++;
    else if (state === 'dead') c.dead++;
    else if (state === 'waiting') c.deferred++;
    ctx.logger.info(
      {
        queueId: message.id,
        recipient: recipient.address,
        destination: recipient.destination,
        state,
        route: routeFromJson(recipient.route).kind,
        ...(result.reply === undefined ? {} : { reply: `${result.reply.code} ${result.reply.text}` }),
      },
      `Router: ${recipient.address} ${state}`,
    );
  }
  const reports = await reportMessages(ctx, message, lines, body, nowMs);
  for (const r of reports) {
    ctx.counters.reports++;
    if (r.recipients.some((x) => x.state === 'dead')) ctx.counters.dead++;
  }
  await ctx.mailBox.settle({
    id: message.id,
    owner: ctx.owner,
    outcomes,
    ...(reports.length > 0 ? { reports } : {}),
  });
  for (const r of reports) ctx.newWork?.(r.recipients.map((x) => x.destination));
}
