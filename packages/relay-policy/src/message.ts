/**
 * End of DATA: `SMTPVerifyAuthenticatedSender=1` requires, in an authenticated session, that the
 * Sender header (or From when there is no Sender) holds exactly the user's directory address.
 */
import { Replies, type SmtpReply } from '@mailroute/envelope';
import type { PolicyAction, PolicyDecision } from './decision.js';
import type { MessageFacts } from './facts.js';
import type { CompiledRules } from './rules.js';
import { Trace } from './trace.js';

function decide(action: PolicyAction, reply: SmtpReply, trace: Trace): PolicyDecision {
  return { stage: 'message', action, reply, items: [], trace: trace.steps };
}

/** The address itself: `John <john@x>` and `<john@x>` give `john@x`. */
function bare(text: string): string {
  const t = text.trim();
  const angle = /<([^<>]*)>$/.exec(t);
  return angle === null ? t : angle[1].trim();
}

/** Lowercases an address and takes off angle brackets and surrounding space, for comparison. */
export function comparableAddress(text: string): string {
  return bare(text).toLowerCase();
}

function clean(list: readonly string[] | undefined): string[] {
  if (!Array.isArray(list)) return [];
  return list.filter((a): a is string => typeof a === 'string' && a.trim().length > 0);
}

/** The end-of-data decision. */
export function decideMessage(rules: CompiledRules, facts: MessageFacts): PolicyDecision {
  const trace = new Trace();
  const rule = 'verifyAuthenticatedSender';
  const user = facts.session?.authenticatedUser;
  if (rules.verifyAuthenticatedSender !== 1) {
    trace.add(rule, 'skipped', undefined, undefined, 'SMTPVerifyAuthenticatedSender=0');
    return decide('accept', Replies.messageAccepted(), trace);
  }
  if (typeof user !== 'string' || user.length === 0) {
    trace.add(rule, 'skipped', undefined, undefined, 'not an authenticated session');
    return decide('accept', Replies.messageAccepted(), trace);
  }
  const sender = clean(facts.sender);
  const header = sender.length > 0 ? 'Sender' : 'From';
  const addresses = sender.length > 0 ? sender : clean(facts.from);
  if (addresses.length !== 1) {
    const why =
      addresses.length === 0
        ? `the message has no ${header} address`
        : `${header} holds ${addresses.length} addresses; only a single address can be verified`;
    trace.add(rule, 'fail', user, undefined, why);
    return decide('reject', Replies.senderRejected(`Message rejected: ${why}`), trace);
  }
  const directory = facts.authenticatedAddress;
  if (directory === undefined || directory.result === 'unavailable') {
    trace.add(rule, 'temperror', user, undefined, 'the directory address of the user is not known');
    return decide('tempfail', Replies.localError, trace);
  }
  if (directory.result === 'none') {
    trace.add(rule, 'fail', user, undefined, 'the user has no Internet address in the directory');
    return decide(
      'reject',
      Replies.senderRejected(`Message rejected: authenticated user ${user} has no Internet address`),
      trace,
    );
  }
  const written = addresses[0];
  if (comparableAddress(written) === comparableAddress(directory.address)) {
    trace.add(rule, 'pass', written, undefined, `${header} matches the directory address of ${user}`);
    return decide('accept', Replies.messageAccepted(), trace);
  }
  // Domino's console words (seed 004 section 8), with the addresses as written.
  const ip = typeof facts.session.ip === 'string' ? ` from host ${facts.session.ip}` : '';
  const why = `Authenticated user ${user}${ip} sending mail from ${bare(written)} failed to match directory address ${bare(directory.address)}`;
  trace.add(rule, 'fail', written, undefined, why);
  return decide('reject', Replies.senderRejected(`Message rejected: ${why}`), trace);
}
