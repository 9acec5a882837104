/** MAIL FROM: Inbound Sender Controls (deny / allow lists, verify the sender's domain in DNS). */
import { Replies, type SmtpReply } from '@mailroute/envelope';
import type { PolicyAction, PolicyDecision } from './decision.js';
import type { MailFromFacts } from './facts.js';
import type { CompiledRules } from './rules.js';
import { Trace } from './trace.js';

function decide(action: PolicyAction, reply: SmtpReply, trace: Trace): PolicyDecision {
  return { stage: 'mail', action, reply, items: [], trace: trace.steps };
}

/** The MAIL FROM decision. */
export function decideMailFrom(rules: CompiledRules, facts: MailFromFacts): PolicyDecision {
  const trace = new Trace();
  const path = facts.sender;
  if (path === null || typeof path !== 'object' || (path.kind !== 'null' && path.kind !== 'mailbox')) {
    trace.add('sender', 'fail', undefined, undefined, 'no parsed reverse-path was given');
    return decide('reject', Replies.badSenderSyntax('unreadable sender'), trace);
  }
  if (path.kind === 'null') {
    // Bounces must get through (RFC 5321 4.5.5); sender lists cannot name the null path.
    trace.add('sender', 'skipped', '<>', undefined, 'null reverse-path: sender controls do not apply');
    return decide('accept', Replies.senderOk, trace);
  }
  const mailbox = path.mailbox;
  const address = mailbox.address;
  const local = mailbox.localPart.toLowerCase();
  const domain = mailbox.domain.ascii;
  const s = rules.sender;
  const refused = (): SmtpReply => Replies.senderRejected(`${address}... Sender refused for policy reasons`);
  if (!s.deny.isEmpty) {
    const hit = s.deny.match(local, domain);
    trace.add('sender.deny', hit ? 'matched' : 'not-matched', address, hit);
    if (hit) return decide('reject', refused(), trace);
    if (!s.allow.isEmpty)
      trace.add('sender.allow', 'ignored', address, undefined, 'the deny list has entries');
  } else if (!s.allow.isEmpty) {
    const hit = s.allow.match(local, domain);
    trace.add('sender.allow', hit ? 'matched' : 'not-matched', address, hit);
    if (!hit) return decide('reject', refused(), trace);
  }
  if (!s.verifyDomain) {
    trace.add('sender.verifyDomain', 'skipped', domain, undefined, 'off');
    return decide('accept', Replies.senderOk, trace);
  }
  if (mailbox.domain.kind === 'literal') {
    trace.add(
      'sender.verifyDomain',
      'skipped',
      domain,
      undefined,
      'an address literal has no DNS name to verify',
    );
    return decide('accept', Replies.senderOk, trace);
  }
  switch (facts.senderDomain) {
    case 'found':
      trace.add('sender.verifyDomain', 'pass', domain, undefined, 'MX, CNAME or A record found');
      return decide('accept', Replies.senderOk, trace);
    case 'none':
      trace.add('sender.verifyDomain', 'fail', domain, undefined, 'no MX, CNAME or A record');
      return decide('reject', Replies.senderDomainUnknown(domain), trace);
    default:
      // A timeout proves nothing about the domain: 451, never a permanent refusal.
      trace.add(
        'sender.verifyDomain',
        'temperror',
        domain,
        undefined,
        facts.senderDomain === 'temperror' ? 'DNS lookup failed or timed out' : 'no DNS answer was given',
      );
      return decide('tempfail', Replies.dnsTemporaryFailure(domain), trace);
  }
}
