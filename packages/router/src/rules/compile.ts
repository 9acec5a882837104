/**
 * Checks server mail rules and compiles them into a form that evaluates fast: values lowercased
 * once, numbers parsed once, the clauses split into OR-groups of AND-ed clauses. A bad rule set
 * is data, not an exception: the result names every bad field (`rules[2].when[0].operator`).
 */
import { failed, ok, type Reason, type Result } from '@mailroute/envelope';
import type { MailRule, MailRuleAction, MailRuleClause, MailRuleField, MailRuleOperator } from './types.js';

/** Domino's default limit on server mail rules (raised in Domino with a notes.ini setting). */
export const DEFAULT_MAX_MAIL_RULES = 100;

/** Why a rule set was refused; `problems` names each bad field. */
export interface MailRulesReason extends Reason {
  /** `ROUTER_RULES_INVALID`, `ROUTER_RULES_TOO_MANY`, `ROUTER_RULES_BAD_OPTION`, `ROUTER_RULES_BAD_JSON`, `ROUTER_RULES_UNREADABLE`. */
  readonly code: string;
  readonly problems: readonly string[];
}

/** Options of {@link compileMailRules}. */
export interface CompileMailRulesOptions {
  /** The most rules allowed (Domino: 100, adjustable in notes.ini). Default 100. */
  readonly maxRules?: number;
}

const TEXT_FIELDS: readonly MailRuleField[] = [
  'sender',
  'subject',
  'body',
  'importance',
  'deliveryPriority',
  'to',
  'cc',
  'bcc',
  'toOrCc',
  'bodyOrSubject',
  'internetDomain',
  'attachmentName',
  'form',
  'anyRecipient',
];
const NUMBER_FIELDS: readonly MailRuleField[] = ['size', 'attachmentCount', 'recipientCount'];
const TEXT_OPERATORS: readonly MailRuleOperator[] = ['contains', 'doesNotContain', 'is', 'isNot'];
const NUMBER_OPERATORS: readonly MailRuleOperator[] = ['is', 'isNot', 'lessThan', 'greaterThan'];
const ACTIONS = ['journal', 'move', 'dontAccept', 'dontDeliver', 'hold'] as const;

/** One clause, ready to evaluate. */
export interface CompiledClause {
  readonly field: MailRuleField;
  readonly operator: MailRuleOperator;
  /** Lowercased text, or the number as text (for traces). */
  readonly text: string;
  readonly number: number;
  /** `subject contains "free"`: for traces and `explain`. */
  readonly label: string;
}

/** One rule, ready to evaluate. */
export interface CompiledRule {
  readonly name: string;
  /** Its position in the file (0-based): Domino's priority. */
  readonly index: number;
  /** OR of AND-groups. */
  readonly when: readonly (readonly CompiledClause[])[];
  readonly except: readonly (readonly CompiledClause[])[];
  readonly action: MailRuleAction;
}

/** A checked rule set: pass it to `evaluateMailRules`. */
export interface CompiledMailRules {
  readonly rules: readonly CompiledRule[];
  /** True when some enabled rule reads the body (the caller must supply it). */
  readonly readsBody: boolean;
  /**
   * True when some enabled rule reads past the header (body or attachments): without one, the
   * facts come from the header block alone, which costs a fraction of itemizing the whole message.
   */
  readonly readsContent: boolean;
}

function describe(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

function compileClauses(
  clauses: unknown,
  path: string,
  problems: string[],
  required: boolean,
): CompiledClause[][] {
  if (clauses === undefined && !required) return [];
  if (!Array.isArray(clauses) || (required && clauses.length === 0)) {
    problems.push(`${path}: must be a${required ? ' non-empty' : 'n'} array of clauses`);
    return [];
  }
  const groups: CompiledClause[][] = [];
  clauses.forEach((raw: unknown, i) => {
    const at = `${path}[${i}]`;
    if (typeof raw !== 'object' || raw === null) {
      problems.push(`${at}: must be an object`);
      return;
    }
    const c = raw as Partial<MailRuleClause> & Record<string, unknown>;
    for (const key of Object.keys(c))
      if (!['field', 'operator', 'value', 'join'].includes(key)) problems.push(`${at}.${key}: unknown field`);
    const join = c.join ?? 'and';
    if (join !== 'and' && join !== 'or')
      problems.push(`${at}.join: must be "and" or "or", not ${describe(c.join)}`);
    const field = c.field as MailRuleField;
    let clause: CompiledClause | undefined;
    if (field === 'allDocuments') {
      if (c.operator !== undefined || c.value !== undefined)
        problems.push(`${at}: allDocuments takes no operator or value`);
      clause = { field, operator: 'is', text: '', number: 0, label: 'all documents' };
    } else if (TEXT_FIELDS.includes(field)) {
      if (!TEXT_OPERATORS.includes(c.operator as MailRuleOperator))
        problems.push(
          `${at}.operator: ${field} takes ${TEXT_OPERATORS.join(', ')}; not ${describe(c.operator)}`,
        );
      else if (typeof c.value !== 'string' || c.value.length === 0)
        problems.push(`${at}.value: must be non-empty text`);
      else
        clause = {
          field,
          operator: c.operator as MailRuleOperator,
          text: c.value.toLowerCase(),
          number: Number.NaN,
          label: `${field} ${c.operator} ${describe(c.value)}`,
        };
    } else if (NUMBER_FIELDS.includes(field)) {
      if (!NUMBER_OPERATORS.includes(c.operator as MailRuleOperator))
        problems.push(
          `${at}.operator: ${field} takes ${NUMBER_OPERATORS.join(', ')}; not ${describe(c.operator)}`,
        );
      else if (typeof c.value !== 'number' || !Number.isFinite(c.value) || c.value < 0)
        problems.push(`${at}.value: must be a number of 0 or more`);
      else
        clause = {
          field,
          operator: c.operator as MailRuleOperator,
          text: String(c.value),
          number: c.value,
          label: `${field} ${c.operator} ${c.value}`,
        };
    } else problems.push(`${at}.field: unknown condition ${describe(c.field)}`);
    if (clause === undefined) return;
    if (groups.length === 0 || join === 'or') groups.push([clause]);
    else groups[groups.length - 1]!.push(clause);
  });
  return groups;
}

function compileAction(raw: unknown, path: string, problems: string[]): MailRuleAction | undefined {
  if (typeof raw !== 'object' || raw === null) {
    problems.push(`${path}: must be an object with a type`);
    return undefined;
  }
  const a = raw as Record<string, unknown>;
  switch (a.type) {
    case 'journal':
    case 'dontAccept':
    case 'hold':
      return { type: a.type };
    case 'move':
      if (typeof a.database !== 'string' || a.database.trim() === '') {
        problems.push(`${path}.database: Move to database needs a database name`);
        return undefined;
      }
      return { type: 'move', database: a.database };
    case 'dontDeliver':
      if (a.ndr !== undefined && typeof a.ndr !== 'boolean') {
        problems.push(`${path}.ndr: must be true or false`);
        return undefined;
      }
      return { type: 'dontDeliver', ndr: a.ndr === true };
    default:
      problems.push(`${path}.type: must be one of ${ACTIONS.join(', ')}; not ${describe(a.type)}`);
      return undefined;
  }
}

/**
 * Checks and compiles a rule set. Fails with `ROUTER_RULES_TOO_MANY` past `maxRules` (disabled
 * rules count, as in Domino's list), `ROUTER_RULES_INVALID` naming each bad field, and
 * `ROUTER_RULES_BAD_OPTION` for a bad `maxRules`.
 */
export function compileMailRules(
  rules: unknown,
  options: CompileMailRulesOptions = {},
): Result<CompiledMailRules, MailRulesReason> {
  const maxRules = options.maxRules ?? DEFAULT_MAX_MAIL_RULES;
  if (!Number.isSafeInteger(maxRules) || maxRules < 1)
    return failed(rulesReason('ROUTER_RULES_BAD_OPTION', [`maxRules: must be a whole number of 1 or more`]));
  if (!Array.isArray(rules)) return failed(rulesReason('ROUTER_RULES_INVALID', ['rules: must be an array']));
  if (rules.length > maxRules)
    return failed(
      rulesReason('ROUTER_RULES_TOO_MANY', [`rules: ${rules.length} rules; at most ${maxRules} are allowed`]),
    );
  const problems: string[] = [];
  const compiled: CompiledRule[] = [];
  rules.forEach((raw: unknown, index) => {
    const path = `rules[${index}]`;
    if (typeof raw !== 'object' || raw === null) {
      problems.push(`${path}: must be an object`);
      return;
    }
    const r = raw as Partial<MailRule> & Record<string, unknown>;
    for (const key of Object.keys(r))
      if (!['name', 'enabled', 'when', 'except', 'action'].includes(key))
        problems.push(`${path}.${key}: unknown field`);
    if (r.name !== undefined && typeof r.name !== 'string') problems.push(`${path}.name: must be text`);
    if (r.enabled !== undefined && typeof r.enabled !== 'boolean')
      problems.push(`${path}.enabled: must be true or false`);
    const when = compileClauses(r.when, `${path}.when`, problems, true);
    const except = compileClauses(r.except, `${path}.except`, problems, false);
    const action = compileAction(r.action, `${path}.action`, problems);
    if (r.enabled === false || action === undefined) return;
    compiled.push({
      name: typeof r.name === 'string' && r.name !== '' ? r.name : `rule ${index + 1}`,
      index,
      when,
      except,
      action,
    });
  });
  if (problems.length > 0) return failed(rulesReason('ROUTER_RULES_INVALID', problems));
  const readsBody = compiled.some((r) =>
    [...r.when, ...r.except].some((g) => g.some((c) => c.field === 'body' || c.field === 'bodyOrSubject')),
  );
  const readsContent = compiled.some((r) =>
    [...r.when, ...r.except].some((g) =>
      g.some((c) => ['body', 'bodyOrSubject', 'attachmentName', 'attachmentCount'].includes(c.field)),
    ),
  );
  return ok({ rules: compiled, readsBody, readsContent });
}

/** A {@link MailRulesReason} (permanent: the same input fails again). */
export function rulesReason(code: string, problems: readonly string[]): MailRulesReason {
  return {
    code,
    message: `Server mail rules refused: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? `; and ${problems.length - 5} more` : ''}`,
    temporary: false,
    problems,
  };
}
