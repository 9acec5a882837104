/**
 * The mail-file layout the gateway's tools read: each mail file is a folder under
 * `<data>/mailfiles/`, where the Router's folder MailFiles (`createFolderMailFiles` of
 * `@mailroute/router`) writes each delivery as `<queue id>.eml` and `<queue id>.json`.
 */
import { join } from 'node:path';
import { mailFileSegments, type StoredMailDocument } from '@mailroute/router';

/** The document written into a mail file for one delivery (the Router's layout). */
export type StoredDocument = StoredMailDocument;

/** The Domino name of the Inbox folder. */
export const INBOX = '($Inbox)';

/** Where mail files live. */
export function mailFilesRoot(dataDir: string): string {
  return join(dataDir, 'mailfiles');
}

/** The folder of one mail file. */
export function mailFileFolder(dataDir: string, mailFile: string): string {
  return join(mailFilesRoot(dataDir), ...mailFileSegments(mailFile));
}
