import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  ensureFolder,
  prepareFile,
  removeUnfinished,
  writeDurably,
  writePair,
} from '../src/durable-write.js';
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

  it('removes temporary files and messages without their document left by a crash, and only those', async () => {
    const folder = join(dir, 'crash');
    await ensureFolder(folder);
    await writeFile(join(folder, '.m.eml.abc123.tmp'), 'half');
    await writeFile(join(folder, 'orphan.eml'), 'never acknowledged');
    await writeFile(join(folder, 'kept.eml'), 'whole');
    await writeFile(join(folder, 'kept.json'), '{}');
    assert.equal(await removeUnfinished(folder), 2);
    assert.deepEqual((await readdir(folder)).sort(), ['kept.eml', 'kept.json']);
    assert.equal(await removeUnfinished(join(dir, 'no-such-folder')), 0);
  });

  it('a prepared file is invisible until committed; a pair appears message first', async () => {
    const folder = join(dir, 'pair');
    await ensureFolder(folder);
    const prepared = await prepareFile(join(folder, 'x.eml'), 'data');
    assert.deepEqual(
      (await readdir(folder)).filter((f) => !f.startsWith('.')),
      [],
    );
    await prepared.commit();
    assert.equal(await readFile(join(folder, 'x.eml'), 'utf8'), 'data');
    await writePair(join(folder, 'y.eml'), Buffer.from('raw'), join(folder, 'y.json'), '{"raw":"y.eml"}');
    assert.equal(await readFile(join(folder, 'y.eml'), 'utf8'), 'raw');
    assert.equal(await readFile(join(folder, 'y.json'), 'utf8'), '{"raw":"y.eml"}');
    assert.equal((await readdir(folder)).filter((f) => f.endsWith('.tmp')).length, 0);
  });
});
