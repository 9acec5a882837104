/**
 * One process per mail.box directory. The lock is a file made with O_EXCL holding the owner's
 * pid; a second opener reads the pid and is refused with `MAILBOX_LOCKED`, naming it. A lock
 * whose process is gone (the previous run was killed) is stale and taken over.
 *
 * The check of a stale lock relies on `kill(pid, 0)`: if the dead owner's pid was reused by an
 * unrelated live process, the store refuses to open until the LOCK file is removed by hand, which
 * is the safe way to be wrong.
 */
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mailBoxError } from '../errors.js';

/** The lock file's name in the directory. */
export const LOCK_FILE = 'LOCK';

/** A held lock; `release` removes the file. */
export interface DirectoryLock {
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the directory's lock or throws `MAILBOX_LOCKED`. */
export function lockDirectory(directory: string): DirectoryLock {
  const path = join(directory, LOCK_FILE);
  // The pid is written to a private file first and linked into place, so LOCK never exists
  // without its pid (a concurrent opener never reads an empty lock and calls it stale).
  const mine = join(directory, `${LOCK_FILE}.${process.pid}.tmp`);
  try {
    writeFileSync(mine, `${process.pid}\n`, { mode: 0o600 });
  } catch (e) {
    throw mailBoxError('MAILBOX_IO', `cannot lock ${directory}`, e);
  }
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(mine, path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST')
          throw mailBoxError('MAILBOX_IO', `cannot lock ${directory}`, e);
        let text: string;
        try {
          text = readFileSync(path, 'utf8');
        } catch {
          continue; // removed meanwhile: try again
        }
        const pid = Number.parseInt(text, 10);
        if (Number.isInteger(pid) && pid > 0 && (pid === process.pid || alive(pid)))
          throw mailBoxError(
            'MAILBOX_LOCKED',
            `mail box ${directory} is in use by process ${pid}${pid === process.pid ? ' (this process)' : ''}`,
          );
        try {
          unlinkSync(path); // stale: its process is gone
        } catch {
          // another opener removed it first; the next attempt decides
        }
        continue;
      }
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          try {
            unlinkSync(path);
          } catch {
            // already gone
          }
        },
      };
    }
    throw mailBoxError('MAILBOX_LOCKED', `mail box ${directory}: could not take its lock`);
  } finally {
    try {
      unlinkSync(mine);
    } catch {
      // nothing to clean
    }
  }
}
