import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Where the keyring and credential store files live. The default, {@link nodeSecretFiles},
 * uses the file system; tests may pass their own.
 */
export interface SecretFiles {
  /** The file's bytes, or undefined when it does not exist. */
  read(path: string): Promise<Buffer | undefined>;
  /**
   * Replaces the file atomically: readers see the old or the new content, never a mix. The mode
   * is 0600 unless `options.mode` says otherwise (0644 for a public DNS record file).
   */
  writeAtomic(path: string, data: Uint8Array, options?: { readonly mode?: number }): Promise<void>;
  /**
   * Creates a directory (and its parents) for secrets, mode 0700, if it is missing. Called just
   * before the first write into it, so reading or asking for help never creates anything.
   */
  makeDirectory?(path: string): Promise<void>;
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
  async makeDirectory(path) {
    await mkdir(path, { recursive: true, mode: 0o700 });
  },
  async writeAtomic(path, data, options = {}) {
    const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
    const file = await open(temp, 'wx', 0o600);
    try {
      // Widened only on request, after creation, so the umask cannot change a public file's mode.
      if (options.mode !== undefined) await file.chmod(options.mode);
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
