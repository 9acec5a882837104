/**
 * The decision value every stage returns: what to do, the reply to send, the items to add to
 * the message, and the trace of every rule consulted, which is what "explain" prints.
 */
import type { SmtpReply } from '@mailroute/envelope';

/** The stage of the SMTP session a decision is about. */
export type PolicyStage = 'connect' | 'mail' | 'rcpt' | 'message';

/**
 * `accept`: go on. `tag`: go on, and add the decision's items to the message (or, at connect,
 * to every message of the session). `reject`: refuse with the 5xx reply. `tempfail`: refuse
 * with the 4xx reply; the client will retry.
 */
export type PolicyAction = 'accept' | 'tag' | 'reject' | 'tempfail';

/** A note item to add to accepted messages (`$DNSBLSite`, `$DNSWLSite`, `Received_SPF`, `DKIM_Signature`). */
export interface PolicyItem {
  readonly name: string;
  readonly value: string;
}

/**
 * How one rule turned out. `matched`/`not-matched` for list rules; `pass`/`fail`/`none`/
 * `temperror` for DNS and directory checks, and `softfail`/`neutral`/`permerror` too for SPF, DKIM
 * and DMARC (RFC 8601 words); `skipped` when the rule did not
 * apply (with the reason); `ignored` when Domino ignores a list (an Allow list beside a Deny list).
 */
export type RuleOutcome =
  | 'matched'
  | 'not-matched'
  | 'pass'
  | 'fail'
  | 'none'
  | 'temperror'
  | 'softfail'
  | 'neutral'
  | 'permerror'
  | 'skipped'
  | 'ignored';

/** One rule consulted. */
export interface TraceStep {
  /** The rule, named by its config field (`relay.denyTo`, `connection.verifyHostName`, ...). */
  readonly rule: string;
  readonly outcome: RuleOutcome;
  /** What was tested (a host, a domain, an address), when something was. */
  readonly subject?: string;
  /** The list entry that matched, as written (with its group). */
  readonly entry?: string;
  /** Why, in words. */
  readonly note?: string;
}

/** A DNS list hit, for the statistics. */
export interface DnsListHit {
  readonly kind: 'blacklist' | 'whitelist';
  readonly site: string;
  readonly ip: string;
}

/** The outcome of a stage. */
export interface PolicyDecision {
  readonly stage: PolicyStage;
  readonly action: PolicyAction;
  /**
   * The reply: the refusal for reject/tempfail, the stage's positive reply otherwise (at connect a
   * 220 the server replaces with its own greeting).
   */
  readonly reply: SmtpReply;
  /** Items to add to the message(s). */
  readonly items: readonly PolicyItem[];
  /** Every rule consulted, in order. */
  readonly trace: readonly TraceStep[];
  /** At RCPT: true when the recipient is outside the local Internet domains (or hides another destination). */
  readonly relay?: boolean;
  /** At connect: the DNS list hit, if any. */
  readonly listed?: DnsListHit;
  /**
   * At end of DATA, with action accept or tag: accept the message but keep it held in mail.box
   * (RoutingState HOLD) until an operator releases it. Set by DMARC `apply` on `p=quarantine`.
   */
  readonly hold?: { readonly reason: string };
}

/** True when the decision lets the session go on (accept or tag). */
export function isAccepted(decision: PolicyDecision): boolean {
  return decision.action === 'accept' || decision.action === 'tag';
}
