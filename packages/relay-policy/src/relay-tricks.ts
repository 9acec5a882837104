/**
 * Local parts that hide another destination, the forms open-relay testers use: the percent hack
 * `user%other.example@local`, bang paths `other.example!user@local`, and quoted local parts that
 * hold a whole address `"user@other.example"@local`. A mail system that rewrote such a local part
 * would send the message on to `other.example`, so the policy treats the hidden destination as
 * the real one.
 */
import type { Mailbox } from '@mailroute/envelope';
import { normalizeDomainName } from './names.js';

/** The kind of trick found in a local part. */
export type RelayTrick = 'percent-hack' | 'bang-path' | 'embedded-at';

/** A destination hidden in a local part. */
export interface HiddenDestination {
  readonly trick: RelayTrick;
  /** The hidden domain in A-labels, or undefined when it is not a valid domain. */
  readonly domain: string | undefined;
  /** The hidden domain as written. */
  readonly written: string;
}

/** Finds a destination hidden in a mailbox's local part, if any. */
export function hiddenDestination(mailbox: Mailbox): HiddenDestination | undefined {
  const local = mailbox.localPart;
  const at = local.lastIndexOf('@');
  if (at >= 0) return found('embedded-at', local.slice(at + 1));
  const percent = local.lastIndexOf('%');
  if (percent >= 0) return found('percent-hack', local.slice(percent + 1));
  const bang = local.indexOf('!');
  if (bang >= 0) return found('bang-path', local.slice(0, bang));
  return undefined;
}

function found(trick: RelayTrick, written: string): HiddenDestination {
  // A literal or a source-route fragment is not a name: it stays undefined and matches only "*".
  let text = written.trim();
  if (text.startsWith('[') || text.includes(':')) return { trick, domain: undefined, written };
  if (text.endsWith('>')) text = text.slice(0, -1);
  const name = normalizeDomainName(text);
  return { trick, domain: name.ok ? name.ascii : undefined, written };
}
