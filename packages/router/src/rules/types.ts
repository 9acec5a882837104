/**
 * Server mail rules as data (Configuration Settings, Router/SMTP - Restrictions and Controls -
 * Rules): a rule is a condition (clauses joined by AND/OR, with exceptions) and one action. The
 * shapes here are what the JSON rules file holds; `compileMailRules` checks them.
 */

/** The message items a condition can examine (Domino's "New Rule" dialog). */
export type MailRuleField =
  | 'sender'
  | 'subject'
  | 'body'
  | 'importance'
  | 'deliveryPriority'
  | 'to'
  | 'cc'
  | 'bcc'
  | 'toOrCc'
  | 'bodyOrSubject'
  | 'internetDomain'
  | 'size'
  | 'allDocuments'
  | 'attachmentName'
  | 'attachmentCount'
  | 'form'
  | 'recipientCount'
  | 'anyRecipient';

/** The qualifiers: text fields take contains/doesNotContain/is/isNot, numeric ones also lessThan/greaterThan. */
export type MailRuleOperator = 'contains' | 'doesNotContain' | 'is' | 'isNot' | 'lessThan' | 'greaterThan';

/** One clause: `<field> <operator> <value>`. `allDocuments` takes neither operator nor value. */
export interface MailRuleClause {
  readonly field: MailRuleField;
  readonly operator?: MailRuleOperator;
  /** Text (compared case-insensitively) or a number (size in bytes, counts). */
  readonly value?: string | number;
  /** How this clause joins the one before it; the first clause's is ignored. Default `and`. */
  readonly join?: 'and' | 'or';
}

/**
 * What happens to a matching message (Table A of the Domino documentation).
 * - `journal`: a copy goes to the journal store; routing continues.
 * - `move`: the message goes into `database` instead of to its recipients.
 * - `dontAccept`: the SMTP client gets a 5xx policy refusal (no report is written).
 * - `dontDeliver`: accepted, then deleted silently (`ndr: false`) or failed with a report (`ndr: true`).
 * - `hold`: RoutingState HOLD: kept in mail.box until an operator releases or deletes it.
 */
export type MailRuleAction =
  | { readonly type: 'journal' }
  | { readonly type: 'move'; readonly database: string }
  | { readonly type: 'dontAccept' }
  | { readonly type: 'dontDeliver'; readonly ndr?: boolean }
  | { readonly type: 'hold' };

/** One server mail rule. Rules run in the order given (Domino's priority order, top first). */
export interface MailRule {
  /** A name for logs, traces and `explain`; default `rule <n>`. */
  readonly name?: string;
  /** A disabled rule is kept but not evaluated (Domino's "Disable" button). Default true. */
  readonly enabled?: boolean;
  /** The condition: clauses evaluated left to right, AND binding tighter than OR. */
  readonly when: readonly MailRuleClause[];
  /** Exceptions: the rule does not apply when any exception clause group matches (same grammar). */
  readonly except?: readonly MailRuleClause[];
  readonly action: MailRuleAction;
}

/** The facts a rule looks at, taken from the envelope and the itemizer's Note. */
export interface MessageFacts {
  /** `From` (all mailboxes) and the envelope MAIL FROM, as one searchable text. */
  readonly sender: string;
  readonly subject: string;
  /** The text (else html) body a reader sees; '' when none. */
  readonly body: string;
  /** `high`, `normal` or `low` (the Importance item 1/2/3). */
  readonly importance: string;
  /** DeliveryPriority: `high`, `normal` or `low` (Domino's H/N/L). */
  readonly deliveryPriority: string;
  readonly to: readonly string[];
  readonly cc: readonly string[];
  readonly bcc: readonly string[];
  /** The Internet domain of the sender's address (the envelope's, else From's). */
  readonly internetDomain: string;
  readonly sizeBytes: number;
  readonly attachmentNames: readonly string[];
  /** The Form item (`Memo` for Internet mail). */
  readonly form: string;
  /** The envelope recipients (RCPT TO). */
  readonly recipients: readonly string[];
}
