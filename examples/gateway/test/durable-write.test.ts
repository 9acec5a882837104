import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureFolder, removeTempFiles, writeDurably } from '../src/durable-write.js';
import { removeDir, tempDir } from './helpers.js';

let dir: string;
before(async () => {
  dir = await tempDir('gateway-durable-');
});
after(() => removeDir(dir));

describe('durable writes', () => {
  it('writes the whole file under its final name and leaves no temporary file', async () => {
    const folder = join(dir, 'a', 'b', 'c');
    await ensureFolder(folder);
    await writeDurably(join(folder, 'm.eml'), 'hello');
    await writeDurably(join(folder, 'm.eml'), 'replaced');
    assert.equal(await readFile(join(folder, 'm.eml'), 'utf8'), 'replaced');
    assert.deepEqual(await readdir(folder), ['m.eml']);
  });

  it('a write into a missing folder fails and leaves nothing behind', async () => {
    await assert.rejects(writeDurably(join(dir, 'missing', 'x.json'), '{}'));
  });

  it('removes temporary files left by a crash, and only those', async () => {
    const folder = join(dir, 'crash');
    await ensureFolder(folder);
    await writeFile(join(folder, '.m.eml.abc123.tmp'), 'half');
    await writeFile(join(folder, 'kept.eml'), 'whole');
    assert.equal(await removeTempFiles(folder), 1);
    assert.deepEqual(await readdir(folder), ['kept.eml']);
    assert.equal(await removeTempFiles(join(dir, 'no-such-folder')), 0);
  });
});
