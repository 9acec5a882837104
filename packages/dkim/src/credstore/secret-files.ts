import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Where the keyring and credential store files live. The default, {@link nodeSecretFiles},
 * uses the file system; tests may pass their own.
 */
export interface SecretFiles {
  /** The file's bytes, or undefined when it does not exist. */
  read(path: string): Promise<Buffer | undefined>;
  /** Replaces the file atomically: readers see the old or the new content, never a mix. */
  writeAtomic(path: string, data: Uint8Array): Promise<void>;
}

/**
 * The file system implementation: a write goes to a temporary file in the same directory
 * (created with mode 0600, so a secret is never readable by others, not even for a moment), is
 * fsynced, renamed over the target, and the directory is fsynced so the rename survives a crash.
 */
export const nodeSecretFiles: SecretFiles = {
  async read(path) {
    try {
      return await readFile(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  },
  async writeAtomic(path, data) {
    const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
    const file = await open(temp, 'wx', 0o600);
    try {
      await file.writeFile(data);
      await file.sync();
    } catch (e) {
      await file.close();
      await unlink(temp).catch(() => undefined);
      throw e;
    }
    await file.close();
    try {
      await rename(temp, path);
    } catch (e) {
      await unlink(temp).catch(() => undefined);
      throw e;
    }
    const dir = await open(dirname(path), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  },
};
