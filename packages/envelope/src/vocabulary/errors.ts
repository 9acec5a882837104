/**
 * The SDK's errors. Every error a mailroute package throws or returns has a stable string `code`
 * (test it as Node users test `err.code === 'ENOTFOUND'`) and one polarity for "try again later":
 * `temporary` is true when the same operation may succeed later (a DNS timeout, a 4xx reply) and
 * false when it never will (NXDOMAIN, a 5xx reply, a malformed record).
 *
 * Errors are told apart by `code`, never by `instanceof`: two installed copies of a package have
 * two classes, and a check across them fails. {@link isMailrouteError} checks the shape.
 */
import type { SmtpReply } from '../reply.js';

/** What every failure of the SDK carries, whether thrown as an Error or returned as data. */
export interface Reason {
  /** Stable, upper-case, package-prefixed where needed (`DNS_TIMEOUT`, `DKIM_KEY_NOT_FOUND`). */
  readonly code: string;
  /** A sentence for a person. */
  readonly message: string;
  /** True when the same operation may succeed later. */
  readonly temporary: boolean;
  /** The SMTP reply to give a peer for this failure, where one applies. */
  readonly reply?: SmtpReply | undefined;
}

/** Options of {@link MailrouteError}. */
export interface MailrouteErrorOptions {
  /** True when the same operation may succeed later; default false. */
  readonly temporary?: boolean;
  /** The SMTP reply to give a peer, where one applies. */
  readonly reply?: SmtpReply | undefined;
  /** The underlying error, as `Error.cause`. */
  readonly cause?: unknown;
}

/**
 * The base of every error class of the SDK. Subclasses fix their `code` values in a string
 * union and add fields; they never change what `code` and `temporary` mean.
 */
export class MailrouteError extends Error implements Reason {
  readonly code: string;
  readonly temporary: boolean;
  readonly reply: SmtpReply | undefined;

  constructor(code: string, message: string, options: MailrouteErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MailrouteError';
    this.code = code;
    this.temporary = options.temporary ?? false;
    this.reply = options.reply;
  }
}

/** True for anything with the shape of a {@link Reason}: a string `code`, a `message` and a boolean `temporary`. */
export function isMailrouteError(value: unknown): value is Reason & Error {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.code === 'string' && typeof v.message === 'string' && typeof v.temporary === 'boolean';
}
