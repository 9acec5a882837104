/**
 * Mail journaling (Configuration Settings, Router/SMTP - Advanced - Journaling): the copy a
 * "Journal this message" rule makes. Domino writes it into the mail journaling database
 * (mailjrn.nsf); here a `JournalStore` takes it, and `createFolderJournalStore(root)` is the
 * default: `<root>/<journal id>.eml` and `.json` (envelope, rules, arrival), each written to a
 * temporary name, flushed and renamed, then the folder flushed.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { failed, ok, type Result } from '@mailroute/envelope';
import { syncPath, writeFileDurably } from '../durable-files.js';

/** One journaled copy. */
export interface JournalEntry {
  /** Unique per copy, safe in file names (letters and digits). */
  readonly journalId: string;
  readonly arrivalMs: number;
  readonly mailFrom: string;
  readonly recipients: readonly string[];
  readonly messageId?: string | undefined;
  /** The rules that asked for the copy. */
  readonly rules: readonly string[];
  /** The message as received. */
  readonly message: Uint8Array;
}

/**
 * Where journal copies go. `write` resolves only when the copy is durable, is idempotent per
 * `journalId`, and reports a problem as a failed Result (`temporary` when trying again may work):
 * the Router then refuses the message with a 4xx rather than route it unjournaled.
 */
export interface JournalStore {
  write(entry: JournalEntry): Promise<Result<void>>;
}

/** The default JournalStore: a folder of `.eml` copies with a `.json` beside each. */
export function createFolderJournalStore(root: string): JournalStore {
  return {
    async write(entry) {
      if (!/^[A-Za-z0-9]+$/.test(entry.journalId))
        return failed({
          code: 'ROUTER_JOURNAL_BAD_ID',
          message: 'journalId must be letters and digits',
          temporary: false,
        });
      try {
        await mkdir(root, { recursive: true, mode: 0o700 });
        await writeFileDurably(join(root, `${entry.journalId}.eml`), entry.message);
        await writeFileDurably(
          join(root, `${entry.journalId}.json`),
          `${JSON.stringify(
            {
              journalId: entry.journalId,
              arrival: new Date(entry.arrivalMs).toISOString(),
              mailFrom: entry.mailFrom,
              recipients: entry.recipients,
              messageId: entry.messageId,
              rules: entry.rules,
            },
            null,
            2,
          )}\n`,
        );
        await syncPath(root);
        return ok(undefined);
      } catch (error) {
        return failed({
          code: 'ROUTER_JOURNAL_IO',
          message: `Journal write failed: ${(error as Error).message}`,
          temporary: true,
        });
      }
    },
  };
}
