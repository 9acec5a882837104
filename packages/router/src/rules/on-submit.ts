/**
 * What the Router does with a mail rules verdict when a message is submitted (evaluated once, on
 * arrival, as Domino evaluates a message once when it lands in mail.box):
 *
 * - Don't accept: `ROUTER_RULE_REFUSED` with a 554 5.7.1 reply (the gateway sends it instead of
 *   the 250; better, it calls `evaluateMessageRules` at the end of DATA and never submits).
 * - Journal: a copy to the JournalStore first; if that fails the submit fails with a 451
 *   (temporary), so a message is never routed unjournaled against a rule.
 * - Move to database: the message goes into the named database through a MailFiles and is not routed.
 * - Don't deliver: silently deleted (logged at warn with the rule, counted) or failed with a report.
 * - HOLD: queued with every recipient held.
 */
import { randomBytes } from 'node:crypto';
import { type Logger, MailrouteError, SmtpReply } from '@mailroute/envelope';
import { INBOX_FOLDER, type MailFiles } from '../delivery/mail-files.js';
import type { JournalStore } from '../journal/journal-store.js';
import type { MessageTracker } from '../tracking/tracker.js';
import { evaluateMailRules, type MailRulesVerdict } from './evaluate.js';
import { isSingleTextPart, messageFacts } from './facts.js';
import type { MailRulesSource } from './file.js';

/** The reply for "Don't accept message": a permanent policy refusal (RFC 3463 5.7.1). */
export const RULE_REFUSAL_REPLY = SmtpReply.of(554, '5.7.1', 'Message rejected for policy reasons');

const EMPTY_FACTS = Object.freeze({
  sender: '',
  subject: '',
  body: '',
  importance: 'normal',
  deliveryPriority: 'normal',
  to: [],
  cc: [],
  bcc: [],
  internetDomain: '',
  sizeBytes: 0,
  attachmentNames: [],
  form: 'Memo',
  recipients: [],
});

/** Evaluates the rules for a message from its bytes and envelope (the gateway calls this at the end of DATA). */
export async function evaluateMessageRules(
  source: MailRulesSource,
  body: Uint8Array,
  envelope: { readonly mailFrom: string; readonly recipients: readonly string[] },
): Promise<MailRulesVerdict> {
  const rules = source.current();
  if (rules.rules.length === 0) return evaluateMailRules(rules, EMPTY_FACTS);
  // The header block is enough unless a rule reads content that this message can have: its text
  // (body conditions), or its attachments, which a single text part without a disposition has none of.
  const headerOnly = !rules.readsContent || (!rules.readsBody && isSingleTextPart(body));
  return evaluateMailRules(rules, await messageFacts(body, envelope, { headerOnly }));
}

/** Counts of rule actions, beside the Router's counters. */
export interface RuleCounters {
  journaled: number;
  ruleHeld: number;
  ruleMoved: number;
  ruleDeleted: number;
  ruleNdr: number;
  ruleRefused: number;
}

/** What submit does next. */
export type RuleStep =
  | { readonly next: 'route'; readonly state?: 'held'; readonly ndr?: string }
  | { readonly next: 'done'; readonly id: string; readonly destination: string };

/** What applying a verdict needs. */
export interface RuleApplyContext {
  readonly journal: JournalStore | undefined;
  readonly databases: MailFiles | undefined;
  readonly tracker: MessageTracker;
  readonly logger: Logger;
  readonly counters: RuleCounters;
  readonly nowMs: number;
}

/** Applies a verdict to a submitted message; throws `MailrouteError` for a refusal or a failed journal or move. */
export async function applyVerdict(
  ctx: RuleApplyContext,
  verdict: MailRulesVerdict,
  message: {
    readonly mailFrom: string;
    readonly recipients: readonly string[];
    readonly body: Uint8Array;
    readonly messageId?: string | undefined;
    readonly arrivalMs: number;
  },
): Promise<RuleStep> {
  const d = verdict.disposition;
  const trace = verdict.trace
    .filter((t) => t.applied)
    .map(
      (t) =>
        `${t.rule}: ${t.clauses
          .filter((c) => c.result)
          .map((c) => c.clause)
          .join(' and ')}`,
    );
  if (d.type === 'dontAccept') {
    ctx.counters.ruleRefused++;
    ctx.logger.warn(
      { rule: d.rule, from: message.mailFrom, messageId: message.messageId, trace },
      'Router: message refused by a mail rule',
    );
    throw new MailrouteError('ROUTER_RULE_REFUSED', `Refused by mail rule ${d.rule}`, {
      reply: RULE_REFUSAL_REPLY,
    });
  }
  // One id for the copies a rule makes outside mail.box (journal, moved, deleted), for tracking.
  const ruleId = `R${randomBytes(8).toString('hex').toUpperCase()}`;
  if (verdict.journal) {
    if (ctx.journal === undefined)
      throw new MailrouteError(
        'ROUTER_JOURNAL_MISSING',
        'A mail rule asks for journaling but no journal store is configured',
        {
          temporary: true,
          reply: SmtpReply.of(451, '4.3.0', 'Mail journaling unavailable; try again later'),
        },
      );
    const written = await ctx.journal.write({
      journalId: ruleId,
      arrivalMs: message.arrivalMs,
      mailFrom: message.mailFrom,
      recipients: message.recipients,
      messageId: message.messageId,
      rules: verdict.trace.filter((t) => t.applied && t.action.type === 'journal').map((t) => t.rule),
      message: message.body,
    });
    if (!written.ok)
      throw new MailrouteError('ROUTER_JOURNAL_FAILED', written.reason.message, {
        temporary: true,
        reply: SmtpReply.of(451, '4.3.0', 'Mail journaling failed; try again later'),
      });
    ctx.counters.journaled++;
    ctx.tracker.record({
      queueId: ruleId,
      atMs: ctx.nowMs,
      kind: 'journaled',
      messageId: message.messageId,
      detail: 'copy in the journal store',
    });
  }
  switch (d.type) {
    case 'route':
      return { next: 'route' };
    case 'hold':
      ctx.counters.ruleHeld++;
      ctx.logger.info({ rule: d.rule, messageId: message.messageId, trace }, 'Router: held by a mail rule');
      return { next: 'route', state: 'held' };
    case 'dontDeliver':
      if (d.ndr) {
        ctx.counters.ruleNdr++;
        return { next: 'route', ndr: `Message was not delivered: it was blocked by mail rule ${d.rule}` };
      }
      ctx.counters.ruleDeleted++;
      ctx.logger.warn(
        {
          rule: d.rule,
          queueId: ruleId,
          from: message.mailFrom,
          recipients: message.recipients,
          messageId: message.messageId,
          trace,
        },
        "Router: deleted by a mail rule (Don't deliver, silently)",
      );
      ctx.tracker.record({
        queueId: ruleId,
        atMs: ctx.nowMs,
        kind: 'rule',
        messageId: message.messageId,
        detail: `deleted by mail rule ${d.rule}`,
      });
      return { next: 'done', id: ruleId, destination: 'rule:deleted' };
    case 'move': {
      if (ctx.databases === undefined)
        throw new MailrouteError(
          'ROUTER_RULE_NO_DATABASE',
          'Move to database needs mail files for the database',
          {
            temporary: true,
            reply: SmtpReply.of(451, '4.3.0', 'Requested action aborted: local error in processing'),
          },
        );
      let outcome: Awaited<ReturnType<MailFiles['deliver']>>;
      try {
        outcome = await ctx.databases.deliver({
          queueId: ruleId,
          mailFile: d.database,
          owner: 'Router',
          recipients: message.recipients,
          mailFrom: message.mailFrom,
          message: message.body,
          deliveredMs: ctx.nowMs,
          folders: [INBOX_FOLDER],
        });
      } catch (error) {
        outcome = {
          ok: false,
          reason: { code: 'ROUTER_MAIL_FILE_ERROR', message: String(error), temporary: true },
        };
      }
      if (!outcome.ok)
        throw new MailrouteError(
          'ROUTER_RULE_MOVE_FAILED',
          `Move to ${d.database} failed: ${outcome.reason.message}`,
          {
            temporary: true,
            reply: SmtpReply.of(451, '4.3.0', 'Requested action aborted: local error in processing'),
          },
        );
      ctx.counters.ruleMoved++;
      ctx.logger.info(
        { rule: d.rule, database: d.database, queueId: ruleId, messageId: message.messageId, trace },
        'Router: moved to a database by a mail rule',
      );
      ctx.tracker.record({
        queueId: ruleId,
        atMs: ctx.nowMs,
        kind: 'rule',
        messageId: message.messageId,
        destination: `database:${d.database}`,
        detail: `moved by mail rule ${d.rule}`,
      });
      return { next: 'done', id: ruleId, destination: `database:${d.database}` };
    }
  }
}
