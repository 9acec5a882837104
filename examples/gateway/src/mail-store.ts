/**
 * Local delivery: each mail file is a folder under `<data>/mailfiles/`; a delivery writes the
 * raw message (`<id>.eml`) and the document of items (`<id>.json`, with DeliveredDate and its
 * Inbox membership). Both are written durably; the caller commits the folders before replying.
 */
import { join } from 'node:path';
import { ensureFolder, writePair } from './durable-write.js';
import { mailFileSegments } from './names.js';
import type { StoredItem } from './note-json.js';

/** The document written into a mail file for one delivery. */
export interface StoredDocument {
  /** Unique per delivery: the queue id. */
  readonly id: string;
  readonly mailFile: string;
  /** The person's canonical name and the envelope recipients delivered to this mail file. */
  readonly owner: string;
  readonly recipients: readonly string[];
  /** Folders the document is in; a new delivery is in the Inbox, as Domino's router puts it. */
  readonly folders: readonly string[];
  /** The raw message file beside it. */
  readonly raw: string;
  readonly items: readonly StoredItem[];
}

/** The Domino name of the Inbox folder. */
export const INBOX = '($Inbox)';

/** Where mail files live. */
export function mailFilesRoot(dataDir: string): string {
  return join(dataDir, 'mailfiles');
}

/** The folder of one mail file. */
export function mailFileFolder(dataDir: string, mailFile: string): string {
  const segments = mailFileSegments(mailFile);
  return join(mailFilesRoot(dataDir), ...(segments.length > 0 ? segments : ['_']));
}

/**
 * Writes one delivery (raw message, then document) without syncing the folder; returns the
 * folder, which the caller must sync (`syncFolder`) before the message is acknowledged.
 */
export async function writeDelivery(
  dataDir: string,
  raw: Uint8Array,
  doc: StoredDocument,
  known?: Set<string>,
): Promise<string> {
  const folder = mailFileFolder(dataDir, doc.mailFile);
  await ensureFolder(folder, known);
  await writePair(join(folder, doc.raw), raw, join(folder, `${doc.id}.json`), `${JSON.stringify(doc)}\n`);
  return folder;
}
