/**
 * Evaluates compiled server mail rules against one message's facts, in priority order, and says
 * what to do with a trace of why (for `explain` and the routing log). Pure: no I/O, no clock.
 *
 * Precedence (Domino runs each matching rule's action in list order): `journal` accumulates (one
 * journal copy however many rules ask); the first matching rule with any other action decides
 * the message's fate and ends the evaluation, so a HOLD below a "Don't accept" never runs.
 */
import type { CompiledClause, CompiledMailRules, CompiledRule } from './compile.js';
import type { MailRuleAction, MessageFacts } from './types.js';

/** What happens to the message as a whole (the deciding rule's action, else `route`). */
export type MailRulesDisposition =
  | { readonly type: 'route' }
  | { readonly type: 'hold'; readonly rule: string }
  | { readonly type: 'move'; readonly database: string; readonly rule: string }
  | { readonly type: 'dontAccept'; readonly rule: string }
  | { readonly type: 'dontDeliver'; readonly ndr: boolean; readonly rule: string };

/** One rule's evaluation, for `explain`. */
export interface MailRuleTrace {
  readonly rule: string;
  readonly index: number;
  /** The clauses evaluated (evaluation stops early inside an AND group that failed). */
  readonly clauses: readonly { readonly clause: string; readonly result: boolean }[];
  readonly conditionMatched: boolean;
  /** The exception that matched, when one did. */
  readonly exception?: string;
  /** True when the rule applies: condition matched and no exception. */
  readonly applied: boolean;
  readonly action: MailRuleAction;
}

/** The result of {@link evaluateMailRules}. */
export interface MailRulesVerdict {
  /** A copy goes to the journal store (Journal this message). */
  readonly journal: boolean;
  readonly disposition: MailRulesDisposition;
  /** The names of the rules that applied, in order. */
  readonly applied: readonly string[];
  /** Every rule evaluated, in order. */
  readonly trace: readonly MailRuleTrace[];
}

/** The facts with their lowercased texts, made once per message (a body search costs one lowercase). */
class Prepared {
  readonly #facts: MessageFacts;
  readonly #cache = new Map<string, readonly string[]>();
  constructor(facts: MessageFacts) {
    this.#facts = facts;
  }
  texts(field: CompiledClause['field']): readonly string[] {
    let v = this.#cache.get(field);
    if (v !== undefined) return v;
    const f = this.#facts;
    const lower = (xs: readonly string[]) => xs.map((x) => x.toLowerCase());
    switch (field) {
      case 'sender':
        v = lower(f.sender.split('\n'));
        break;
      case 'subject':
        v = [f.subject.toLowerCase()];
        break;
      case 'body':
        v = [f.body.toLowerCase()];
        break;
      case 'bodyOrSubject':
        v = [...this.texts('subject'), ...this.texts('body')];
        break;
      case 'importance':
        v = [f.importance];
        break;
      case 'deliveryPriority':
        v = [f.deliveryPriority];
        break;
      case 'to':
        v = lower(f.to);
        break;
      case 'cc':
        v = lower(f.cc);
        break;
      case 'bcc':
        v = lower(f.bcc);
        break;
      case 'toOrCc':
        v = [...this.texts('to'), ...this.texts('cc')];
        break;
      case 'internetDomain':
        v = [f.internetDomain.toLowerCase()];
        break;
      case 'attachmentName':
        v = lower(f.attachmentNames);
        break;
      case 'form':
        v = [f.form.toLowerCase()];
        break;
      case 'anyRecipient':
        v = [...lower(f.recipients), ...this.texts('to'), ...this.texts('cc'), ...this.texts('bcc')];
        break;
      default:
        v = [];
    }
    this.#cache.set(field, v);
    return v;
  }
  number(field: CompiledClause['field']): number {
    const f = this.#facts;
    if (field === 'size') return f.sizeBytes;
    if (field === 'attachmentCount') return f.attachmentNames.length;
    return f.recipients.length;
  }
}

function test(clause: CompiledClause, facts: Prepared): boolean {
  if (clause.field === 'allDocuments') return true;
  if (clause.field === 'size' || clause.field === 'attachmentCount' || clause.field === 'recipientCount') {
    const n = facts.number(clause.field);
    switch (clause.operator) {
      case 'is':
        return n === clause.number;
      case 'isNot':
        return n !== clause.number;
      case 'lessThan':
        return n < clause.number;
      default:
        return n > clause.number;
    }
  }
  // A text field may hold several values (a list of addresses): "contains"/"is" holds when one
  // value does; "does not contain"/"is not" holds when none does (Domino's list semantics).
  const values = facts.texts(clause.field);
  switch (clause.operator) {
    case 'contains':
      return values.some((v) => v.includes(clause.text));
    case 'doesNotContain':
      return !values.some((v) => v.includes(clause.text));
    case 'is':
      return values.some((v) => v === clause.text || bareAddress(v) === clause.text);
    default:
      return !values.some((v) => v === clause.text || bareAddress(v) === clause.text);
  }
}

/** `Jane <jane@x>` is `jane@x` for "is". */
function bareAddress(value: string): string {
  const m = /<([^>]*)>\s*$/.exec(value);
  return m ? m[1]! : value;
}

function groupsMatch(
  groups: readonly (readonly CompiledClause[])[],
  facts: Prepared,
  log: { clause: string; result: boolean }[],
): CompiledClause[] | undefined {
  for (const group of groups) {
    let all = true;
    for (const clause of group) {
      const result = test(clause, facts);
      log.push({ clause: clause.label, result });
      if (!result) {
        all = false;
        break;
      }
    }
    if (all) return [...group];
  }
  return undefined;
}

function evaluateRule(rule: CompiledRule, facts: Prepared): MailRuleTrace {
  const clauses: { clause: string; result: boolean }[] = [];
  const conditionMatched = groupsMatch(rule.when, facts, clauses) !== undefined;
  let exception: string | undefined;
  if (conditionMatched && rule.except.length > 0) {
    const hit = groupsMatch(rule.except, facts, []);
    if (hit !== undefined) exception = hit.map((c) => c.label).join(' and ');
  }
  return {
    rule: rule.name,
    index: rule.index,
    clauses,
    conditionMatched,
    ...(exception === undefined ? {} : { exception }),
    applied: conditionMatched && exception === undefined,
    action: rule.action,
  };
}

/** Evaluates the rules in priority order; see the module comment for precedence. */
export function evaluateMailRules(compiled: CompiledMailRules, facts: MessageFacts): MailRulesVerdict {
  const prepared = new Prepared(facts);
  const trace: MailRuleTrace[] = [];
  const applied: string[] = [];
  let journal = false;
  let disposition: MailRulesDisposition = { type: 'route' };
  for (const rule of compiled.rules) {
    const t = evaluateRule(rule, prepared);
    trace.push(t);
    if (!t.applied) continue;
    applied.push(rule.name);
    const a = rule.action;
    if (a.type === 'journal') {
      journal = true;
      continue;
    }
    if (a.type === 'move') disposition = { type: 'move', database: a.database, rule: rule.name };
    else if (a.type === 'dontDeliver')
      disposition = { type: 'dontDeliver', ndr: a.ndr === true, rule: rule.name };
    else disposition = { type: a.type, rule: rule.name };
    break;
  }
  return { journal, disposition, applied, trace };
}

/** A verdict with no rules applied (no rules configured). */
export const ROUTE_VERDICT: MailRulesVerdict = Object.freeze({
  journal: false,
  disposition: Object.freeze({ type: 'route' as const }),
  applied: Object.freeze([]) as readonly string[],
  trace: Object.freeze([]) as readonly MailRuleTrace[],
});
