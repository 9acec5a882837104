/**
 * What the policy makes of the session facts: the connecting host as the lists see it (its IP
 * and, when trusted, its PTR name) and whether it is internal (seed 004 section 9, step 2).
 */
import type { SessionFacts } from './facts.js';
import type { NameAndAddress } from './host-list.js';
import { type HostAddress, normalizeDomainName, parseHostAddress } from './names.js';
import type { CompiledRules } from './rules.js';
import type { Trace } from './trace.js';

/** The connecting host as the policy sees it. */
export interface HostView extends NameAndAddress {
  readonly address: HostAddress | undefined;
  /** The PTR name when trusted (forward-confirmed, or `trustUnconfirmedPtr`). */
  readonly name: string | undefined;
  /** The text shown in traces: `name [ip]` or `[ip]`. */
  readonly shown: string;
  /**
   * The host as Deny lists see it: with the PTR name even when not forward-confirmed. A name
   * the host's owner claims can only make a Deny entry match, never grant anything.
   */
  readonly claimed: NameAndAddress;
}

/** Reads the host identity from the session facts, tracing how the PTR name was judged. */
export function viewHost(rules: CompiledRules, session: SessionFacts, trace: Trace): HostView {
  const address = typeof session?.ip === 'string' ? parseHostAddress(session.ip) : undefined;
  const ipText = address === undefined ? String(session?.ip) : address.text;
  let name: string | undefined;
  let claimedName: string | undefined;
  const ptr = session?.ptr;
  if (ptr === undefined) {
    trace.add('session.ptr', 'skipped', `[${ipText}]`, undefined, 'no reverse lookup was made');
  } else if (ptr.result !== 'found') {
    trace.add(
      'session.ptr',
      ptr.result,
      `[${ipText}]`,
      undefined,
      'no host name: the host counts as external',
    );
  } else {
    const normalized = typeof ptr.name === 'string' ? normalizeDomainName(ptr.name) : undefined;
    if (normalized === undefined || !normalized.ok) {
      trace.add('session.ptr', 'fail', String(ptr.name), undefined, 'the PTR name is not a valid host name');
    } else {
      claimedName = normalized.value;
      if (ptr.confirmed === true || rules.trustUnconfirmedPtr) {
        name = normalized.value;
        const why =
          ptr.confirmed === true ? 'forward-confirmed' : 'trusted unconfirmed (trustUnconfirmedPtr)';
        trace.add('session.ptr', 'pass', name, undefined, why);
      } else {
        const why = 'not forward-confirmed: used by Deny lists only (trustUnconfirmedPtr is off)';
        trace.add('session.ptr', 'fail', normalized.value, undefined, why);
      }
    }
  }
  const shown = name === undefined ? `[${ipText}]` : `${name} [${ipText}]`;
  return { address, name, shown, claimed: { name: claimedName, address } };
}

/** True when the host's trusted PTR name lies in a local Internet domain. */
export function isInternal(rules: CompiledRules, host: HostView): boolean {
  return host.name !== undefined && rules.localHostDomains.names.find(host.name) !== undefined;
}
