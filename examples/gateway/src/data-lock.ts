/**
 * The data directory's lock: one gateway per data directory. Two gateways on one directory
 * would each treat the other's files in progress as crash leftovers (and deliver into the same
 * mail files); so `start` takes `<data>/gateway.lock` before it touches anything, holding the
 * owner's pid, and refuses to start while a live process holds it. A lock left by a process that
 * is gone (a crash, SIGKILL) is taken over.
 */
import { link, open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { MailrouteError } from '@mailroute/envelope';

/** The lock file's path. */
export function lockPath(dataDir: string): string {
  return join(dataDir, 'gateway.lock');
}

/** The error code of a data directory held by another live process. */
export const DATA_DIR_LOCKED = 'gateway.dataDirLocked';

/**
 * The typed error for a held data directory (`code` {@link DATA_DIR_LOCKED}, temporary: it
 * clears when the holder stops). `holder` is undefined when the lock file is being written.
 */
function locked(dataDir: string, holder: number | undefined): MailrouteError {
  return new MailrouteError(
    DATA_DIR_LOCKED,
    holder === undefined
      ? `data directory ${dataDir} is locked (${lockPath(dataDir)} is being written or unreadable); is another gateway starting?`
      : `data directory ${dataDir} is in use by process ${holder} (${lockPath(dataDir)}); stop that gateway or use another --data`,
    { temporary: true },
  );
}

/** A held lock. */
export interface DataLock {
  readonly path: string;
  /** When it was taken (epoch ms): files older than this are a predecessor's. */
  readonly takenAtMs: number;
  /** Removes the lock file (only if it is still ours). */
  release(): Promise<void>;
}

/** True when a process with this pid exists (EPERM: it exists, owned by someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function pidOf(text: string): number | undefined {
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 0 && String(pid) === text.trim() ? pid : undefined;
}

async function readPid(path: string): Promise<number | undefined | 'gone'> {
  try {
    return pidOf(await readFile(path, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw e;
  }
}

/** Creates the lock file exclusively with our pid; false when it exists. */
async function create(path: string, pid: number): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'wx', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    await handle.writeFile(`${pid}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return true;
}

/**
 * Takes the lock of `dataDir` for this process, or throws a `MailrouteError` ({@link DATA_DIR_LOCKED}) naming the
 * process that holds it. A stale lock (its pid is gone) is moved aside atomically (`rename`: of
 * two starters racing for it only one moves it) and checked to be the one seen stale before it is
 * removed; a live lock moved by mistake is put back.
 */
export async function lockDataDirectory(dataDir: string, pid = process.pid): Promise<DataLock> {
  const path = lockPath(dataDir);
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await create(path, pid)) {
      const takenAtMs = Date.now();
      return {
        path,
        takenAtMs,
        async release() {
          if ((await readPid(path)) === pid) await unlink(path).catch(() => undefined);
        },
      };
    }
    const holder = await readPid(path);
    if (holder === 'gone') continue;
    if (holder === undefined) {
      // Being written by a starter right now (created, pid not yet in): give it a moment.
      await new Promise((r) => setTimeout(r, 50));
      const again = await readPid(path);
      if (again === undefined) throw locked(dataDir, undefined);
      continue;
    }
    if (holder === pid || processAlive(holder)) throw locked(dataDir, holder);
    const aside = `${path}.stale-${pid}`;
    try {
      await rename(path, aside);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw e;
    }
    const moved = await readPid(aside);
    if (moved !== holder && typeof moved === 'number' && processAlive(moved)) {
      // Another starter took the stale lock over between our read and the rename: put it back.
      await link(aside, path).catch(() => undefined);
      await unlink(aside).catch(() => undefined);
      throw locked(dataDir, moved);
    }
    await unlink(aside).catch(() => undefined);
  }
  throw locked(dataDir, undefined);
}
