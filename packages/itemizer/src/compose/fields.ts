/**
 * The options of the fields-level builder, in the shape Node engineers know from nodemailer's
 * MailComposer: one object with from, to, subject, text, html, attachments... Types only.
 */

import type { Readable } from 'node:stream';

/** A mailbox: `"Name" <local@domain>` or `local@domain` as text, or its two halves. */
export type AddressInput = string | { readonly name?: string; readonly address: string };

/** A group (RFC 5322 3.4): a name and its members; none gives `undisclosed-recipients:;`. */
export interface GroupInput {
  readonly group: string;
  readonly members?: readonly AddressInput[];
}

/** One address, one group, or a list of them. */
export type AddressListInput = AddressInput | GroupInput | readonly (AddressInput | GroupInput)[];

/** Bytes: a Buffer, a string (see `encoding`), or a stream read while the message is produced. */
export type ContentInput = Buffer | Uint8Array | string | Readable | AsyncIterable<Uint8Array>;

/** One attachment (or inline part, with `cid`). */
export interface AttachmentFields {
  /** File name as the recipient sees it (any Unicode; RFC 2231 on the wire). Default: `ATT00001.<ext>`. */
  readonly filename?: string;
  /**
   * The bytes. A stream is read once, while the message is produced, and base64-encoded slice by
   * slice (a 50 MB file costs about one slice of memory). A message/rfc822 attachment (a
   * forward) must be a Buffer or string: it is written unencoded and checked line by line.
   */
  readonly content: ContentInput;
  /** How a string `content` is turned into bytes (`utf8` default, `base64`, `hex`, `latin1`...). */
  readonly encoding?: BufferEncoding;
  /** Media type, e.g. `application/pdf`. Default: from the file name's extension, else `application/octet-stream`. */
  readonly contentType?: string;
  /** Content-ID without angle brackets; with `html`, the part goes beside it in multipart/related. */
  readonly cid?: string;
  /** `attachment` (default) or `inline` (default when `cid` is given). */
  readonly disposition?: 'attachment' | 'inline';
}

/** A calendar event: a VCALENDAR (RFC 5545) sent as a text/calendar alternative beside text and html. */
export interface CalendarEventFields {
  /** The iTIP method (`REQUEST`, `PUBLISH`, `CANCEL`, `REPLY`...). Default: the METHOD line of the content, else `PUBLISH`. */
  readonly method?: string;
  /** The VCALENDAR text (must hold `BEGIN:VCALENDAR`). */
  readonly content: string | Buffer;
}

/** The fields of a message/delivery-status part as name/value pairs (RFC 3464 2.2, 2.3). */
export type DeliveryStatusFieldList =
  | Readonly<Record<string, string>>
  | readonly (readonly [string, string])[];

/**
 * A delivery status notification (RFC 3464, in a multipart/report of RFC 6522/3462): the `text`
 * of the message is the human-readable first part, then the machine-readable status, then the
 * original message or its header.
 */
export interface DeliveryReportFields {
  /**
   * The message/delivery-status body: prepared text (blocks of `Name: value` lines, the
   * per-message block first, then one block per recipient, blank lines between), or the fields
   * of each block.
   */
  readonly deliveryStatus:
    | string
    | { readonly message: DeliveryStatusFieldList; readonly recipients: readonly DeliveryStatusFieldList[] };
  /** The original: the whole message (message/rfc822) or only its header block (text/rfc822-headers). */
  readonly original?: { readonly message: Buffer | string } | { readonly headers: Buffer | string };
}

/** Everything {@link buildMessage} needs to write a message from scratch. */
export interface MessageFields {
  /** The author(s). Several mailboxes need a `sender` (RFC 5322 3.6.2). Groups are not allowed here. */
  readonly from: AddressListInput;
  /** The mailbox that sent it on the authors' behalf (Domino's Principal). */
  readonly sender?: AddressInput;
  readonly to?: AddressListInput;
  readonly cc?: AddressListInput;
  /** Kept in the note (BlindCopyTo) but never written to the header: Bcc exists only in the envelope. */
  readonly bcc?: AddressListInput;
  readonly replyTo?: AddressListInput;
  readonly subject?: string;
  /** Default: the clock of the options. */
  readonly date?: Date;
  /** `<id@domain>` (the brackets may be left out). Default: random, at the first From's domain. */
  readonly messageId?: string;
  readonly inReplyTo?: string;
  readonly references?: string | readonly string[];
  /** Plain text body (line ends become CRLF). */
  readonly text?: string;
  /** HTML body. With `text`, both go in multipart/alternative. */
  readonly html?: string;
  readonly attachments?: readonly AttachmentFields[];
  /** A calendar invitation or publication, as a text/calendar alternative. */
  readonly icalEvent?: CalendarEventFields;
  /** Importance: `high`, `normal`, `low` (Domino's Importance item). */
  readonly priority?: 'high' | 'normal' | 'low';
  /**
   * Extra header fields. Fields the builder writes itself (From, To, Subject, Date, Message-ID,
   * MIME-Version, Content-*...) are refused here: use their own options.
   */
  readonly headers?:
    | Readonly<Record<string, string | readonly string[]>>
    | readonly { readonly key: string; readonly value: string }[];
  /**
   * Makes the message a delivery status notification: `multipart/report;
   * report-type=delivery-status` with `text` as its first part. `html`, `attachments` and
   * `icalEvent` are not allowed beside it (a report has exactly these parts).
   */
  readonly report?: DeliveryReportFields;
}
