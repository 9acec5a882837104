/** The data directory's lock: one gateway per directory, the holder named, stale locks taken over. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { DATA_DIR_LOCKED, lockDataDirectory, lockPath } from '../src/data-lock.js';
import { removeUnfinished } from '../src/durable-write.js';
import { removeDir, tempDir } from './helpers.js';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await removeDir(d);
});
async function dir(): Promise<string> {
  const d = await tempDir('gateway-lock-');
  dirs.push(d);
  return d;
}

/** The pid of a process that has exited (a stale lock's holder). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(r.stdout);
}

describe('data directory lock', () => {
  it('writes the holder pid; a second lock is refused naming it; release frees it', async () => {
    const d = await dir();
    const lock = await lockDataDirectory(d);
    assert.equal(await readFile(lockPath(d), 'utf8'), `${process.pid}\n`);
    await assert.rejects(lockDataDirectory(d), (e: Error & { code?: string; temporary?: boolean }) => {
      assert.equal(e.code, DATA_DIR_LOCKED);
      assert.equal(e.temporary, true);
      assert.match(e.message, new RegExp(`in use by process ${process.pid} `));
      return true;
    });
    await lock.release();
    const again = await lockDataDirectory(d);
    await again.release();
  });
  it('a live other process holding it is named (pid 1 always exists)', async () => {
    const d = await dir();
    await writeFile(lockPath(d), '1\n');
    await assert.rejects(lockDataDirectory(d), /in use by process 1 /);
    assert.equal(await readFile(lockPath(d), 'utf8'), '1\n', "a live holder's lock is left alone");
  });
  it('a stale lock (its process is gone) is taken over', async () => {
    const d = await dir();
    const dead = deadPid();
    await writeFile(lockPath(d), `${dead}\n`);
    const lock = await lockDataDirectory(d);
    assert.equal(await readFile(lockPath(d), 'utf8'), `${process.pid}\n`);
    await lock.release();
  });
  it('release leaves a lock that is no longer ours', async () => {
    const d = await dir();
    const lock = await lockDataDirectory(d);
    await writeFile(lockPath(d), '1\n');
    await lock.release();
    assert.equal(await readFile(lockPath(d), 'utf8'), '1\n');
  });
  it('an empty lock file (a starter writing it) is not taken over', async () => {
    const d = await dir();
    await writeFile(lockPath(d), '');
    await assert.rejects(lockDataDirectory(d), /being written or unreadable/);
  });
  it("recovery removes only files older than the lock (a running session's files are newer)", async () => {
    const d = await dir();
    await writeFile(`${d}/old.eml`, 'x');
    await writeFile(`${d}/.new.eml.abc.tmp`, 'x');
    const { utimes } = await import('node:fs/promises');
    const past = new Date(Date.now() - 60_000);
    await utimes(`${d}/old.eml`, past, past);
    const cut = Date.now() - 1000;
    assert.equal(await removeUnfinished(d, cut), 1);
    assert.equal(await readFile(`${d}/.new.eml.abc.tmp`, 'utf8'), 'x');
  });
});
