/**
 * The checks the consumer test applies to every tarball, run on made-up unpacked packages: a
 * good one passes, and each fault the issue found (no LICENSE, maps into an unshipped src/, a
 * `workspace:` version left behind, nothing built) is reported. Also the manifest rules of
 * scripts/package-manifests.mjs, run on a made-up package directory.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tarballProblems } from './tarball-checks.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'mailroute-tarball-checks-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function write(dir: string, files: Record<string, string>): string {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const manifest = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    name: '@mailroute/x',
    version: '1.0.0',
    exports: { '.': { types: './dist/src/index.d.ts', default: './dist/src/index.js' } },
    dependencies: { '@mailroute/envelope': '1.0.0' },
    ...extra,
  });
const map = (source: string) => JSON.stringify({ version: 3, sources: [source], mappings: '' });
const good = {
  'package.json': manifest(),
  LICENSE: 'MIT',
  'README.md': '# x',
  'dist/src/index.js': 'export {};',
  'dist/src/index.d.ts': 'export {};',
  'dist/src/index.js.map': map('../../src/index.ts'),
  'src/index.ts': 'export {};',
};

describe('tarball checks', () => {
  test('a complete package has no problems', () => {
    assert.deepEqual(tarballProblems(write(join(scratch, 'good'), good)), []);
  });

  test('each fault of the issue is reported', () => {
    const dir = write(join(scratch, 'bad'), {
      'package.json': manifest({
        dependencies: { '@mailroute/envelope': 'workspace:*', 'lru-cache': 'catalog:' },
        bin: { x: './dist/src/cli.js' },
      }),
      'dist/src/index.d.ts': 'export {};',
      'dist/src/index.d.ts.map': map('../../src/index.ts'),
    });
    const problems = tarballProblems(dir);
    for (const expected of [
      /LICENSE is not in the tarball/,
      /README\.md is not in the tarball/,
      /no JavaScript/,
      /dependencies\.@mailroute\/envelope is still "workspace:\*"/,
      /dependencies\.lru-cache is still "catalog:"/,
      /exports names \.\/dist\/src\/index\.js/,
      /bin x names/,
      /index\.d\.ts\.map points to \.\.\/\.\.\/src\/index\.ts, not shipped/,
    ]) {
      assert.ok(
        problems.some((p) => expected.test(p)),
        `${expected} not in\n${problems.join('\n')}`,
      );
    }
  });

  test('a map pointing outside the package is reported even if the file exists there', () => {
    const dir = write(join(scratch, 'outside', 'package'), {
      ...good,
      'dist/src/index.js.map': map('../../../outside.ts'),
    });
    write(join(scratch, 'outside'), { 'outside.ts': '' });
    assert.match(tarballProblems(dir).join('\n'), /points to \.\.\/\.\.\/\.\.\/outside\.ts/);
  });
});

describe('scripts/package-manifests.mjs', () => {
  const script = join(ROOT, 'scripts', 'package-manifests.mjs');

  test('every package under packages/ passes', () => {
    const r = spawnSync(process.execPath, [script], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });

  test('a package without the publishing fields is refused, one line per problem', () => {
    const dir = write(join(scratch, 'packages', 'bare'), {
      'package.json': JSON.stringify({
        name: '@mailroute/bare',
        bin: { bare: './dist/src/cli.js' },
        exports: { '.': { default: './dist/src/index.js', types: './dist/src/index.d.ts' } },
      }),
    });
    const r = spawnSync(process.execPath, [script, dir], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    for (const expected of [
      'publishConfig.access',
      'repository',
      'keywords',
      'scripts.prepack',
      'LICENSE',
      'README.md is missing',
      '"types" must come first',
      'points into dist/',
      'sideEffects',
      'engines.node',
    ]) {
      assert.ok(r.stderr.includes(expected), `${expected} not in\n${r.stderr}`);
    }
  });
});
