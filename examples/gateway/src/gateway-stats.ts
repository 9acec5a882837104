/**
 * The gateway's own counters, in the spirit of `tell router status` and `show stat SMTP`:
 * messages handed to the Router, DKIM signatures and refusals by reason (the Router counts
 * deliveries, transfers and failures itself).
 * Reasons are keyed by stage, reply code and the rule that decided, so the number of keys is
 * bounded by the configuration, not by what clients send (addresses never become keys).
 */
import type { PolicyDecision } from '@mailroute/relay-policy';

/** The most distinct refusal reasons kept; later ones are counted under `other`. */
const MAX_REASONS = 200;

/** A snapshot of the gateway counters. */
export interface GatewayCounters {
  /** Messages accepted (in mail.box, 250 sent after the data). */
  readonly messages: number;
  /** Outbound copies DKIM-signed by the Router's sign hook. */
  readonly signed: number;
  /** Messages whose processing failed (answered 451). */
  readonly processingErrors: number;
  /** Policy refusals by reason (`rcpt 554 5.7.1 relay.precedence`). */
  readonly refusals: Readonly<Record<string, number>>;
}

/** The mutable counters behind {@link GatewayCounters}. */
export class GatewayStats {
  messages = 0;
  signed = 0;
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
      signed: this.signed,
      processingErrors: this.processingErrors,
      refusals: Object.fromEntries([...this.#refusals].sort((a, b) => b[1] - a[1])),
    };
  }
}
