/**
 * The MailBox contract's rules for recipient states and settlements, as code every store runs
 * (the state machine of the memory and file stores, and stores of their own such as
 * `@mailroute/queue-postgres`), so the rules the conformance suite checks live in one place.
 */
import { mailBoxError } from './errors.js';
import {
  FINAL_RECIPIENT_STATES,
  type RecipientOutcome,
  type RecipientState,
  type Settlement,
} from './types.js';

/** Every recipient state, in the order the operator's counts list them. */
export const RECIPIENT_STATES: readonly RecipientState[] = Object.freeze([
  'waiting',
  'in-flight',
  'delivered',
  'transferred',
  'failed',
  'held',
  'dead',
]);

const KNOWN: ReadonlySet<string> = new Set(RECIPIENT_STATES);
const FINAL: ReadonlySet<string> = new Set(FINAL_RECIPIENT_STATES);

/** True for `delivered`, `transferred` and `failed`: nothing more happens to such a recipient. */
export function isFinal(state: RecipientState): boolean {
  return FINAL.has(state);
}

/** A count of zero for every recipient state (what `counts()` fills in). */
export function emptyStateCounts(): Record<RecipientState, number> {
  const counts = {} as Record<RecipientState, number>;
  for (const state of RECIPIENT_STATES) counts[state] = 0;
  return counts;
}

/**
 * Refuses a malformed settlement before anything changes, so a bad one changes nothing; with the
 * message's recipient count, an outcome for a recipient it does not have too.
 */
export function validateSettlement(s: Settlement, recipientCount?: number): void {
  if (!s || typeof s.id !== 'string') throw mailBoxError('MAILBOX_INVALID', 'a settlement needs an id');
  if (typeof s.owner !== 'string') throw mailBoxError('MAILBOX_INVALID', 'a settlement needs an owner');
  if (!Array.isArray(s.outcomes)) throw mailBoxError('MAILBOX_INVALID', 'a settlement needs outcomes');
  for (const o of s.outcomes) {
    if (!KNOWN.has(o.state) || o.state === 'in-flight')
      throw mailBoxError('MAILBOX_INVALID', `no outcome ${String(o.state)}`);
    if (o.state === 'waiting' && !Number.isFinite(o.nextAttemptMs))
      throw mailBoxError('MAILBOX_INVALID', 'a waiting outcome needs nextAttemptMs');
    if (!Number.isFinite(o.attemptMs)) throw mailBoxError('MAILBOX_INVALID', 'attemptMs is not a time');
    if (
      recipientCount !== undefined &&
      (!Number.isInteger(o.index) || o.index < 0 || o.index >= recipientCount)
    )
      throw mailBoxError('MAILBOX_INVALID', `message ${s.id} has no recipient ${o.index}`);
  }
}

/**
 * Whether an outcome may be recorded over a recipient's current state: a final state is never
 * left; a final outcome is always recorded; a deferral (`waiting`) only from the lease holder;
 * `held`/`dead` unless another node holds the lease. This is what makes a settle retried after a
 * crash, or one from a node whose lease was taken over, harmless.
 */
export function mayRecordOutcome(
  current: { readonly state: RecipientState; readonly leaseOwner?: string | null | undefined },
  outcome: RecipientOutcome,
  owner: string,
): boolean {
  if (isFinal(current.state)) return false;
  if (isFinal(outcome.state)) return true;
  const leasedByOther = current.state === 'in-flight' && current.leaseOwner !== owner;
  if (outcome.state === 'waiting') return current.state === 'in-flight' && !leasedByOther;
  return !leasedByOther;
}
