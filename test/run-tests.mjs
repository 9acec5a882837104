// Runs every compiled test file of the workspace with Node's built-in test runner.
// Node 20's `node --test` has no glob support, so the files are listed here:
//   packages/*/dist/test/**/*.test.js, examples/*/dist/test/**/*.test.js, test/<area>/dist/**/*.test.js
// Optional arguments filter the list by substring: `pnpm test -- envelope`.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function walk(dir, out) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) walk(full, out);
    else if (name.endsWith('.test.js')) out.push(full);
  }
  return out;
}

const files = [];
for (const group of ['packages', 'examples']) {
  const base = join(root, group);
  if (!existsSync(base)) continue;
  for (const pkg of readdirSync(base)) walk(join(base, pkg, 'dist', 'test'), files);
}
// test/<area>/dist for the cross-package and integration tests; test/bench is not a test.
const testRoot = join(root, 'test');
for (const area of readdirSync(testRoot)) {
  if (area !== 'bench' && area !== 'node_modules') walk(join(testRoot, area, 'dist'), files);
}

const filters = process.argv.slice(2).filter((a) => a !== '--');
const selected = files
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (selected.length === 0) {
  console.error('run-tests: no compiled test files found (did `tsc -b` run?)');
  process.exit(1);
}
const child = spawn(process.execPath, ['--test', ...selected], { cwd: root, stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
