/**
 * Inbound Sender Domain Authentication Controls on results computed elsewhere: SPF at MAIL FROM
 * (the action on a hard fail: Log, Log and tag `Received_SPF`, Log and reject), DKIM and DMARC at
 * the end of DATA (Log and tag `DKIM_Signature`; DMARC report or apply). The checks themselves
 * (DNS, crypto) are the gatherer's `PolicyAuthentication`; this file only reads their results,
 * so the decision stays pure like the DNS list decisions.
 */
import { SmtpReply } from '@mailroute/envelope';
import type { PolicyDecision, PolicyItem, RuleOutcome } from './decision.js';
import type { DkimFact, MailFromFacts, MessageFacts, SessionFacts, SpfFact } from './facts.js';
import type { ListEntry } from './list-entry.js';
import type { CompiledRules } from './rules.js';
import { viewHost } from './session.js';
import { Trace } from './trace.js';

/** Longest piece of a sender-published text (an SPF exp=) put into our reply. */
const MAX_EXPLANATION = 200;

const OUTCOMES: ReadonlySet<string> = new Set([
  'pass',
  'fail',
  'softfail',
  'neutral',
  'none',
  'temperror',
  'permerror',
]);

/** A result word as a trace outcome (`policy` and unknown words count as `neutral`). */
function outcomeOf(result: string): RuleOutcome {
  return OUTCOMES.has(result) ? (result as RuleOutcome) : 'neutral';
}

/** Why the session is not checked at all, or undefined when it is. */
function notChecked(session: SessionFacts): string | undefined {
  const user = session?.authenticatedUser;
  return typeof user === 'string' && user.length > 0
    ? `authenticated session (${user}): our own users are not checked`
    : undefined;
}

/** The `spfExceptions` entry that covers the connecting host (by IP or trusted PTR name). */
export function spfException(rules: CompiledRules, session: SessionFacts): ListEntry | undefined {
  const list = rules.senderAuthentication.spfExceptions;
  if (list.isEmpty) return undefined;
  // The PTR judgement is traced at connect already; a scratch trace keeps it out of this one.
  return list.match(viewHost(rules, session, new Trace()));
}

/** True when SPF is to be checked for this session (on, not authenticated, not an exception host). */
export function spfApplies(rules: CompiledRules, session: SessionFacts): boolean {
  return (
    rules.senderAuthentication.spf !== 'none' &&
    notChecked(session) === undefined &&
    spfException(rules, session) === undefined
  );
}

/** Text a sender's domain published, made safe and short for a reply line. */
function cleanText(text: unknown): string {
  const flat = String(text)
    .replace(/[\x00-\x1f\x7f]+/g, ' ')
    .trim();
  return flat.length > MAX_EXPLANATION ? `${flat.slice(0, MAX_EXPLANATION)}...` : flat;
}

/** RFC 7372's 5.7.23 "SPF validation failed", with the domain's explanation when it gave one. */
function spfRejection(spf: SpfFact): SmtpReply {
  const why =
    typeof spf.explanation === 'string' && spf.explanation.trim() !== ''
      ? `: ${cleanText(spf.explanation)}`
      : '';
  return SmtpReply.of(550, '5.7.23', `SPF check failed for ${cleanText(spf.domain)}${why}`);
}

function appended(
  base: PolicyDecision,
  trace: Trace,
  items: readonly PolicyItem[],
  change: Partial<Pick<PolicyDecision, 'action' | 'reply' | 'hold'>> = {},
): PolicyDecision {
  const action = change.action ?? (items.length > 0 && base.action === 'accept' ? 'tag' : base.action);
  return {
    ...base,
    ...change,
    action,
    items: [...base.items, ...items],
    trace: [...base.trace, ...trace.steps],
  };
}

/**
 * SPF at MAIL FROM, after the sender controls accepted (`base`). Runs here rather than at the end
 * of DATA so that "Log and reject" refuses before the client sends the message (RFC 7208 section
 * 8.4); the result is kept for the end of DATA, where DMARC and Authentication-Results read it.
 */
export function decideSpf(rules: CompiledRules, facts: MailFromFacts, base: PolicyDecision): PolicyDecision {
  const action = rules.senderAuthentication.spf;
  if (action === 'none' || (base.action !== 'accept' && base.action !== 'tag')) return base;
  const rule = 'senderAuthentication.spf';
  const trace = new Trace();
  const skip = notChecked(facts.session);
  if (skip !== undefined) {
    trace.add(rule, 'skipped', undefined, undefined, skip);
    return appended(base, trace, []);
  }
  const exception = spfException(rules, facts.session);
  if (exception !== undefined) {
    trace.add('senderAuthentication.spfExceptions', 'matched', String(facts.session.ip), exception);
    trace.add(rule, 'skipped', undefined, undefined, 'the connecting host is an SPF exception');
    return appended(base, trace, []);
  }
  const spf = facts.spf;
  if (spf === undefined || spf === null || typeof spf !== 'object') {
    // No result is no proof: the message goes on (Domino never rejects on a check it could not make).
    trace.add(rule, 'temperror', undefined, undefined, 'no SPF result was given');
    return appended(base, trace, []);
  }
  const result = outcomeOf(String(spf.result));
  const subject = `${spf.identity === 'helo' ? 'helo' : 'mailfrom'} ${spf.domain}`;
  const items: PolicyItem[] =
    action === 'tag' ? [{ name: 'Received_SPF', value: spf.receivedSpf ?? String(spf.result) }] : [];
  if (result === 'fail' && action === 'reject') {
    trace.add(rule, 'fail', subject, undefined, 'hard fail: Log and reject message');
    return appended(base, trace, [], { action: 'reject', reply: spfRejection(spf) });
  }
  const note =
    action === 'log'
      ? 'Log'
      : action === 'tag'
        ? 'Log and tag message'
        : 'Log and reject message (only a hard fail is refused)';
  trace.add(rule, result, subject, undefined, note);
  return appended(base, trace, items);
}

/** `pass d=example.com s=sel1; fail d=... (reason)`: the `DKIM_Signature` item's value. */
function dkimSummary(results: readonly DkimFact[]): string {
  if (results.length === 0) return 'none';
  return results
    .map((r) => {
      const d = r.domain === undefined ? '' : ` d=${r.domain}`;
      const s = r.selector === undefined ? '' : ` s=${r.selector}`;
      const why = r.result !== 'pass' && r.reason !== undefined ? ` (${cleanText(r.reason)})` : '';
      return `${r.result}${d}${s}${why}`;
    })
    .join('; ');
}

function decideDkim(rules: CompiledRules, facts: MessageFacts, trace: Trace, items: PolicyItem[]): void {
  const action = rules.senderAuthentication.dkim;
  if (action === 'none') return;
  const rule = 'senderAuthentication.dkim';
  const dkim = facts.dkim;
  if (!Array.isArray(dkim)) {
    trace.add(rule, 'temperror', undefined, undefined, 'no DKIM result was given');
    return;
  }
  const signatures = dkim.filter(
    (d): d is DkimFact => typeof d === 'object' && d !== null && d.result !== 'none',
  );
  if (signatures.length === 0) trace.add(rule, 'none', undefined, undefined, 'the message is not signed');
  for (const d of signatures) {
    const subject = `d=${d.domain ?? '?'} s=${d.selector ?? '?'}`;
    trace.add(
      rule,
      outcomeOf(d.result),
      subject,
      undefined,
      d.reason === undefined ? undefined : cleanText(d.reason),
    );
  }
  if (action === 'tag') items.push({ name: 'DKIM_Signature', value: dkimSummary(signatures) });
}

/**
 * DKIM and DMARC at the end of DATA, after the authenticated-sender check accepted (`base`).
 * DMARC `apply`: a failing message whose domain asks p=reject (after pct=) is refused with 550
 * 5.7.1; p=quarantine accepts it held. temperror and permerror never act (RFC 7489 section 6.6.3
 * leaves them to local policy; a DNS outage must not bounce mail).
 */
export function decideMessageAuthentication(
  rules: CompiledRules,
  facts: MessageFacts,
  base: PolicyDecision,
): PolicyDecision {
  const a = rules.senderAuthentication;
  if ((a.dkim === 'none' && a.dmarc === 'off') || (base.action !== 'accept' && base.action !== 'tag'))
    return base;
  const trace = new Trace();
  const skip = notChecked(facts.session);
  if (skip !== undefined) {
    trace.add('senderAuthentication', 'skipped', undefined, undefined, skip);
    return appended(base, trace, []);
  }
  const items: PolicyItem[] = [];
  decideDkim(rules, facts, trace, items);
  if (a.dmarc === 'off') return appended(base, trace, items);
  const rule = 'senderAuthentication.dmarc';
  const dmarc = facts.dmarc;
  if (dmarc === undefined || dmarc === null || typeof dmarc !== 'object') {
    trace.add(rule, 'temperror', undefined, undefined, 'no DMARC result was given');
    return appended(base, trace, items);
  }
  const sampled = dmarc.sampledOut === true ? ', lowered by pct= sampling' : '';
  const published = `p=${dmarc.policy}, disposition ${dmarc.disposition}${sampled}`;
  const exception = spfException(rules, facts.session);
  if (a.dmarc === 'report' || dmarc.result !== 'fail' || dmarc.disposition === 'none' || exception) {
    const why =
      a.dmarc === 'report'
        ? 'report only'
        : exception !== undefined
          ? 'not applied: the connecting host is an SPF exception'
          : 'nothing to apply';
    trace.add(rule, outcomeOf(dmarc.result), dmarc.fromDomain, exception, `${published}; ${why}`);
    return appended(base, trace, items);
  }
  const domain = cleanText(dmarc.fromDomain);
  if (dmarc.disposition === 'reject') {
    trace.add(rule, 'fail', dmarc.fromDomain, undefined, `${published}; rejected`);
    const reply = SmtpReply.of(
      550,
      '5.7.1',
      `Message rejected: it fails the DMARC policy of ${domain} (p=reject)`,
    );
    return appended(base, trace, items, { action: 'reject', reply });
  }
  trace.add(rule, 'fail', dmarc.fromDomain, undefined, `${published}; held (quarantine)`);
  return appended(base, trace, items, {
    hold: { reason: `DMARC quarantine: the message fails the DMARC policy of ${domain}` },
  });
}
