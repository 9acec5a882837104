/**
 * The errors a MailBox throws, as {@link MailrouteError} with a `MAILBOX_` code. The Router tells
 * them apart by `code`: `MAILBOX_CLOSED`, `MAILBOX_IO` and `MAILBOX_LOCKED` are temporary (an SMTP
 * session answers 451 and the sender retries); `MAILBOX_INVALID` is the caller's bug.
 */
import { MailrouteError } from '@mailroute/envelope';

/** The codes of MailBox errors. */
export type MailBoxErrorCode =
  /** The store was closed (or failed and must be reopened). */
  | 'MAILBOX_CLOSED'
  /** Another process holds the store's directory. */
  | 'MAILBOX_LOCKED'
  /** A read or write of the store failed; the store refuses further changes until reopened. */
  | 'MAILBOX_IO'
  /** The store's files are damaged beyond the torn tail a crash leaves. */
  | 'MAILBOX_CORRUPT'
  /** No such message or recipient. */
  | 'MAILBOX_NOT_FOUND'
  /** The recipient is in flight: wait for its settlement (or its lease to expire). */
  | 'MAILBOX_IN_FLIGHT'
  /** The call itself is wrong (no recipients, an outcome for an unknown index, a bad limit). */
  | 'MAILBOX_INVALID';

const TEMPORARY: ReadonlySet<MailBoxErrorCode> = new Set([
  'MAILBOX_CLOSED',
  'MAILBOX_LOCKED',
  'MAILBOX_IO',
  'MAILBOX_IN_FLIGHT',
]);

/** Builds a MailBox error with the right `temporary` flag for its code. */
export function mailBoxError(code: MailBoxErrorCode, message: string, cause?: unknown): MailrouteError {
  return new MailrouteError(code, message, { temporary: TEMPORARY.has(code), cause });
}
