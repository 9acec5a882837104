/** Options of {@link buildMessage}. */

import { type Clock, systemClock } from '@mailroute/envelope';
import type { Attachment } from '../note/note.js';

/** The time now from a clock option: the SDK's {@link Clock} (`now()` in epoch ms); default the system clock. */
export function nowOf(clock: BuildOptions['clock']): Date {
  return new Date((clock ?? systemClock).now());
}

/** Options of {@link buildMessage}; every field is optional. */
export interface BuildOptions {
  /**
   * Write every item without a standard header as an `X-Notes-Item` header. Default: the note's
   * own `$SMTPKeepNotesItems` item ("1" turns it on), as Domino does.
   */
  readonly keepNotesItems?: boolean;
  /**
   * Item names always written as `X-Notes-Item` headers (Configuration Settings "MIME - Advanced -
   * Advanced Outbound Message Options: Notes items to be added to headers"). Default none.
   * Domino limits the list to 255 bytes; here there is no limit.
   */
  readonly includeItems?: readonly string[];
  /**
   * Item names never written as headers ("Notes items to be removed from headers"; INetFrom is
   * the example Domino's documentation gives). Default none.
   */
  readonly excludeItems?: readonly string[];
  /** `buffer` (default) returns one Buffer; `stream` returns a Readable that produces the message in pieces. */
  readonly output?: 'buffer' | 'stream';
  /**
   * Internet domain for Notes names that have no Internet address: `Daniel Nashed/NashCom@NashCom`
   * becomes `Daniel_Nashed/NashCom%NashCom@<domain>` (Domino's fallback). Default: none, the name
   * is written as a display name only.
   */
  readonly internetDomain?: string;
  /** Header for ReturnReceipt=1 (Configuration Settings "Return receipt mapping"). Default `Disposition-Notification-To`. */
  readonly returnReceiptHeader?: 'Disposition-Notification-To' | 'Return-Receipt-To';
  /**
   * Clock for the Date header of a note without PostedDate (and, from fields, the default `date`):
   * the SDK's `Clock` (`@mailroute/envelope`); only its `now()` (epoch milliseconds) is read.
   * Default: the system clock.
   */
  readonly clock?: Pick<Clock, 'now'>;
  /**
   * Random bytes for multipart boundaries and generated Message-IDs. Default node:crypto's
   * `randomBytes`; tests inject a seeded source to get the same bytes twice.
   */
  readonly randomBytes?: (size: number) => Buffer;
  /**
   * Bytes of an attachment whose content the note does not hold (it was streamed away when parsed).
   * Asked once per attachment and build; returning undefined fails the build (`ITEMIZER_MISSING_ATTACHMENT`).
   */
  readonly loadAttachment?: (attachment: Attachment) => Buffer | undefined;
}
