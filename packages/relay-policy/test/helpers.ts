/** Test helpers: parse paths as the server would, build sessions, compile without problems. */
import assert from 'node:assert/strict';
import { type ForwardPath, parseForwardPath, parseReversePath, type ReversePath } from '@mailroute/envelope';
import {
  compilePolicy,
  type PolicyConfig,
  type PolicyDecision,
  type PolicyDirectory,
  type PolicyWiring,
  type RelayPolicy,
  type SessionFacts,
} from '../src/index.js';

/**
 * A directory for tests that hand the policy its facts directly: it is wired (so settings that
 * read the directory compile) but never answers, as the pure policy never calls it.
 */
export const factsOnlyDirectory: PolicyDirectory = {
  findRecipient: () => Promise.reject(new Error('the pure policy never asks the directory')),
  findInternetAddress: () => Promise.reject(new Error('the pure policy never asks the directory')),
};

/** Parses a RCPT TO argument (lenient, SMTPUTF8) or fails the test. */
export function rcpt(text: string): ForwardPath {
  const parsed = parseForwardPath(text, { smtputf8: true });
  if (!parsed.ok) throw new Error(`test address ${text} did not parse: ${parsed.reason.reply.text}`);
  return parsed.value;
}

/** Parses a MAIL FROM argument or fails the test. */
export function mailFrom(text: string): ReversePath {
  const parsed = parseReversePath(text, { smtputf8: true });
  if (!parsed.ok) throw new Error(`test address ${text} did not parse: ${parsed.reason.reply.text}`);
  return parsed.value;
}

/** Compiles a config and asserts it has no problems. */
export function policyOf(
  config: PolicyConfig,
  wiring: PolicyWiring = { directory: factsOnlyDirectory },
): RelayPolicy {
  const { policy, problems } = compilePolicy(config, wiring);
  assert.deepEqual(problems, [], `unexpected problems: ${JSON.stringify(problems)}`);
  return policy;
}

/** A session from an IP with a forward-confirmed PTR name (or none). */
export function host(ip: string, name?: string, extra: Partial<SessionFacts> = {}): SessionFacts {
  return {
    ip,
    ptr: name === undefined ? { result: 'none' } : { result: 'found', name, confirmed: true },
    ...extra,
  };
}

/** The rules of the trace that matched. */
export function matchedRules(decision: PolicyDecision): string[] {
  return decision.trace.filter((s) => s.outcome === 'matched').map((s) => s.rule);
}

/** Shortcut: decision of a RCPT for a session. */
export function rcptDecision(policy: RelayPolicy, session: SessionFacts, to: string): PolicyDecision {
  return policy.onRcptTo({ session, recipient: rcpt(to) });
}
