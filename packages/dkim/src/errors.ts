import { MailrouteError } from '@mailroute/envelope';

/** The `code` values of {@link DkimSignError}. */
export type DkimSignErrorCode =
  /** The signer was given no keys. */
  | 'DKIM_NO_KEYS'
  /** d= is not an ASCII domain name (RFC 6376 3.5 `domain-name`): empty, a space, a ";"... */
  | 'DKIM_INVALID_DOMAIN'
  /** s= is not `sub-domain *("." sub-domain)`: a ";" (tag injection), a space, empty... */
  | 'DKIM_INVALID_SELECTOR'
  /** i= is not `[dot-atom]@domain` with its domain equal to d= or a subdomain of it. */
  | 'DKIM_INVALID_IDENTITY'
  /** The expiry is not a positive whole number of seconds, so x= would not be greater than t=. */
  | 'DKIM_INVALID_EXPIRY'
  /** A header field name for h= is empty or holds ":", ";", a space or a control character. */
  | 'DKIM_INVALID_HEADER_NAME'
  /** c= is not simple or relaxed for header and body. */
  | 'DKIM_INVALID_CANONICALIZATION'
  /** A key is given as neither a private key nor a signing function, or an option is out of range. */
  | 'DKIM_INVALID_OPTION'
  /** The clock gave a time that cannot be written as t= (negative or not a number). */
  | 'DKIM_INVALID_TIME'
  /** The message has no From field (DKIM must sign From). */
  | 'DKIM_NO_FROM'
  /** `signSync` was called on a signer with a signing function, which is asynchronous. */
  | 'DKIM_SYNC_UNAVAILABLE'
  /** A signing function failed or returned something that is not a signature of its key type. */
  | 'DKIM_SIGN_FAILED';

/**
 * Raised when a signer cannot be created from its options (checked once, at creation, so no
 * signature breaking RFC 6376 3.5 is ever written) or a message cannot be signed.
 * A failing signing function (an HSM or KMS that did not answer) is `temporary`.
 */
export class DkimSignError extends MailrouteError {
  declare readonly code: DkimSignErrorCode;

  constructor(
    code: DkimSignErrorCode,
    message: string,
    options: { temporary?: boolean; cause?: unknown } = {},
  ) {
    super(code, message, options);
    this.name = 'DkimSignError';
  }
}
