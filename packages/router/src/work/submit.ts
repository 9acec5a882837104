/**
 * `submit`: the server mail rules applied once, each recipient routed (groups expanded), and the
 * message enqueued in mail.box with one destination per recipient; resolves once it is durable.
 */
import { MailrouteError } from '@mailroute/envelope';
import type { MailFiles } from '../delivery/mail-files.js';
import type { JournalStore } from '../journal/journal-store.js';
import { bccAddresses } from '../message/bcc.js';
import { headerFields, type RawField } from '../message/header-block.js';
import { planRecipients } from '../plan/plan-recipients.js';
import { routeFromJson, routeToJson, UNROUTABLE_QUEUE } from '../plan/route.js';
import type { SubmitMessage, SubmitResult } from '../router-types.js';
import type { MailRulesVerdict } from '../rules/evaluate.js';
import type { MailRulesSource } from '../rules/file.js';
import { applyVerdict, type RuleCounters, type RuleStep } from '../rules/on-submit.js';
import type { MessageTracker } from '../tracking/tracker.js';
import type { RouterContext } from './context.js';
import type { RetryStateStore } from './retry-state.js';

/** The mail rules part of the Router. */
export interface RulesSetup {
  readonly rules: MailRulesSource | undefined;
  readonly journal: JournalStore | undefined;
  readonly databases: MailFiles | undefined;
  readonly tracker: MessageTracker;
  readonly retryState: RetryStateStore | undefined;
}

/** The rules as `submit` uses them. */
export interface SubmitRules {
  readonly setup: RulesSetup;
  readonly counters: RuleCounters;
  evaluate(message: Pick<SubmitMessage, 'envelope' | 'recipients' | 'body'>): Promise<MailRulesVerdict>;
}

function fieldOfFactory(fields: readonly RawField[]): (address: string) => 'to' | 'cc' | 'bcc' {
  const bcc = bccAddresses(fields);
  const listed = (name: string): Set<string> => {
    const out = new Set<string>();
    for (const f of fields)
      if (f.name.toLowerCase() === name)
        for (const part of f.value.split(',')) {
          const m = /<([^>]+)>/.exec(part);
          out.add((m ? m[1]! : part).trim().toLowerCase());
        }
    return out;
  };
  const to = listed('to');
  const cc = listed('cc');
  return (address) => {
    const a = address.toLowerCase();
    if (bcc.has(a)) return 'bcc';
    if (to.has(a)) return 'to';
    if (cc.has(a)) return 'cc';
    // An envelope recipient in neither To nor Cc is a blind copy (as the itemizer's BlindCopyTo).
    return 'bcc';
  };
}

/** Evaluates (once) and applies the mail rules of a submitted message. */
async function applyRules(
  rules: SubmitRules,
  ctx: RouterContext,
  message: SubmitMessage,
  messageId: string | undefined,
  arrivalMs: number,
): Promise<RuleStep> {
  // A report the Router wrote itself is not subject to the rules (it never reaches submit anyway).
  if (rules.setup.rules === undefined && message.ruleVerdict === undefined) return { next: 'route' };
  const verdict = message.ruleVerdict ?? (await rules.evaluate(message));
  if (verdict.applied.length === 0) return { next: 'route' };
  return applyVerdict(
    {
      journal: rules.setup.journal,
      databases: rules.setup.databases,
      tracker: rules.setup.tracker,
      logger: ctx.logger,
      counters: rules.counters,
      nowMs: ctx.clock.now(),
    },
    verdict,
    {
      mailFrom: message.envelope.mailFrom,
      recipients: message.recipients.map((r) => r.address),
      body: message.body,
      messageId,
      arrivalMs,
    },
  );
}

export async function submitMessage(
  ctx: RouterContext,
  rules: SubmitRules,
  message: SubmitMessage,
): Promise<SubmitResult> {
  if (message.recipients.length === 0)
    throw new MailrouteError('ROUTER_NO_RECIPIENTS', 'A message needs at least one recipient');
  const body = message.body;
  const fields = headerFields(body);
  const messageIdField = fields.find((f) => f.name.toLowerCase() === 'message-id')?.value;
  const arrivalMs = message.arrivalMs ?? ctx.clock.now();
  const step = await applyRules(rules, ctx, message, messageIdField, arrivalMs);
  if (step.next === 'done')
    return {
      id: step.id,
      recipients: message.recipients.map((r) => ({ address: r.address, destination: step.destination })),
    };
  const planned = planRecipients(ctx.planner, message.recipients, fieldOfFactory(fields));
  // HOLD keeps every recipient in mail.box; Don't deliver with an NDR fails each with a report.
  const recipients =
    step.state === 'held'
      ? planned.map((r) => ({ ...r, state: 'held' as const }))
      : step.ndr !== undefined
        ? planned.map((r) => {
            const field = routeFromJson(r.route).field;
            const route = { kind: 'fail', field, failure: 'policy', reason: step.ndr ?? '' } as const;
            return { ...r, destination: UNROUTABLE_QUEUE, route: routeToJson(route) };
          })
        : planned;
  const contentType = fields.find((f) => f.name.toLowerCase() === 'content-type')?.value ?? '';
  const isReport =
    message.envelope.isReport === true ||
    (/^\s*multipart\/report\b/i.test(contentType) &&
      /report-type\s*=\s*"?delivery-status/i.test(contentType));
  const messageId = fields.find((f) => f.name.toLowerCase() === 'message-id')?.value;
  const id = await ctx.mailBox.enqueue({
    envelope: { ...message.envelope, ...(isReport ? { isReport: true } : {}) },
    arrivalMs,
    ...(messageId === undefined ? {} : { messageId }),
    recipients,
    body,
    ...(message.idempotencyKey === undefined ? {} : { idempotencyKey: message.idempotencyKey }),
  });
  ctx.logger.info(
    { queueId: id, recipients: recipients.length, from: message.envelope.mailFrom },
    'Router: queued',
  );
  ctx.newWork?.(recipients.map((r) => r.destination));
  return {
    id,
    recipients: recipients.map((r) => {
      const route = routeFromJson(r.route);
      return {
        address: r.address,
        destination: r.destination,
        ...(route.kind === 'fail' ? { failure: route.reason } : {}),
      };
    }),
  };
}
