/**
 * What a packed package must hold for an outside project to use it, checked on the unpacked
 * tarball: every file its package.json names exists, no workspace-only version is left, the
 * LICENSE and README are inside, and every source map's `sources` resolve to shipped files.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** Every file under a folder, as paths relative to it with `/`. */
export function listFiles(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listFiles(full, base));
    else out.push(relative(base, full).split(sep).join('/'));
  }
  return out.sort();
}

/** Every file target of an `exports` value, whatever its nesting of conditions and subpaths. */
function exportTargets(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(exportTargets);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(exportTargets);
  return [];
}

const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'];

/** The problems of one unpacked tarball (its `package/` folder), each a sentence. */
export function tarballProblems(dir: string): string[] {
  const problems: string[] = [];
  const manifestPath = join(dir, 'package.json');
  if (!existsSync(manifestPath)) return ['no package.json'];
  const pkg = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
  const files = listFiles(dir);

  for (const needed of ['LICENSE', 'README.md']) {
    if (!files.includes(needed)) problems.push(`${needed} is not in the tarball`);
  }
  if (!files.some((f) => f.endsWith('.js')))
    problems.push('no JavaScript in the tarball (not built before packing?)');
  for (const field of DEPENDENCY_FIELDS) {
    const deps = (pkg[field] ?? {}) as Record<string, string>;
    for (const [name, range] of Object.entries(deps)) {
      if (/^(workspace|catalog|link|file):/.test(range))
        problems.push(`${field}.${name} is still "${range}"`);
    }
  }
  if (pkg['exports'] === undefined) problems.push('no exports map');
  for (const target of exportTargets(pkg['exports'])) {
    if (!existsSync(join(dir, target))) problems.push(`exports names ${target}, which is not in the tarball`);
  }
  const bins =
    typeof pkg['bin'] === 'string' ? { bin: pkg['bin'] } : ((pkg['bin'] ?? {}) as Record<string, string>);
  for (const [name, target] of Object.entries(bins)) {
    if (!existsSync(join(dir, target)))
      problems.push(`bin ${name} names ${target}, which is not in the tarball`);
  }
  for (const map of files.filter((f) => f.endsWith('.map'))) {
    const mapPath = join(dir, map);
    let parsed: { sources?: unknown; sourceRoot?: unknown };
    try {
      parsed = JSON.parse(readFileSync(mapPath, 'utf8')) as typeof parsed;
    } catch {
      problems.push(`${map} is not JSON`);
      continue;
    }
    const root = typeof parsed.sourceRoot === 'string' ? parsed.sourceRoot : '';
    for (const source of Array.isArray(parsed.sources) ? parsed.sources : []) {
      const target = resolve(dirname(mapPath), root, String(source));
      const inside = relative(dir, target);
      if (inside.startsWith('..') || !existsSync(target))
        problems.push(`${map} points to ${source}, not shipped`);
    }
  }
  return problems;
}
