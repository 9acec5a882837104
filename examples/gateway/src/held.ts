/**
 * Held mail: recipients of an accepted message that routing could not deliver after the 250 (a
 * member of a group that is not listed, has no route ...). A mail system never drops an accepted
 * recipient: until the router package sends the delivery failure report (RFC 3464) to the
 * sender, each such message is written durably to `<data>/held/` (the message and a record of
 * the failed recipients, before the 250, committed with the other copies) and `status` lists it,
 * the way Domino keeps undeliverable mail visible as held or dead mail in mail.box.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureFolder, writePair } from './durable-write.js';

/** One recipient that could not be delivered. */
export interface HeldRecipient {
  /** The envelope recipient (RCPT TO) it came from. */
  readonly envelopeRecipient: string;
  /** The recipient routing failed for (a group member, or the envelope recipient itself). */
  readonly recipient: string;
  /** routing's failure kind (`userNotListed`, `noRoute`, `policy` ...). */
  readonly failure: string;
  /** Domino's wording ("User not listed in Directory", "No route found to ..."). */
  readonly reason: string;
}

/** The record beside a held message. */
export interface HeldRecord {
  readonly id: string;
  /** `undeliverable`: waits for its failure report to the sender. */
  readonly state: 'undeliverable';
  /** MAIL FROM (empty for the null sender, which never gets a report: RFC 3464 / RFC 5321 6.1). */
  readonly mailFrom: string;
  readonly heldAt: string;
  readonly recipients: readonly HeldRecipient[];
  /** The message file beside it. */
  readonly raw: string;
}

/** Where held messages live. */
export function heldRoot(dataDir: string): string {
  return join(dataDir, 'held');
}

/** Writes the message and then its record; returns the folder to sync before acknowledging. */
export async function writeHeld(
  dataDir: string,
  message: Uint8Array,
  record: HeldRecord,
  known?: Set<string>,
): Promise<string> {
  const folder = heldRoot(dataDir);
  await ensureFolder(folder, known);
  await writePair(
    join(folder, record.raw),
    message,
    join(folder, `${record.id}.json`),
    `${JSON.stringify(record)}\n`,
  );
  return folder;
}

/** Held records, newest first: at most `limit` of them, and how many there are in all. */
export async function listHeld(
  dataDir: string,
  limit = 20,
): Promise<{ readonly total: number; readonly records: readonly HeldRecord[] }> {
  let names: string[];
  try {
    names = (await readdir(heldRoot(dataDir))).filter((n) => n.endsWith('.json') && !n.startsWith('.'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { total: 0, records: [] };
    throw error;
  }
  const records: HeldRecord[] = [];
  for (const name of names) {
    try {
      records.push(JSON.parse(await readFile(join(heldRoot(dataDir), name), 'utf8')) as HeldRecord);
    } catch {
      // A record that cannot be read is still counted in `total`; status names the folder.
    }
  }
  records.sort((a, b) => (a.heldAt < b.heldAt ? 1 : a.heldAt > b.heldAt ? -1 : 0));
  return { total: names.length, records: records.slice(0, limit) };
}
