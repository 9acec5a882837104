/**
 * The SDK as a user gets it: every package under packages/ (and the example gateway) packed with
 * `pnpm pack` (its prepack builds it), the tarballs installed with plain npm, in one call, into a
 * scratch project outside the workspace, then a TypeScript file that uses them compiled under
 * `node16` and `bundler` resolution with the workspace's TypeScript and run with Node. The
 * installed bins run too. Skips only when npm is absent.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
} from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tarballProblems } from './tarball-checks.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PROJECT = fileURLToPath(new URL('../project/', import.meta.url));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const npmSkip =
  spawnSync('npm', ['--version'], { stdio: 'ignore' }).status === 0
    ? false
    : 'npm is not installed: the consumer test installs the tarballs with plain npm';

/** The packages a user installs: every packages/* and the example gateway (for its bin). */
const PACKAGE_DIRS = [
  ...readdirSync(join(ROOT, 'packages'))
    .map((name) => join(ROOT, 'packages', name))
    .filter((dir) => existsSync(join(dir, 'package.json'))),
  join(ROOT, 'examples', 'gateway'),
];

/** pnpm as the test command was started with it, else the README's `npx --yes pnpm@10`. */
function pnpmCommand(): [string, string[]] {
  const execPath = process.env['npm_execpath'];
  if (execPath && /pnpm\.c?js$/.test(execPath)) return [process.execPath, [execPath]];
  return ['npx', ['--yes', 'pnpm@10']];
}

/** The environment of a plain npm in a project of its own: no pnpm or npm settings of ours leak in. */
function outsideEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(npm_|pnpm_|PNPM_|INIT_CWD$|NODE_PATH$)/i.test(k)) env[k] = v;
  }
  return env;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to the end, bounded by a timeout; never rejects. */
function run(command: string, args: readonly string[], cwd: string, env = process.env, timeoutMs = 300_000) {
  return new Promise<Run>((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, stderr: `${stderr}${e.message}` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs `jobs` with at most `limit` at once (the machine has two cores). */
async function inParallel<T>(limit: number, jobs: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return results;
}

const failure = (what: string, r: Run) => `${what} exited ${r.code}\n${r.stdout}\n${r.stderr}`;

describe('consumer: the packed packages installed with plain npm outside the workspace', {
  skip: npmSkip,
}, () => {
  let scratch = '';
  let app = '';
  const tarballs = new Map<string, string>(); // package name -> tarball path

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'mailroute-consumer-'));
    app = join(scratch, 'app');
    const packDir = join(scratch, 'tarballs');
    mkdirSync(packDir);
    mkdirSync(app);
    const [pnpm, pnpmArgs] = pnpmCommand();
    const packed = await inParallel(
      2,
      PACKAGE_DIRS.map((dir) => async () => {
        const r = await run(pnpm, [...pnpmArgs, 'pack', '--pack-destination', packDir], dir);
        return { dir, r };
      }),
    );
    for (const { dir, r } of packed)
      assert.equal(r.code, 0, failure(`pnpm pack in ${relative(ROOT, dir)}`, r));
    for (const dir of PACKAGE_DIRS) {
      const { name, version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name: string;
        version: string;
      };
      const file = join(packDir, `${name.replace(/^@/, '').replace('/', '-')}-${version}.tgz`);
      assert.ok(existsSync(file), `pnpm pack made no ${file}`);
      tarballs.set(name, file);
    }
  });

  after(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  test('every tarball holds its build, LICENSE, README, real versions and maps that resolve', async () => {
    const report: string[] = [];
    for (const [name, file] of tarballs) {
      const into = join(scratch, 'unpacked', name);
      mkdirSync(into, { recursive: true });
      const r = await run('tar', ['xzf', file, '-C', into], scratch);
      assert.equal(r.code, 0, failure(`tar xzf ${file}`, r));
      for (const p of tarballProblems(join(into, 'package'))) report.push(`${name}: ${p}`);
    }
    assert.deepEqual(report, []);
  });

  test('npm installs all tarballs in one call; TypeScript compiles the consumer under node16 and bundler; it runs', async () => {
    const typesNode = (readFileSync(join(ROOT, 'pnpm-workspace.yaml'), 'utf8').match(
      /"@types\/node":\s*(\S+)/,
    ) ?? [])[1];
    assert.ok(typesNode, 'the catalog pins @types/node');
    await writeFile(
      join(app, 'package.json'),
      `${JSON.stringify({ name: 'consumer-app', private: true, type: 'module' }, null, 2)}\n`,
    );
    const install = await run(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        '--loglevel=error',
        ...tarballs.values(),
        `@types/node@${typesNode}`,
      ],
      app,
      outsideEnv(),
    );
    assert.equal(install.code, 0, failure('npm install', install));

    // Copies, not links back into the repository; and nothing of ours came from a registry.
    const lock = JSON.parse(readFileSync(join(app, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { resolved?: string; link?: boolean }>;
    };
    for (const name of tarballs.keys()) {
      const installed = join(app, 'node_modules', name);
      assert.ok(!lstatSync(installed).isSymbolicLink(), `${name} is installed as a link`);
      assert.ok(!realpathSync(installed).startsWith(ROOT), `${name} resolves into the repository`);
      const entry = lock.packages[`node_modules/${name}`];
      assert.ok(
        entry?.resolved?.startsWith('file:'),
        `${name} was not installed from its tarball: ${entry?.resolved}`,
      );
    }

    // The consumer program, and one import of every public entry point of every package.
    mkdirSync(join(app, 'src'));
    copyFileSync(join(PROJECT, 'consume.ts'), join(app, 'src', 'consume.ts'));
    const entries: string[] = [];
    for (const name of tarballs.keys()) {
      const pkg = JSON.parse(readFileSync(join(app, 'node_modules', name, 'package.json'), 'utf8')) as {
        exports?: Record<string, unknown>;
      };
      for (const subpath of Object.keys(pkg.exports ?? {})) {
        if (subpath.endsWith('.json') || subpath.includes('*')) continue;
        entries.push(`${name}${subpath.slice(1)}`);
      }
    }
    const entriesTs = [
      '// Generated by the consumer test: one namespace import of every public entry point.',
      ...entries.map((e, i) => `import * as entry${i} from '${e}';`),
      `const entries = { ${entries.map((e, i) => `'${e}': entry${i}`).join(', ')} };`,
      'for (const [name, ns] of Object.entries(entries)) {',
      "  process.stdout.write('entry ' + name + ' ' + Object.keys(ns).length + '\\n');",
      '}',
      '',
    ].join('\n');
    await writeFile(join(app, 'src', 'entries.ts'), entriesTs);
    const strict = { strict: true, skipLibCheck: false, types: ['node'], target: 'ES2022', lib: ['ES2023'] };
    await writeFile(
      join(app, 'tsconfig.node16.json'),
      JSON.stringify({
        compilerOptions: { ...strict, module: 'node16', moduleResolution: 'node16', outDir: 'dist' },
        include: ['src'],
      }),
    );
    await writeFile(
      join(app, 'tsconfig.bundler.json'),
      JSON.stringify({
        compilerOptions: { ...strict, module: 'preserve', moduleResolution: 'bundler', noEmit: true },
        include: ['src'],
      }),
    );
    for (const config of ['tsconfig.node16.json', 'tsconfig.bundler.json']) {
      const tsc = await run(process.execPath, [TSC, '-p', config], app);
      assert.equal(tsc.code, 0, failure(`tsc -p ${config}`, tsc));
    }

    const consume = await run(process.execPath, ['dist/consume.js'], app, outsideEnv(), 60_000);
    assert.equal(consume.code, 0, failure('node dist/consume.js', consume));
    for (const step of ['envelope', 'itemizer', 'dkim', 'relay-policy', 'routing', 'dns', 'smtp-server']) {
      assert.match(consume.stdout, new RegExp(`^ok ${step}$`, 'm'));
    }
    const imported = await run(process.execPath, ['dist/entries.js'], app, outsideEnv(), 60_000);
    assert.equal(imported.code, 0, failure('node dist/entries.js', imported));
    for (const e of entries) assert.match(imported.stdout, new RegExp(`^entry ${e} [1-9]\\d*$`, 'm'));

    // The installed bins: launchers committed beside the package, the code from dist/.
    const bin = (name: string) => join(app, 'node_modules', '.bin', name);
    const help = await run(bin('mailroute-gateway'), ['help'], app, outsideEnv(), 60_000);
    assert.equal(help.code, 0, failure('mailroute-gateway help', help));
    assert.match(help.stdout, /check-config/);
    const check = await run(bin('mailroute-gateway'), ['check-config'], app, outsideEnv(), 60_000);
    assert.equal(check.code, 0, failure('mailroute-gateway check-config (the shipped configuration)', check));
    // mailroute-keymgmt from the tarball: a key-encryption key, a credential store, a DKIM key, its record.
    const keyEnv = { ...outsideEnv(), MAILROUTE_KEYMGMT_PASSWORD: 'consumer-test-only' };
    let record = '';
    for (const args of [
      ['create', 'nek', 'credstorekey'],
      ['create', 'credstore', 'credstorekey'],
      ['create', 'dkim', 'example.org', 's2026', 'ed25519'],
      ['export', 'dkim', 'dns', 'example.org', 's2026'],
    ]) {
      const r = await run(bin('mailroute-keymgmt'), ['--dir', 'IBM_CredStore', ...args], app, keyEnv, 60_000);
      assert.equal(r.code, 0, failure(`mailroute-keymgmt ${args.join(' ')}`, r));
      record = r.stdout;
    }
    assert.match(record, /^v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}=$/m);
  });
});
