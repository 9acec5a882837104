#!/usr/bin/env node
// Counts the names each package's entry points export (every subpath of its `exports` map that
// has a `types` condition), split into values (functions, classes, constants) and types, with
// the TypeScript compiler over the package's sources. The figures go into a marked block at the
// end of each package README, which a test keeps true:
//
//   node scripts/export-counts.mjs            print the figures
//   node scripts/export-counts.mjs --write    write them into every packages/*/README.md
//   node scripts/export-counts.mjs --check    exit 1 when a README's block is missing or stale
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('..', import.meta.url));
const START = '<!-- export-count:start';
const END = '<!-- export-count:end -->';

/** The source file behind an exports `types` target: ./dist/src/x.d.ts -> src/x.ts. */
function sourceOf(dir, typesTarget) {
  const source = join(dir, typesTarget.replace(/^\.\/dist\//, '').replace(/\.d\.ts$/, '.ts'));
  return existsSync(source) ? source : join(dir, typesTarget);
}

function typesTarget(value) {
  if (typeof value !== 'object' || value === null) return undefined;
  if (typeof value.types === 'string') return value.types;
  for (const v of Object.values(value)) {
    const t = typesTarget(v);
    if (t) return t;
  }
  return undefined;
}

/** The entry points of one package directory: `[{ entry, file }]`. */
function entryPoints(dir) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const entries = [];
  for (const [subpath, value] of Object.entries(pkg.exports ?? {})) {
    const target = typesTarget(value);
    if (target) entries.push({ entry: `${pkg.name}${subpath.slice(1)}`, file: sourceOf(dir, target) });
  }
  return entries;
}

/**
 * `[[{ entry, values, types }]]`, one list per package directory, from one compiler program
 * over every entry point (one program: the packages share their imports).
 */
export function countExports(dirs) {
  const perPackage = dirs.map(entryPoints);
  const program = ts.createProgram(
    perPackage.flat().map((e) => e.file),
    {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      noEmit: true,
      skipLibCheck: true,
      types: [],
    },
  );
  const checker = program.getTypeChecker();
  return perPackage.map((entries) =>
    entries.map(({ entry, file }) => {
      const source = program.getSourceFile(file);
      const moduleSymbol = source && checker.getSymbolAtLocation(source);
      if (!moduleSymbol) throw new Error(`${entry}: ${file} is not a module`);
      let values = 0;
      let types = 0;
      for (const symbol of checker.getExportsOfModule(moduleSymbol)) {
        const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
        // An alias that cannot be resolved (a package not built yet) counts by its own declaration.
        const flags = target.flags & ts.SymbolFlags.Alias ? symbol.flags : target.flags;
        if (flags & ts.SymbolFlags.Value) values++;
        else types++;
      }
      return { entry, values, types };
    }),
  );
}

/** The README block for one package. */
export function block(counts) {
  const total = counts.reduce((n, c) => n + c.values + c.types, 0);
  const lines = [
    `${START} (written by \`node scripts/export-counts.mjs --write\`; a test keeps it true) -->`,
    `Exported names: ${total} in all.`,
    '',
    '| entry point | names | values | types |',
    '| --- | --- | --- | --- |',
    ...counts.map((c) => `| \`${c.entry}\` | ${c.values + c.types} | ${c.values} | ${c.types} |`),
    END,
  ];
  return lines.join('\n');
}

/** The README text with its block replaced, or appended under a heading when it has none. */
export function withBlock(readme, text) {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start >= 0 && end > start) return readme.slice(0, start) + text + readme.slice(end + END.length);
  return `${readme.replace(/\s*$/, '')}\n\n## Public surface\n\n${text}\n`;
}

function main(args) {
  const mode = args.includes('--write') ? 'write' : args.includes('--check') ? 'check' : 'print';
  const dirs = readdirSync(join(root, 'packages'))
    .map((name) => join(root, 'packages', name))
    .filter((d) => existsSync(join(d, 'package.json')));
  let stale = 0;
  const all = countExports(dirs);
  for (const [i, dir] of dirs.entries()) {
    const counts = all[i];
    const text = block(counts);
    const readmePath = join(dir, 'README.md');
    const readme = existsSync(readmePath) ? readFileSync(readmePath, 'utf8') : '';
    const updated = withBlock(readme, text);
    if (mode === 'print') {
      for (const c of counts)
        console.log(`${c.entry}: ${c.values + c.types} (${c.values} values, ${c.types} types)`);
    } else if (mode === 'write') {
      if (updated !== readme) writeFileSync(readmePath, updated);
    } else if (updated !== readme) {
      stale++;
      console.error(
        `${readmePath}: the export counts are missing or stale; run node scripts/export-counts.mjs --write`,
      );
    }
  }
  if (stale > 0) process.exitCode = 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main(process.argv.slice(2));
