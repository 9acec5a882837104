/**
 * The builder's typed errors. Building refuses input it cannot write without losing or
 * misrepresenting something (an attachment no part refers to, a From of several mailboxes with
 * no Sender, a header value with a line break...) with an {@link ItemizerError}, told apart by
 * its string `code` as every error of the SDK is (`@mailroute/envelope`'s `MailrouteError`).
 * Parsing never throws because of message content: it records defects instead.
 */

import { MailrouteError } from '@mailroute/envelope';

/** The codes of {@link ItemizerError}. */
export type ItemizerErrorCode =
  /** An option of the fields-level builder has the wrong type or an impossible value. */
  | 'ITEMIZER_INVALID_OPTION'
  /** An address that is not a mailbox (RFC 5322 3.4), or longer than a path may be (RFC 5321 4.5.3.1.3). */
  | 'ITEMIZER_INVALID_ADDRESS'
  /** No From: every message has one (RFC 5322 3.6). */
  | 'ITEMIZER_MISSING_FROM'
  /** A From of several mailboxes without a Sender (RFC 5322 3.6.2 requires one then). */
  | 'ITEMIZER_SENDER_REQUIRED'
  /** An extra header the builder cannot write: bad field name, one it owns, a line break in its value. */
  | 'ITEMIZER_INVALID_HEADER'
  /** An attachment without content, with a bad media type or a bad Content-ID. */
  | 'ITEMIZER_INVALID_ATTACHMENT'
  /** A `$FILE` item no MIME part refers to (it would be dropped from the message). */
  | 'ITEMIZER_UNLINKED_ATTACHMENT'
  /** A MIME part that names a `$FILE` item the note does not have, or whose bytes cannot be had. */
  | 'ITEMIZER_MISSING_ATTACHMENT'
  /** MIME part records that do not form a tree (bad or repeated paths, a child of a leaf). */
  | 'ITEMIZER_INVALID_PART'
  /** Content that cannot be written as its media type requires (a line over 998 octets in message/rfc822). */
  | 'ITEMIZER_UNWRITABLE_CONTENT';

/** An error of the builder; `temporary` is always false (the same input fails the same way). */
export class ItemizerError extends MailrouteError {
  declare readonly code: ItemizerErrorCode;

  constructor(code: ItemizerErrorCode, message: string, options: { readonly cause?: unknown } = {}) {
    super(code, `itemizer: ${message}`, options);
    this.name = 'ItemizerError';
  }
}
