/**
 * The gateway's own counters, in the spirit of `tell router status` and `show stat SMTP`:
 * messages, local deliveries, spooled transfers, failed recipients and refusals by reason.
 * Reasons are keyed by stage, reply code and the rule that decided, so the number of keys is
 * bounded by the configuration, not by what clients send (addresses never become keys).
 */
import type { PolicyDecision } from '@mailroute/relay-policy';

/** The most distinct refusal reasons kept; later ones are counted under `other`. */
const MAX_REASONS = 200;

/** A snapshot of the gateway counters. */
export interface GatewayCounters {
  /** Messages accepted (250 sent after the data). */
  readonly messages: number;
  /** Copies written into mail files. */
  readonly deliveries: number;
  /** Copies written into the outbound spool. */
  readonly spooled: number;
  /** Spooled copies that carry a DKIM signature. */
  readonly signed: number;
  /**
   * Recipients routing could not deliver after the data (a group member not listed, no route
   * ...): each is held in `<data>/held/` for its failure report, never dropped.
   */
  readonly recipientFailures: number;
  /** Messages held in `<data>/held/` with such recipients. */
  readonly held: number;
  /** Messages whose processing failed (answered 451). */
  readonly processingErrors: number;
  /** Policy refusals by reason (`rcpt 554 5.7.1 relay.precedence`). */
  readonly refusals: Readonly<Record<string, number>>;
}

/** The mutable counters behind {@link GatewayCounters}. */
export class GatewayStats {
  messages = 0;
  deliveries = 0;
  spooled = 0;
  signed = 0;
  recipientFailures = 0;
  held = 0;
  processingErrors = 0;
  readonly #refusals = new Map<string, number>();

  /** Counts a refused or deferred policy decision under its reason. */
  refusal(decision: PolicyDecision): void {
    if (decision.action !== 'reject' && decision.action !== 'tempfail') return;
    const rule = [...decision.trace]
      .reverse()
      .find((s) => s.outcome === 'matched' || s.outcome === 'fail')?.rule;
    const reply = decision.reply;
    this.refusalReason(
      `${decision.stage} ${reply.code} ${reply.enhanced ?? ''} ${rule ?? 'policy'}`.replace(/\s+/g, ' '),
    );
  }

  /** Counts a refusal with an explicit reason (bounded key count). */
  refusalReason(reason: string): void {
    const key = this.#refusals.has(reason) || this.#refusals.size < MAX_REASONS ? reason : 'other';
    this.#refusals.set(key, (this.#refusals.get(key) ?? 0) + 1);
  }

  snapshot(): GatewayCounters {
    return {
      messages: this.messages,
      deliveries: this.deliveries,
      spooled: this.spooled,
      signed: this.signed,
      recipientFailures: this.recipientFailures,
      held: this.held,
      processingErrors: this.processingErrors,
      refusals: Object.fromEntries([...this.#refusals].sort((a, b) => b[1] - a[1])),
    };
  }
}
