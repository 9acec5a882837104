/**
 * The kit's Vitest/Jest matchers under the real runners. Spawns `vitest run` on specs/*.vitest.spec.ts
 * and Jest (ESM, `--experimental-vm-modules`) on the compiled specs/*.jest.spec.js, and checks each
 * runner's exit code and its JSON counts: the passing specs pass (4 tests each, pass AND fail cases
 * of every matcher asserted inside them), and the deliberately failing specs in specs-failing/ make
 * the runner exit 1 with the kit's message as the failure. Also checks that the kit itself never
 * imports a runner.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('..', import.meta.url)); // test/testing-matchers
const kit = join(here, '..', '..', 'packages', 'testing');
const vitestBin = join(here, 'node_modules', 'vitest', 'vitest.mjs');
const jestBin = join(here, 'node_modules', 'jest', 'bin', 'jest.js');

interface RunnerReport {
  readonly numTotalTests: number;
  readonly numPassedTests: number;
  readonly numFailedTests: number;
  readonly testResults: readonly {
    readonly assertionResults: readonly {
      readonly title: string;
      readonly failureMessages: readonly string[];
    }[];
  }[];
}

let out: string;
before(async () => {
  out = await mkdtemp(join(tmpdir(), 'kit-matchers-'));
});
after(() => rm(out, { recursive: true, force: true }));

/** Runs node with `args` in this folder; resolves with the exit code and the JSON report. */
function run(
  args: string[],
  report: string,
): Promise<{ code: number | null; output: string; report: RunnerReport }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: here,
      env: { ...process.env, CI: '1', NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.on('error', reject);
    child.on('close', async (code) => {
      clearTimeout(timer);
      try {
        resolve({ code, output, report: JSON.parse(await readFile(report, 'utf8')) as RunnerReport });
      } catch (error) {
        reject(
          new Error(`no JSON report from ${args.join(' ')} (exit ${code}): ${String(error)}\n${output}`),
        );
      }
    });
  });
}

const vitest = (dir: string, report: string) =>
  run([vitestBin, 'run', '--dir', dir, 'vitest.spec', '--reporter=json', `--outputFile=${report}`], report);
const jest = (dir: string, report: string) =>
  run(
    [
      '--experimental-vm-modules', // Jest runs the kit (ESM) only with Node's VM modules
      jestBin,
      '--ci',
      '--rootDir',
      dir,
      '--testMatch',
      '**/*.jest.spec.js',
      '--json',
      '--outputFile',
      report,
    ],
    report,
  );

function failures(report: RunnerReport): string[] {
  return report.testResults.flatMap((f) => f.assertionResults.flatMap((a) => a.failureMessages));
}

const MISMATCH = 'expected reply 550 5.1.1, got 250 2.0.0 OK';

describe('the matchers under the real runners', () => {
  it('the runners are installed (dev dependencies of this folder)', () => {
    assert.ok(existsSync(vitestBin), `${vitestBin} is missing: run pnpm install`);
    assert.ok(existsSync(jestBin), `${jestBin} is missing: run pnpm install`);
  });

  it('Vitest: the matcher specs pass (4 tests)', async () => {
    const r = await vitest('specs', join(out, 'vitest.json'));
    assert.equal(r.code, 0, r.output);
    assert.deepEqual([r.report.numTotalTests, r.report.numPassedTests, r.report.numFailedTests], [4, 4, 0]);
  });

  it('Vitest: a mismatch fails the test with the kit’s message; the runner exits 1', async () => {
    const r = await vitest('specs-failing', join(out, 'vitest-failing.json'));
    assert.equal(r.code, 1, r.output);
    assert.deepEqual([r.report.numTotalTests, r.report.numPassedTests, r.report.numFailedTests], [2, 1, 1]);
    const [message] = failures(r.report);
    assert.match(message ?? '', new RegExp(`^Error: ${MISMATCH}`));
  });

  it('Jest: the matcher specs pass (4 tests)', async () => {
    const r = await jest(join('dist', 'specs'), join(out, 'jest.json'));
    assert.equal(r.code, 0, r.output);
    assert.deepEqual([r.report.numTotalTests, r.report.numPassedTests, r.report.numFailedTests], [4, 4, 0]);
  });

  it('Jest: a mismatch fails the test with the kit’s message; the runner exits 1', async () => {
    const r = await jest(join('dist', 'specs-failing'), join(out, 'jest-failing.json'));
    assert.equal(r.code, 1, r.output);
    assert.deepEqual([r.report.numTotalTests, r.report.numPassedTests, r.report.numFailedTests], [2, 1, 1]);
    const [message] = failures(r.report);
    assert.match(message ?? '', new RegExp(`^Error: ${MISMATCH}`));
  });
});

describe('the kit does not depend on a runner', () => {
  const runner = /^(vitest|jest|expect|@vitest\/|@jest\/)/;

  it('no runner among its dependencies', async () => {
    const manifest = JSON.parse(await readFile(join(kit, 'package.json'), 'utf8')) as Record<
      string,
      Record<string, string> | undefined
    >;
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
      const names = Object.keys(manifest[field] ?? {});
      assert.deepEqual(
        names.filter((n) => runner.test(n)),
        [],
        `${field}: ${names.join(', ')}`,
      );
    }
  });

  it('no compiled file of the kit imports one', async () => {
    const dir = join(kit, 'dist', 'src');
    const files = (await readdir(dir)).filter((f) => f.endsWith('.js'));
    assert.ok(files.length > 10, `compiled kit in ${dir}`);
    for (const file of files) {
      const text = await readFile(join(dir, file), 'utf8');
      const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);
      assert.deepEqual(
        specifiers.filter((s) => runner.test(s)),
        [],
        `${file} imports ${specifiers.join(', ')}`,
      );
    }
  });
});
