/**
 * Compiles README examples with the workspace's TypeScript into a folder inside the test area
 * (so `@mailroute/*` resolve to the workspace packages, as a user's project resolves the
 * installed ones), and reports each error at its README line.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReadmeExample } from './extract.js';

/** The repository root (this file runs from test/readme/dist). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** One example placed in the work folder. */
export interface PlacedExample {
  /** The README it comes from, relative to the repository root. */
  readonly readme: string;
  readonly example: ReadmeExample;
  /** The compiled file to run. */
  readonly js: string;
  /** This example's compile errors (also in the overall list). */
  readonly errors: string[];
}

/** The compiler settings of a user's strict Node project; unused names are fine in an example. */
const TSCONFIG = {
  compilerOptions: {
    composite: false,
    declaration: false,
    declarationMap: false,
    sourceMap: false,
    incremental: false,
    noUnusedLocals: false,
    noUnusedParameters: false,
    rootDir: '.',
    outDir: 'out',
  },
  include: ['*.ts'],
};

/**
 * Writes each example as `<readme dir>-<n>.ts` in `workDir` (emptied first), compiles them all
 * with one `tsc` run, and resolves with the placed examples and the errors as
 * `README.md:line:col TSxxxx: message`.
 */
export async function compileExamples(
  workDir: string,
  readmes: readonly { readme: string; examples: readonly ReadmeExample[] }[],
): Promise<{ placed: PlacedExample[]; errors: string[] }> {
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const placed: PlacedExample[] = [];
  const byFile = new Map<string, PlacedExample>();
  for (const { readme, examples } of readmes) {
    examples.forEach((example, i) => {
      const base = `${readme.replace(/\/README\.md$/i, '').replace(/[^A-Za-z0-9]+/g, '-')}-${i + 1}`;
      // `export {}` makes a block without imports a module too (no clash between blocks).
      writeFileSync(join(workDir, `${base}.ts`), `${example.code}export {};\n`);
      const p = { readme, example, js: join(workDir, 'out', `${base}.js`), errors: [] as string[] };
      placed.push(p);
      byFile.set(`${base}.ts`, p);
    });
  }
  const tsconfig = { ...TSCONFIG, extends: join(ROOT, 'tsconfig.base.json') };
  writeFileSync(join(workDir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
  if (placed.length === 0) return { placed, errors: [] };

  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(process.execPath, [TSC, '-p', workDir, '--pretty', 'false'], { cwd: workDir });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.on('close', (status) => resolve({ code: status, output: out }));
  });
  const errors: string[] = [];
  for (const line of output.split('\n')) {
    const m = /^(.+?\.ts)\((\d+),(\d+)\): error (TS\d+: .*)$/.exec(line.trim());
    if (!m) {
      if (line.trim() !== '' && code !== 0 && !/^\s/.test(line)) errors.push(line.trim());
      continue;
    }
    const p = byFile.get(m[1]!.split(/[\\/]/).pop()!);
    const where = p ? `${p.readme}:${p.example.line + Number(m[2]) - 1}:${m[3]}` : `${m[1]}:${m[2]}:${m[3]}`;
    const hint = /TS2307/.test(m[4]!) ? ' (a package a README imports must be a devDependency of test/)' : '';
    errors.push(`${where} ${m[4]}${hint}`);
    p?.errors.push(`${where} ${m[4]}${hint}`);
  }
  if (code !== 0 && errors.length === 0) errors.push(`tsc exited ${code}: ${output}`);
  return { placed, errors };
}
