/**
 * The export counts in the package READMEs are true: the README blocks match what
 * scripts/export-counts.mjs computes now, and its value counts match, entry point by entry point,
 * the names the built module really exports at run time (a second, independent count).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { ROOT } from './compile.js';

interface Count {
  entry: string;
  values: number;
  types: number;
}
interface ExportCounts {
  countExports(dirs: string[]): Count[][];
  block(counts: Count[]): string;
  withBlock(readme: string, text: string): string;
}

const SCRIPT = join(ROOT, 'scripts', 'export-counts.mjs');
const script = (await import(pathToFileURL(SCRIPT).href)) as ExportCounts;
const dirs = readdirSync(join(ROOT, 'packages'))
  .map((name) => join(ROOT, 'packages', name))
  .filter((d) => existsSync(join(d, 'package.json')));

test('every package README states its current export counts', () => {
  const r = spawnSync(process.execPath, [SCRIPT, '--check'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});

test('the value counts match the names each built entry point exports at run time', async () => {
  for (const counts of script.countExports(dirs)) {
    for (const { entry, values } of counts) {
      // Resolved from test/, where every package is a dependency.
      const module = (await import(entry).catch((e: unknown) => {
        throw new Error(`${entry} does not resolve from test/: is it a devDependency of test/package.json?`, {
          cause: e,
        });
      })) as object;
      const runtime = Object.keys(module);
      assert.equal(
        values,
        runtime.length,
        `${entry}: counted ${values} values, the module has ${runtime.length}`,
      );
    }
  }
});

test('the README block is replaced in place, or appended under a heading', () => {
  const text = script.block([{ entry: '@mailroute/x', values: 2, types: 1 }]);
  assert.match(text, /Exported names: 3 in all\./);
  assert.match(text, /\| `@mailroute\/x` \| 3 \| 2 \| 1 \|/);
  const appended = script.withBlock('# x\n\nText.\n', text);
  assert.equal(appended, `# x\n\nText.\n\n## Public surface\n\n${text}\n`);
  const stale = appended.replace('| 3 | 2 | 1 |', '| 9 | 9 | 0 |');
  assert.equal(script.withBlock(stale, text), appended);
});
