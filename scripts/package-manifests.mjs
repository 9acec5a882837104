#!/usr/bin/env node
// Checks (and with --write, repairs) what every publishable package under packages/ needs so that
// `pnpm pack` from a fresh clone makes a tarball an outside project can `npm install`: it builds
// itself before packing, ships its LICENSE, README, built output and the sources its maps point
// to, and says where it comes from. Iterates over packages/*, so a package added later is covered
// without editing this file.
//
//   node scripts/package-manifests.mjs            check every packages/* (exit 1 on a problem)
//   node scripts/package-manifests.mjs --write    repair what can be repaired mechanically
//   node scripts/package-manifests.mjs DIR...     check (or --write) only the given package dirs
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
/** Where the repository lives; every package's `repository` names it with its own directory. */
export const REPOSITORY_URL = 'git+https://github.com/mailroute/mailroute.git';
/** What every tarball ships besides its package.json: built code, the sources its maps name (bin/ only with a bin). */
export const FILES = ['dist/src', 'src', 'bin', 'README.md', 'LICENSE'];
const PREPACK = 'tsc -b';

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** Every `exports` condition object, with the subpath it belongs to. */
function conditionObjects(exportsField, at = '.') {
  if (exportsField === null || typeof exportsField !== 'object' || Array.isArray(exportsField)) return [];
  const keys = Object.keys(exportsField);
  const isSubpathMap = keys.every((k) => k.startsWith('.'));
  if (isSubpathMap) return keys.flatMap((k) => conditionObjects(exportsField[k], k));
  return [{ at, conditions: exportsField }, ...keys.flatMap((k) => conditionObjects(exportsField[k], at))];
}

/**
 * The problems of one package directory, each a sentence; `fix` repairs what it can in `pkg`
 * (the caller writes it back) and copies the root LICENSE.
 */
export function checkPackage(dir, { fix = false } = {}) {
  const problems = [];
  const manifestPath = join(dir, 'package.json');
  if (!existsSync(manifestPath)) return { problems: [`${dir}: no package.json`], pkg: undefined };
  const pkg = readJson(manifestPath);
  const where = relative(root, resolve(dir)).split('\\').join('/');
  const need = (ok, message, repair) => {
    if (ok) return;
    if (fix && repair) repair();
    else problems.push(`${pkg.name ?? where}: ${message}`);
  };

  need(pkg.private !== true, 'is private: a package under packages/ is published');
  need(pkg.license === 'MIT', 'license must be "MIT"', () => {
    pkg.license = 'MIT';
  });
  need(pkg.type === 'module', 'type must be "module"', () => {
    pkg.type = 'module';
  });
  need(pkg.sideEffects === false, 'sideEffects must be false', () => {
    pkg.sideEffects = false;
  });
  need(typeof pkg.engines?.node === 'string', 'engines.node is missing', () => {
    pkg.engines = { ...pkg.engines, node: '>=20' };
  });
  need(pkg.publishConfig?.access === 'public', 'publishConfig.access must be "public"', () => {
    pkg.publishConfig = { ...pkg.publishConfig, access: 'public' };
  });
  need(
    pkg.repository?.url === REPOSITORY_URL && pkg.repository?.directory === where,
    `repository must be { type: "git", url: "${REPOSITORY_URL}", directory: "${where}" }`,
    () => {
      pkg.repository = { type: 'git', url: REPOSITORY_URL, directory: where };
    },
  );
  need(
    Array.isArray(pkg.keywords) && pkg.keywords.length > 0,
    'keywords are missing (write a few by hand: how a user would search for it)',
  );
  need(
    pkg.scripts?.prepack === PREPACK,
    `scripts.prepack must be "${PREPACK}" (a tarball builds itself)`,
    () => {
      pkg.scripts = { ...pkg.scripts, prepack: PREPACK };
    },
  );
  const files = Array.isArray(pkg.files) ? pkg.files : [];
  const wanted = FILES.filter((f) => f !== 'bin' || pkg.bin !== undefined);
  need(
    wanted.every((f) => files.includes(f)),
    `files must list ${wanted.join(', ')} (the maps in dist/ point into src/)`,
    () => {
      pkg.files = [...new Set([...files, ...wanted])];
    },
  );
  need(
    existsSync(join(dir, 'LICENSE')) &&
      readFileSync(join(dir, 'LICENSE'), 'utf8') === readFileSync(join(root, 'LICENSE'), 'utf8'),
    'LICENSE is missing or differs from the root LICENSE',
    () => copyFileSync(join(root, 'LICENSE'), join(dir, 'LICENSE')),
  );
  need(existsSync(join(dir, 'README.md')), 'README.md is missing');

  const entries = conditionObjects(pkg.exports);
  need(entries.length > 0, 'exports map is missing');
  for (const { at, conditions } of entries) {
    const keys = Object.keys(conditions);
    if (keys.includes('types')) need(keys[0] === 'types', `exports["${at}"]: "types" must come first`);
  }
  need(
    conditionObjects(pkg.exports['.'] ?? {}).some(({ conditions }) => 'types' in conditions),
    'exports["."] has no "types" condition',
  );
  for (const [name, target] of Object.entries(pkg.bin ?? {})) {
    need(
      !String(target).replace(/^\.\//, '').startsWith('dist/'),
      `bin ${name} points into dist/ (not built at install time: pnpm warns); point it to a committed launcher in bin/`,
    );
    need(existsSync(join(dir, target)), `bin ${name}: ${target} does not exist`);
  }
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [dep, range] of Object.entries(pkg[field] ?? {})) {
      need(
        !String(range).startsWith('file:') && !String(range).startsWith('link:'),
        `${field}.${dep} is a local path (${range}): a tarball cannot carry it`,
      );
    }
  }
  return { problems, pkg };
}

function main(args) {
  const write = args.includes('--write');
  const given = args.filter((a) => !a.startsWith('--'));
  const dirs =
    given.length > 0
      ? given
      : readdirSync(join(root, 'packages'))
          .map((name) => join(root, 'packages', name))
          .filter((d) => existsSync(join(d, 'package.json')));
  let failed = 0;
  for (const dir of dirs) {
    const { problems, pkg } = checkPackage(dir, { fix: write });
    if (write && pkg) writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
    for (const p of problems) console.error(p);
    if (problems.length > 0) failed++;
  }
  if (failed > 0) {
    console.error(`package-manifests: ${failed} of ${dirs.length} packages need attention`);
    process.exitCode = 1;
  } else {
    console.log(`package-manifests: ${dirs.length} packages ready to pack`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  main(process.argv.slice(2));
