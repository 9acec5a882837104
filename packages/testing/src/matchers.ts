/**
 * The same checks as Vitest/Jest matchers: `expect.extend(mailrouteMatchers)`, then
 * `expect(reply).toBeReply(550, '5.1.1')`. Matchers are plain functions returning
 * `{ pass, message }`, the contract both runners share, so this package depends on neither.
 */
import type { DkimResult, DkimVerification } from '@mailroute/dkim';
import type { PolicyAction, PolicyDecision } from '@mailroute/relay-policy';
import { describeReply, replyMismatch, toReply } from './assert-reply.js';
import {
  type DkimExpectation,
  deliveryReportMismatch,
  dkimMismatch,
  type ExpectedDsnRecipient,
  relayDecisionMismatch,
} from './assertions.js';
import type { DeliveryReport } from './delivery-report.js';

/** What a matcher returns (Vitest's and Jest's `ExpectationResult`). */
export interface MatcherResult {
  /** True when the received value matches. */
  readonly pass: boolean;
  /** The failure message (for `.not` too). */
  readonly message: () => string;
}

function result(problem: string | undefined, passedText: string): MatcherResult {
  return { pass: problem === undefined, message: () => problem ?? `expected not ${passedText}` };
}

/**
 * The matchers. Register once (`expect.extend(mailrouteMatchers)`, in a setup file) and declare
 * the types with {@link MailrouteMatchers} (see the README).
 */
export const mailrouteMatchers = {
  /** `expect(reply).toBeReply(550, '5.1.1', /No such user/)`: a reply, its wire text or `{ code, enhanced }`. */
  toBeReply(received: unknown, code: number, enhanced?: string, text?: string | RegExp): MatcherResult {
    const reply = toReply(received);
    const shown = typeof reply === 'string' ? reply : describeReply(reply);
    return result(
      replyMismatch(received, code, enhanced, text),
      `to be reply ${code}${enhanced ? ` ${enhanced}` : ''}, got ${shown}`,
    );
  },
  /** `expect(report).toReportRecipients([{ recipient, action: 'failed', status: '5.1.1' }])` on a parsed DSN. */
  toReportRecipients(received: DeliveryReport, expected: readonly ExpectedDsnRecipient[]): MatcherResult {
    return result(deliveryReportMismatch(received, expected), 'to report these recipients');
  },
  /** `expect(results).toHaveDkimResult('pass', { domain: 'acme.example' })` on a verifier's results. */
  toHaveDkimResult(
    received: readonly DkimVerification[],
    expected: DkimResult | 'none',
    expectation?: DkimExpectation,
  ): MatcherResult {
    return result(dkimMismatch(received, expected, expectation), `to have DKIM ${expected}`);
  },
  /** `expect(decision).toBeRelayDecision('reject', 554, '5.7.1')`; the failure shows the explain trace. */
  toBeRelayDecision(
    received: PolicyDecision,
    action: PolicyAction,
    code?: number,
    enhanced?: string,
  ): MatcherResult {
    return result(relayDecisionMismatch(received, action, code, enhanced), `to be a ${action} decision`);
  },
};

/**
 * The matchers' types for a runner's `Assertion` interface:
 * `declare module 'vitest' { interface Assertion<T> extends MailrouteMatchers<T> {} }`.
 * `R` is the runner's return type (`void` in Vitest, `R` in Jest's `Matchers<R>`).
 */
export interface MailrouteMatchers<R = unknown> {
  /** See {@link mailrouteMatchers}. */
  toBeReply(code: number, enhanced?: string, text?: string | RegExp): R;
  /** See {@link mailrouteMatchers}. */
  toReportRecipients(expected: readonly ExpectedDsnRecipient[]): R;
  /** See {@link mailrouteMatchers}. */
  toHaveDkimResult(expected: DkimResult | 'none', expectation?: DkimExpectation): R;
  /** See {@link mailrouteMatchers}. */
  toBeRelayDecision(action: PolicyAction, code?: number, enhanced?: string): R;
}
