// Runs each compiled benchmark, test/bench/<package>/dist/*.bench.js, one after another (never in
// parallel: they share two cores). Optional arguments filter by path: `pnpm bench -- envelope`.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchRoot = fileURLToPath(new URL('./bench/', import.meta.url));
const filters = process.argv.slice(2).filter((a) => a !== '--');
const files = [];
for (const pkg of existsSync(benchRoot) ? readdirSync(benchRoot).sort() : []) {
  const dir = join(benchRoot, pkg, 'dist');
  if (!existsSync(dir)) continue;
  for (const f of readdirSync(dir).sort()) {
    const path = join(pkg, 'dist', f);
    if (f.endsWith('.bench.js') && (filters.length === 0 || filters.some((x) => path.includes(x))))
      files.push(path);
  }
}
if (files.length === 0) {
  console.error('run-benches: no compiled benchmarks found');
  process.exit(1);
}
let failed = 0;
for (const f of files) {
  console.log(`\n## ${f.replace(/\/dist\//, ': ').replace(/\.bench\.js$/, '')}\n`);
  const r = spawnSync(process.execPath, ['--expose-gc', join(benchRoot, f)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
