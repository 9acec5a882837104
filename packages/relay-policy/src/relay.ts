/**
 * The anti-relay decision for one recipient outside the local Internet domains: first whether
 * the session is subject to the controls at all (seed 004 section 9, steps 3-5), then the four
 * Inbound Relay Controls lists and the `SMTPRelayHostsandDomains` precedence (seed 003).
 */
import type { TraceStep } from './decision.js';
import type { SessionFacts } from './facts.js';
import type { NameAndAddress } from './host-list.js';
import type { ListEntry } from './list-entry.js';
import type { CompiledRules } from './rules.js';
import { type HostView, isInternal } from './session.js';
import type { Trace } from './trace.js';

/**
 * True when the session may relay without the relay lists being consulted: enforcement None,
 * an internal host under "External hosts", an excluded host, or an exempt authenticated user.
 */
export function relayExempt(
  rules: CompiledRules,
  session: SessionFacts,
  host: HostView,
  trace: Trace,
): boolean {
  const relay = rules.relay;
  if (relay.enforcement === 'none') {
    trace.add('relay.enforcement', 'matched', host.shown, undefined, 'None: relay controls are not enforced');
    return true;
  }
  if (relay.enforcement === 'external') {
    if (isInternal(rules, host)) {
      trace.add(
        'relay.enforcement',
        'matched',
        host.shown,
        undefined,
        'External hosts: this host is in a local Internet domain',
      );
      return true;
    }
    trace.add(
      'relay.enforcement',
      'not-matched',
      host.shown,
      undefined,
      'External hosts: this host is external',
    );
  } else {
    trace.add('relay.enforcement', 'not-matched', host.shown, undefined, 'All connecting hosts');
  }
  const excluded = relay.exclude.match(host);
  if (excluded !== undefined) {
    trace.add('relay.exclude', 'matched', host.shown, excluded, 'excluded from anti-relay checks');
    return true;
  }
  trace.add(
    'relay.exclude',
    relay.exclude.isEmpty ? 'skipped' : 'not-matched',
    host.shown,
    undefined,
    relay.exclude.isEmpty ? 'empty list' : undefined,
  );
  const user = session.authenticatedUser;
  if (typeof user === 'string' && user.length > 0) {
    if (relay.authenticatedUsers === 'exempt') {
      trace.add(
        'relay.authenticatedUsers',
        'matched',
        user,
        undefined,
        'Allow all authenticated users to relay',
      );
      return true;
    }
    trace.add(
      'relay.authenticatedUsers',
      'not-matched',
      user,
      undefined,
      'Perform anti-relay checks for authenticated users',
    );
  } else {
    trace.add('relay.authenticatedUsers', 'skipped', undefined, undefined, 'not authenticated');
  }
  return false;
}

/** Traces the host's allow-from and deny-from matches (the same for every RCPT of a session). */
export function traceFromLists(
  rules: CompiledRules,
  host: HostView,
  allowFrom: ListEntry | undefined,
  denyFrom: ListEntry | undefined,
  trace: Trace,
): void {
  traceListMatch(trace, 'relay.allowFrom', host.shown, rules.relay.allowFrom.isEmpty, allowFrom);
  traceListMatch(trace, 'relay.denyFrom', host.shown, rules.relay.denyFrom.isEmpty, denyFrom);
}

/** The words for every combination of deny reasons, built once. */
const DENY_REASONS: readonly string[] = Array.from({ length: 16 }, (_, bits) =>
  [
    bits & 1 ? 'destination denied' : '',
    bits & 2 ? 'host denied' : '',
    bits & 4 ? 'destination not in the exclusive allow-to list' : '',
    bits & 8 ? 'host not in the exclusive allow-from list' : '',
  ]
    .filter((s) => s !== '')
    .join(', '),
);

/** Traces one list lookup (skipped when empty, matched with its entry, or not) and returns whether it matched. */
export function traceListMatch(
  trace: Trace,
  rule: string,
  subject: string,
  empty: boolean,
  hit: ListEntry | undefined,
): boolean {
  if (empty) trace.add(rule, 'skipped', subject, undefined, 'empty list');
  else if (hit === undefined) trace.add(rule, 'not-matched', subject);
  else trace.add(rule, 'matched', subject, hit, hit.text.trim() === '*' ? '"*" means all' : undefined);
  return hit !== undefined;
}

/**
 * Evaluates the four relay lists for a host relaying to a destination. An Allow list that is not
 * empty is exclusive: not being in it denies. With precedence 0 an Allow match (host or domain)
 * beats every Deny; with 1 any Deny, explicit or implied by an exclusive Allow list, wins. When
 * all four lists are empty the relay is refused (Domino 6's closed default).
 */
export function relayAllowed(
  rules: CompiledRules,
  host: HostView,
  hostMatches: {
    readonly allowFrom: ListEntry | undefined;
    readonly denyFrom: ListEntry | undefined;
    /** The allow-from and deny-from trace steps, when already built for this session. */
    readonly fromSteps?: readonly TraceStep[];
  },
  destination: NameAndAddress,
  destinationShown: string,
  trace: Trace,
): boolean {
  const r = rules.relay;
  const allowTo = traceListMatch(
    trace,
    'relay.allowTo',
    destinationShown,
    r.allowTo.isEmpty,
    r.allowTo.match(destination),
  );
  const denyTo = traceListMatch(
    trace,
    'relay.denyTo',
    destinationShown,
    r.denyTo.isEmpty,
    r.denyTo.match(destination),
  );
  const allowFrom = hostMatches.allowFrom !== undefined;
  const denyFrom = hostMatches.denyFrom !== undefined;
  if (hostMatches.fromSteps !== undefined) for (const step of hostMatches.fromSteps) trace.steps.push(step);
  else traceFromLists(rules, host, hostMatches.allowFrom, hostMatches.denyFrom, trace);
  const impliedDenyTo = !r.allowTo.isEmpty && !allowTo;
  const impliedDenyFrom = !r.allowFrom.isEmpty && !allowFrom;
  const anyDeny = denyTo || denyFrom || impliedDenyTo || impliedDenyFrom;
  const anyAllow = allowTo || allowFrom;
  const why = () =>
    DENY_REASONS[(denyTo ? 1 : 0) | (denyFrom ? 2 : 0) | (impliedDenyTo ? 4 : 0) | (impliedDenyFrom ? 8 : 0)];
  if (r.precedence === 0 && anyAllow) {
    trace.add(
      'relay.precedence',
      'matched',
      undefined,
      undefined,
      anyDeny ? `SMTPRelayHostsandDomains=0: Allow wins over ${why()}` : 'allowed',
    );
    return true;
  }
  if (anyDeny) {
    trace.add(
      'relay.precedence',
      'matched',
      undefined,
      undefined,
      r.precedence === 1 && anyAllow ? `SMTPRelayHostsandDomains=1: Deny wins (${why()})` : why(),
    );
    return false;
  }
  if (r.allowTo.isEmpty && r.denyTo.isEmpty && r.allowFrom.isEmpty && r.denyFrom.isEmpty) {
    trace.add(
      'relay.precedence',
      'matched',
      undefined,
      undefined,
      'no relay controls configured: relays are refused',
    );
    return false;
  }
  trace.add(
    'relay.precedence',
    'not-matched',
    undefined,
    undefined,
    anyAllow ? 'allowed' : 'no list denies this relay',
  );
  return true;
}
