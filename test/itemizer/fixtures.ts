// Locating the shared fixtures (never copied into the repo): <repo root>/../shared/fixtures.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file compiles to test/itemizer/dist/). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
/**
 * The shared fixtures folder, or undefined when absent. `MAILROUTE_FIXTURES` names it for a
 * checkout that is not beside `shared/` (a git worktree elsewhere).
 */
export const fixturesRoot: string | undefined = (() => {
  const dir = process.env.MAILROUTE_FIXTURES ?? join(repoRoot, '..', 'shared', 'fixtures');
  return existsSync(dir) ? dir : undefined;
})();

/** Every message file under fixtures/mime (folder/name), sorted. */
export function mimeFixtureFiles(): string[] {
  if (fixturesRoot === undefined) return [];
  const base = join(fixturesRoot, 'mime');
  const out: string[] = [];
  for (const d of readdirSync(base, { withFileTypes: true })) {
    if (!d.isDirectory()) continue;
    for (const f of readdirSync(join(base, d.name))) out.push(join(base, d.name, f));
  }
  return out.sort();
}
