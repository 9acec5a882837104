/**
 * Local parts that hide other destinations, the forms open-relay testers use: the percent hack
 * `user%other.example@local` (also chained, `user%a%b@local`), bang paths
 * `other.example!user@local`, and quoted local parts holding a whole address or route
 * (`"user@other.example"@local`, `"@other.example:user"@local`). A mail system that rewrote such
 * a local part, hop by hop, would send the message on to every one of those domains, so the
 * policy treats each of them as a destination.
 */
import type { Mailbox } from '@mailroute/envelope';
import { normalizeDomainName } from './names.js';

/** The kind of trick found in a local part. */
export type RelayTrick = 'percent-hack' | 'bang-path' | 'embedded-at';

/** A destination hidden in a local part. */
export interface HiddenDestination {
  readonly trick: RelayTrick;
  /** The hidden domain in A-labels, or undefined when it is not a valid domain (a literal, a route). */
  readonly domain: string | undefined;
  /** The hidden domain as written. */
  readonly written: string;
}

function destination(trick: RelayTrick, written: string): HiddenDestination {
  const name = normalizeDomainName(written);
  return { trick, domain: name.ok ? name.value : undefined, written };
}

/**
 * Every destination hidden in a mailbox's local part, innermost (the last one a rewriting system
 * would reach) last. Empty for an ordinary local part.
 */
export function hiddenDestinations(mailbox: Mailbox): HiddenDestination[] {
  const local = mailbox.localPart;
  if (local.indexOf('@') < 0 && local.indexOf('%') < 0 && local.indexOf('!') < 0) return [];
  const out: HiddenDestination[] = [];
  // "a!b!user%c@d": split at @ and % first; the first piece may still be a bang path.
  const pieces = local.split(/([@%])/);
  const bang = pieces[0].split('!');
  for (let i = 0; i < bang.length - 1; i++) out.push(destination('bang-path', bang[i]));
  for (let i = 1; i + 1 < pieces.length; i += 2)
    out.push(destination(pieces[i] === '@' ? 'embedded-at' : 'percent-hack', pieces[i + 1]));
  return out;
}

/** The first hidden destination, if any (a convenience over {@link hiddenDestinations}). */
export function hiddenDestination(mailbox: Mailbox): HiddenDestination | undefined {
  return hiddenDestinations(mailbox)[0];
}
