/**
 * Time limits of a client session: RFC 5321 4.5.3.2, scaled by Domino's `SMTPTimeoutMultiplier`.
 */

/** The timeouts of one session, in milliseconds. */
export interface SmtpTimeouts {
  /** TCP connect (no RFC figure; 60 s). */
  readonly connectMs: number;
  /** The TLS handshake, implicit or after STARTTLS (no RFC figure; 60 s). */
  readonly tlsHandshakeMs: number;
  /** The 220 greeting: "Initial 220 Message: 5 minutes". Also EHLO, STARTTLS, AUTH, RSET, QUIT replies. */
  readonly greetingMs: number;
  /** "MAIL Command: 5 minutes". */
  readonly mailMs: number;
  /** "RCPT Command: 5 minutes". */
  readonly rcptMs: number;
  /** "DATA Initiation: 2 minutes" (the 354). */
  readonly dataInitiationMs: number;
  /** "Data Block: 3 minutes": each write of message data must drain within it. */
  readonly dataBlockMs: number;
  /** "DATA Termination: 10 minutes": the reply to the final dot (or BDAT LAST). */
  readonly dataTerminationMs: number;
}

const MINUTE = 60_000;

/** RFC 5321 4.5.3.2's figures, unscaled. */
export const RFC5321_TIMEOUTS: SmtpTimeouts = Object.freeze({
  connectMs: MINUTE,
  tlsHandshakeMs: MINUTE,
  greetingMs: 5 * MINUTE,
  mailMs: 5 * MINUTE,
  rcptMs: 5 * MINUTE,
  dataInitiationMs: 2 * MINUTE,
  dataBlockMs: 3 * MINUTE,
  dataTerminationMs: 10 * MINUTE,
});

/**
 * The session timeouts: RFC 5321's figures (or the ones given) each multiplied by `multiplier`
 * (Domino `SMTPTimeoutMultiplier`, default 1). A multiplier or timeout of 0, NaN, negative or
 * infinite is a RangeError, never "no limit": a client without timeouts hangs on a silent server.
 */
export function resolveTimeouts(given: Partial<SmtpTimeouts> | undefined, multiplier = 1): SmtpTimeouts {
  if (!Number.isFinite(multiplier) || multiplier <= 0) {
    throw new RangeError(`timeoutMultiplier must be a positive number, got ${String(multiplier)}`);
  }
  const out: Record<string, number> = {};
  for (const key of Object.keys(RFC5321_TIMEOUTS) as (keyof SmtpTimeouts)[]) {
    const v = given?.[key] ?? RFC5321_TIMEOUTS[key];
    if (!Number.isFinite(v) || v <= 0)
      throw new RangeError(`timeouts.${key} must be a positive number of ms`);
    out[key] = Math.round(v * multiplier);
  }
  return Object.freeze(out) as unknown as SmtpTimeouts;
}

/** Throws a RangeError unless `value` is a positive integer (a limit is never "none"). */
export function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0)
    throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
  return value;
}
