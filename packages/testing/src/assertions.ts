/**
 * Assertions on delivery reports, DKIM results and relay decisions, for node:test (they throw
 * node's AssertionError with a message that shows what was found: for a relay decision, the
 * whole explain trace).
 */
import { AssertionError } from 'node:assert';
import type { DkimResult, DkimVerification } from '@mailroute/dkim';
import { explainDecision, type PolicyAction, type PolicyDecision } from '@mailroute/relay-policy';
import { describeReply } from './assert-reply.js';
import type { DeliveryReport, DsnRecipient } from './delivery-report.js';

/** One recipient a delivery report is expected to name. */
export interface ExpectedDsnRecipient {
  /** The Final-Recipient address (compared case-insensitively). */
  readonly recipient: string;
  /** failed, delayed, delivered, relayed or expanded. */
  readonly action: string;
  /** The status code, or its start (`5.1.1`, or `5` for any permanent failure). */
  readonly status?: string;
}

function fail(message: string, actual: unknown, expected: unknown, operator: string): never {
  throw new AssertionError({ message, actual, expected, operator });
}

function describeDsn(recipients: readonly DsnRecipient[]): string {
  return recipients.map((r) => `${r.finalRecipient} ${r.action} ${r.status}`).join('; ') || 'no recipients';
}

/** Why `report` does not name exactly `expected` (in any order), or undefined when it does. */
export function deliveryReportMismatch(
  report: DeliveryReport,
  expected: readonly ExpectedDsnRecipient[],
): string | undefined {
  const left = [...report.recipients];
  for (const want of expected) {
    const i = left.findIndex((r) => r.finalRecipient.toLowerCase() === want.recipient.toLowerCase());
    if (i === -1)
      return `the report does not name ${want.recipient} (it names: ${describeDsn(report.recipients)})`;
    const got = left[i]!;
    left.splice(i, 1);
    if (got.action !== want.action.toLowerCase()) {
      return `${want.recipient}: expected action ${want.action}, got ${got.action} (${describeDsn(report.recipients)})`;
    }
    if (
      want.status !== undefined &&
      got.status !== want.status &&
      !got.status.startsWith(`${want.status}.`)
    ) {
      return `${want.recipient}: expected status ${want.status}, got ${got.status} (${describeDsn(report.recipients)})`;
    }
  }
  if (left.length > 0) return `the report also names ${describeDsn(left)}`;
  return undefined;
}

/**
 * Asserts that a parsed delivery report names exactly these recipients with these actions and
 * status codes (order free). See `parseDeliveryReport`.
 */
export function assertDeliveryReport(
  report: DeliveryReport,
  expected: readonly ExpectedDsnRecipient[],
): DeliveryReport {
  const problem = deliveryReportMismatch(report, expected);
  if (problem !== undefined) fail(problem, report.recipients, expected, 'assertDeliveryReport');
  return report;
}

/** Options of {@link assertDkim}. */
export interface DkimExpectation {
  /** Only signatures of this d= domain count (case-insensitive). */
  readonly domain?: string;
  /** Only signatures of this selector count. */
  readonly selector?: string;
}

function describeDkim(results: readonly DkimVerification[]): string {
  return (
    results
      .map(
        (r) =>
          `${r.result}${r.domain ? ` d=${r.domain}` : ''}${r.selector ? ` s=${r.selector}` : ''}${r.reason ? ` (${r.reason})` : ''}`,
      )
      .join('; ') || 'no signatures'
  );
}

/** Why no verification has `result` (for the domain and selector given), or undefined. */
export function dkimMismatch(
  results: readonly DkimVerification[],
  result: DkimResult | 'none',
  expectation: DkimExpectation = {},
): string | undefined {
  const relevant = results.filter(
    (r) =>
      (expectation.domain === undefined || r.domain?.toLowerCase() === expectation.domain.toLowerCase()) &&
      (expectation.selector === undefined || r.selector === expectation.selector),
  );
  const scope = `${expectation.domain ? ` d=${expectation.domain}` : ''}${expectation.selector ? ` s=${expectation.selector}` : ''}`;
  if (result === 'none')
    return relevant.length === 0
      ? undefined
      : `expected no DKIM signature${scope}, got ${describeDkim(results)}`;
  if (relevant.some((r) => r.result === result)) return undefined;
  return `expected DKIM ${result}${scope}, got ${describeDkim(results)}`;
}

/**
 * Asserts that a verifier's results hold one with `result` (RFC 8601 words; `none` asserts there
 * is no signature), for `domain`/`selector` when given.
 */
export function assertDkim(
  results: readonly DkimVerification[],
  result: DkimResult | 'none',
  expectation: DkimExpectation = {},
): void {
  const problem = dkimMismatch(results, result, expectation);
  if (problem !== undefined) fail(problem, results, { result, ...expectation }, 'assertDkim');
}

/** Why `decision` is not `action` (with `code`/`enhanced` when given), or undefined; the trace follows. */
export function relayDecisionMismatch(
  decision: PolicyDecision,
  action: PolicyAction,
  code?: number,
  enhanced?: string,
): string | undefined {
  const ok =
    decision.action === action &&
    (code === undefined || decision.reply.code === code) &&
    (enhanced === undefined || decision.reply.enhanced === enhanced);
  if (ok) return undefined;
  const want = `${action}${code === undefined ? '' : ` ${code}`}${enhanced === undefined ? '' : ` ${enhanced}`}`;
  return `expected ${want}, got ${decision.action} ${describeReply(decision.reply)}\n${explainDecision(decision).join('\n')}`;
}

/**
 * Asserts a relay-policy decision's action, and its reply code and enhanced code when given. On
 * failure the message carries `explainDecision`'s trace: which rule decided and why.
 */
export function assertRelayDecision(
  decision: PolicyDecision,
  action: PolicyAction,
  code?: number,
  enhanced?: string,
): PolicyDecision {
  const problem = relayDecisionMismatch(decision, action, code, enhanced);
  if (problem !== undefined) fail(problem, decision.action, action, 'assertRelayDecision');
  return decision;
}
