/**
 * RCPT TO: is the recipient local, does it hide another destination, may this session relay to
 * it, and for local recipients the Inbound Intended Recipients Controls and the directory answer.
 */
import { type ForwardPath, Replies, type SmtpReply } from '@mailroute/envelope';
import type { PolicyAction, PolicyDecision } from './decision.js';
import type { RcptToFacts } from './facts.js';
import { literalAddress } from './names.js';
import { relayAllowed } from './relay.js';
import { hiddenDestinations } from './relay-tricks.js';
import type { CompiledRules } from './rules.js';
import { type HostView, isInternal } from './session.js';
import type { SessionViews } from './session-views.js';
import { Trace } from './trace.js';

function decide(action: PolicyAction, reply: SmtpReply, trace: Trace, relay: boolean): PolicyDecision {
  return { stage: 'rcpt', action, reply, items: [], trace: trace.steps, relay };
}

/** True when the mailbox's domain is a local Internet domain (or one of the server's own addresses). */
export function isLocalMailbox(rules: CompiledRules, path: ForwardPath & { kind: 'mailbox' }): boolean {
  const domain = path.mailbox.domain;
  if (domain.kind === 'literal')
    return rules.localAddresses.match({ name: undefined, address: literalAddress(domain) }) !== undefined;
  return rules.localDomains.names.find(domain.ascii) !== undefined;
}

/** The RCPT TO decision. */
export function decideRcpt(rules: CompiledRules, views: SessionViews, facts: RcptToFacts): PolicyDecision {
  const trace = new Trace();
  const path = facts.recipient;
  if (path === null || typeof path !== 'object' || (path.kind !== 'postmaster' && path.kind !== 'mailbox')) {
    trace.add('recipient', 'fail', undefined, undefined, 'no parsed forward-path was given');
    return decide('reject', Replies.badRecipientSyntax('unreadable recipient'), trace, false);
  }
  if (path.kind === 'postmaster') {
    trace.add(
      'recipient',
      'matched',
      'postmaster',
      undefined,
      'RFC 5321 4.5.1: <postmaster> is always accepted',
    );
    return decide('accept', Replies.recipientOk, trace, false);
  }
  const mailbox = path.mailbox;
  const address = mailbox.address;
  if (path.sourceRoute.length > 0)
    trace.add(
      'recipient.sourceRoute',
      'ignored',
      path.sourceRoute.join(','),
      undefined,
      'RFC 5321 4.1.1.3: the route is ignored; the mailbox decides',
    );
  const local = isLocalMailbox(rules, path);
  trace.add('localInternetDomains', local ? 'matched' : 'not-matched', mailbox.domain.ascii);
  let relay = !local;
  let destination = {
    name: mailbox.domain.kind === 'domain' ? mailbox.domain.ascii : undefined,
    address: literalAddress(mailbox.domain),
  };
  let destinationShown = mailbox.domain.ascii;
  // The rightmost hidden destination is the one a rewriting system would reach first.
  const hidden = hiddenDestinations(mailbox);
  for (let k = hidden.length - 1; k >= 0; k--) {
    const h = hidden[k];
    const hiddenLocal = h.domain !== undefined && rules.localDomains.names.find(h.domain) !== undefined;
    const named = h.domain ?? `"${h.written}" (not a domain)`;
    trace.add(
      'recipient.localPart',
      'matched',
      mailbox.localPart,
      undefined,
      `${h.trick} names ${named}${hiddenLocal ? ' (local)' : ''}`,
    );
    if (!hiddenLocal && local && !relay) {
      // Through a local domain, a hidden foreign destination is a relay to it.
      relay = true;
      destination = { name: h.domain, address: undefined };
      destinationShown = h.domain ?? h.written;
    }
  }
  const view = views.view(facts.session);
  const host = view.host;
  for (const step of view.hostSteps) trace.steps.push(step);
  if (relay) {
    const relayView = views.relay(view, facts.session);
    for (const step of relayView.steps) trace.steps.push(step);
    if (relayView.exempt) return decide('accept', Replies.recipientOk, trace, true);
    if (relayAllowed(rules, host, relayView, destination, destinationShown, trace))
      return decide('accept', Replies.recipientOk, trace, true);
    return decide('reject', Replies.relayRejected, trace, true);
  }
  return localRecipient(
    rules,
    facts,
    address,
    mailbox.localPart.toLowerCase(),
    mailbox.domain.ascii,
    host,
    trace,
  );
}

function localRecipient(
  rules: CompiledRules,
  facts: RcptToFacts,
  address: string,
  localLower: string,
  domain: string,
  host: HostView,
  trace: Trace,
): PolicyDecision {
  const r = rules.recipient;
  if (!r.deny.isEmpty) {
    const hit = r.deny.match(localLower, domain);
    trace.add('recipient.deny', hit ? 'matched' : 'not-matched', address, hit);
    if (hit)
      return decide(
        'reject',
        Replies.recipientRejected(`${address}... Recipient refused for policy reasons`),
        trace,
        false,
      );
    if (!r.allow.isEmpty)
      trace.add('recipient.allow', 'ignored', address, undefined, 'the deny list has entries');
  } else if (!r.allow.isEmpty) {
    const hit = r.allow.match(localLower, domain);
    trace.add('recipient.allow', hit ? 'matched' : 'not-matched', address, hit);
    if (!hit)
      return decide(
        'reject',
        Replies.recipientRejected(`${address}... Recipient refused for policy reasons`),
        trace,
        false,
      );
  }
  if (!r.verifyLocal) {
    trace.add('recipient.verifyLocal', 'skipped', address, undefined, 'off');
    return decide('accept', Replies.recipientOk, trace, false);
  }
  const answer = facts.directory;
  switch (answer) {
    case 'found':
      trace.add('recipient.verifyLocal', 'pass', address);
      return decide('accept', Replies.recipientOk, trace, false);
    case 'not-found':
      trace.add('recipient.verifyLocal', 'fail', address, undefined, 'not in the directory');
      return decide('reject', Replies.noSuchUser(address), trace, false);
    case 'ambiguous':
      if (r.denyNotUnique === 1) {
        trace.add('recipient.denyNotUnique', 'matched', address, undefined, 'SMTPDenyNotUniqueRCPT=1');
        return decide('reject', Replies.ambiguousRecipient(address), trace, false);
      }
      trace.add(
        'recipient.denyNotUnique',
        'not-matched',
        address,
        undefined,
        'SMTPDenyNotUniqueRCPT=0: ambiguous names accepted',
      );
      return decide('accept', Replies.recipientOk, trace, false);
    case 'group': {
      const external = !isInternal(rules, host);
      const refuse = r.denyMailToGroups === 2 || (r.denyMailToGroups === 1 && external);
      trace.add(
        'recipient.denyMailToGroups',
        refuse ? 'matched' : 'not-matched',
        address,
        undefined,
        `SMTPDenyMailToGroups=${r.denyMailToGroups}, ${external ? 'external' : 'internal'} host`,
      );
      if (refuse)
        return decide(
          'reject',
          Replies.mailboxDisabled(`${address}... Mail to groups is not accepted`),
          trace,
          false,
        );
      return decide('accept', Replies.recipientOk, trace, false);
    }
    case 'unavailable':
      // Domino accepts when the directory was asked and could not answer, so a directory outage
      // loses no mail.
      trace.add('recipient.verifyLocal', 'temperror', address, undefined, 'directory unavailable: accepted');
      return decide('accept', Replies.recipientOk, trace, false);
    default:
      // No answer at all means the directory was never asked (a caller bug): accepting would turn
      // the check off in silence, refusing would bounce good mail, so the client retries.
      trace.add(
        'recipient.verifyLocal',
        'temperror',
        address,
        undefined,
        'no directory answer was given: the directory was not asked',
      );
      return decide('tempfail', Replies.localError, trace, false);
  }
}
