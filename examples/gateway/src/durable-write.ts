/**
 * Writes that survive a crash: the bytes go to a temporary file in the target's folder, the file
 * is flushed (fsync), renamed over the final name, and the folder is flushed so the rename itself
 * is on disk. Only then may the gateway answer 250: a crash before that point leaves at most a
 * `.tmp` file (removed at the next start), never a half-written message under its final name.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** The suffix of files that were being written; anything carrying it after a crash is garbage. */
export const TEMP_SUFFIX = '.tmp';

/** Flushes a folder's entries (the renames into it) to disk. */
export async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Creates a folder (and its parents) if needed. New folders are made durable too: every folder
 * from the parent of the first one created down to `folder` is synced, so the new entries exist
 * after a crash (a file fsynced into a folder whose own entry was lost is lost with it).
 * `known` remembers folders already made durable, so the common case costs no system call.
 */
export async function ensureFolder(folder: string, known?: Set<string>): Promise<void> {
  if (known?.has(folder)) return;
  const first = await mkdir(folder, { recursive: true, mode: 0o700 });
  known?.add(folder);
  if (first === undefined) return;
  const chain: string[] = [];
  for (let f = folder; ; f = dirname(f)) {
    chain.push(f);
    if (f === first || dirname(f) === f) break;
  }
  chain.push(dirname(first));
  for (const f of chain) await syncFolder(f);
}

/** A file written and flushed under a temporary name, waiting for its rename. */
export interface PreparedFile {
  /** Renames the file to its final name (not yet durable: sync the folder after). */
  commit(): Promise<void>;
}

/**
 * Writes `data` to a temporary file beside `path` and flushes it; `commit()` renames it into
 * place. Splitting the two lets several files be flushed in parallel and still appear in a
 * chosen order (the document after the raw message it points to).
 */
export async function prepareFile(path: string, data: string | Uint8Array): Promise<PreparedFile> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await handle.close();
  return { commit: () => rename(temp, path) };
}

/**
 * Writes `data` to `path` atomically and durably. Several files of one folder can be written and
 * then committed with one {@link syncFolder} by passing `syncDir: false` to all but the last.
 */
export async function writeDurably(
  path: string,
  data: string | Uint8Array,
  options: { readonly syncDir?: boolean } = {},
): Promise<void> {
  await (await prepareFile(path, data)).commit();
  if (options.syncDir !== false) await syncFolder(dirname(path));
}

/**
 * Writes a message and then the JSON file that points to it: both flushed in parallel, renamed
 * message first, so a document never exists without its message. The folder is not synced.
 */
export async function writePair(
  messagePath: string,
  message: Uint8Array,
  jsonPath: string,
  json: string,
): Promise<void> {
  const [m, j] = await Promise.all([prepareFile(messagePath, message), prepareFile(jsonPath, json)]);
  await m.commit();
  await j.commit();
}

/**
 * Removes what a crash left in one folder: temporary files, and `<id>.eml` files without their
 * `<id>.json` (written but never acknowledged). With `beforeMs`, only files last modified before
 * it (a predecessor's, not those of sessions running now). Returns how many files were removed.
 */
export async function removeUnfinished(folder: string, beforeMs = Number.POSITIVE_INFINITY): Promise<number> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch {
    return 0;
  }
  const present = new Set(names);
  let removed = 0;
  for (const name of names) {
    const orphan = name.endsWith('.eml') && !present.has(`${name.slice(0, -4)}.json`);
    // Ours are `.<name>.<hex>.tmp`, the Router's folder MailFiles' `<name>.<hex>.tmp`: both garbage after a crash.
    if (name.endsWith(TEMP_SUFFIX) || orphan) {
      const path = join(folder, name);
      if (Number.isFinite(beforeMs)) {
        const info = await stat(path).catch(() => undefined);
        if (info === undefined || info.mtimeMs >= beforeMs) continue;
      }
      await unlink(path).catch(() => undefined);
      removed++;
    }
  }
  return removed;
}
