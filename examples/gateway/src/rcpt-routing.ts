/**
 * Routing decided at RCPT TO. `dispatch` is pure (the directory and the routing graph are in
 * memory), so whatever it will refuse after the data it refuses now, per recipient, in Domino's
 * words: an unknown local user (`550 5.1.1 ... No such user`, also when "Verify that local domain
 * recipients exist" is off), an ambiguous name (`550 5.1.4`, also with `SMTPDenyNotUniqueRCPT=0`),
 * mail to a group with `RouterDisableMailToGroups=1` (`550 5.7.1`, "rejected for policy reasons"),
 * no route. A 250 after the data then never hides a recipient that was known to fail.
 */
import { Replies, type SmtpReply } from '@mailroute/envelope';
import { type Directory, type DispatchDecision, dispatch, type RoutingGraph } from '@mailroute/routing';

/** A decision that is not a group: deliver, transfer, smtp or fail. */
export type Leaf = Exclude<DispatchDecision, { action: 'group' }>;

/** A failed leaf. */
export type FailedLeaf = Extract<Leaf, { action: 'fail' }>;

/** Flattens groups into their members' decisions. */
export function leavesOf(decision: DispatchDecision, out: Leaf[] = []): Leaf[] {
  if (decision.action === 'group') for (const m of decision.members) leavesOf(m, out);
  else out.push(decision);
  return out;
}

/** The reply for a recipient routing cannot handle, naming the address the client gave. */
export function failureReply(address: string, leaf: FailedLeaf): SmtpReply {
  if (leaf.failure === 'userNotListed') return Replies.noSuchUser(address);
  if (leaf.failure === 'ambiguous') return Replies.ambiguousRecipient(address);
  if (leaf.failure === 'policy')
    return Replies.recipientRejected(`${address}... Rejected for policy reasons: ${leaf.reason}`);
  return Replies.recipientRejected(`${address}... ${leaf.reason}`);
}

/**
 * The refusal for one RCPT TO address when routing can only fail it: the recipient itself fails,
 * or it is a group none of whose members can be delivered. Undefined when some copy can go.
 */
export function routingRefusal(
  directory: Directory,
  graph: RoutingGraph,
  address: string,
): SmtpReply | undefined {
  const [decision] = dispatch(directory, graph, [address]);
  if (decision === undefined) return undefined;
  const leaves = leavesOf(decision);
  const failed = leaves.filter((l): l is FailedLeaf => l.action === 'fail');
  // An empty group delivers nothing either: it fails like its members would.
  if (leaves.length > 0 && failed.length < leaves.length) return undefined;
  if (decision.action === 'fail') return failureReply(address, decision);
  const first = failed[0];
  const group = decision.action === 'group' ? decision.group : address;
  return Replies.recipientRejected(
    first === undefined
      ? `${address}... Group ${group} has no member to deliver to`
      : `${address}... Group ${group}: no member can be delivered (${first.recipient}: ${first.reason})`,
  );
}
