/**
 * Local delivery's contract. The Router hands a `MailFiles` one delivery per (message, mail file):
 * the copy as that mail file's owner may see it (Bcc already reduced to the owner's own address)
 * and the envelope recipients delivered there. The implementation stores it in the mail file with
 * Domino's items at delivery: `DeliveredDate`, membership of the Inbox folder `($Inbox)`, and no
 * `Recipients` item (Domino's router removes it: the envelope list would show the other
 * recipients, blind copies included).
 *
 * The contract, which the Router relies on:
 * - `deliver` resolves only when the copy is durable (a crash after it keeps the copy);
 * - it is idempotent per `(queueId, mailFile)`: delivering the same pair again after a crash
 *   replaces the copy, it never makes a second one;
 * - it never throws for a problem of the mail file: it returns a failed `Result` whose `Reason`
 *   says whether to try again later (`temporary`, e.g. a full disk) or never (e.g. a mail file
 *   that does not exist, which becomes a failure report).
 */
import type { Result } from '@mailroute/envelope';

/** The Domino name of the Inbox folder. */
export const INBOX_FOLDER = '($Inbox)';

/** One copy for one mail file. */
export interface LocalDelivery {
  /** The queue id of the message: with `mailFile`, the delivery's identity. */
  readonly queueId: string;
  /** The mail file named in the Person document (for example `mail/jdoe.nsf`). */
  readonly mailFile: string;
  /** The mail file owner's canonical name. */
  readonly owner: string;
  /** The envelope recipients delivered into this mail file (only theirs, never the others'). */
  readonly recipients: readonly string[];
  /** The reverse path (`''` for `<>`), Domino's `SMTPOriginator`. */
  readonly mailFrom: string;
  /**
   * The message as this owner may see it. Read it, never change it in place: the bytes may be the
   * store's cached copy, which other recipients' deliveries and transfers read too.
   */
  readonly message: Uint8Array;
  /** Domino's `DeliveredDate` (epoch ms). */
  readonly deliveredMs: number;
  /** Folders to put the document in: `['($Inbox)']`. */
  readonly folders: readonly string[];
}

/** Where local mail goes. */
export interface MailFiles {
  /** Stores one copy durably (see the contract above). */
  deliver(delivery: LocalDelivery): Promise<Result<void>>;
}
