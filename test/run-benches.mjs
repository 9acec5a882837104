// Runs each compiled benchmark in test/dist/bench one after another (never in parallel: they
// share two cores). Optional arguments filter by file name: `pnpm bench -- envelope`.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('./dist/bench/', import.meta.url));
const filters = process.argv.slice(2).filter((a) => a !== '--');
const files = existsSync(dir)
  ? readdirSync(dir)
      .filter((f) => f.endsWith('.bench.js'))
      .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
      .sort()
  : [];
if (files.length === 0) {
  console.error('run-benches: no compiled benchmarks found');
  process.exit(1);
}
let failed = 0;
for (const f of files) {
  console.log(`\n## ${f.replace(/\.bench\.js$/, '')}\n`);
  const r = spawnSync(process.execPath, ['--expose-gc', join(dir, f)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
