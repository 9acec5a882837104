/**
 * The two file-system steps every durable write of the Router is made of (mail.box's bodies and
 * snapshots, mail files, journal copies): flush a file under a temporary name and rename it into
 * place, and flush a directory so a new or renamed entry in it survives a crash.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';

/** fsync of a file or directory (for a directory: its new or renamed entries reach the disk). */
export async function syncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes `data` to a temporary file beside `path`, flushes it, and renames it to `path`: a crash
 * leaves the old file or the whole new one, never part of it. The rename itself is durable only
 * once the directory is synced ({@link syncPath}), which the caller does once for several files.
 */
export async function writeFileDurably(path: string, data: Uint8Array | string): Promise<void> {
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temp).catch(() => {});
    throw error;
  }
  await handle.close();
  await rename(temp, path);
}
