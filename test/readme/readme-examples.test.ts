/**
 * Every `ts` example of every package README (packages/* and examples/*) is type-checked with the
 * workspace's TypeScript and, unless marked `<!-- example: compile-only -->`, run with Node in an
 * empty temporary folder that holds one sample `message.eml`. An example that rots (a renamed
 * export, a changed option, a wrong result) fails here, at its README line.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { compileExamples, type PlacedExample, ROOT } from './compile.js';
import { extractExamples } from './extract.js';

const WORK = fileURLToPath(new URL('./examples/', import.meta.url));

/** A small message for examples that read `message.eml`: a text part and one attachment. */
export const SAMPLE_MESSAGE = [
  'From: Nash <nsh@nashcom.de>',
  'To: Daniel <daniel@example.net>',
  'Subject: Quarterly figures',
  'Date: Tue, 01 Dec 2026 10:00:00 +0000',
  'Message-ID: <readme-sample@nashcom.de>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="b1"',
  '',
  '--b1',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'The figures are attached.',
  '--b1',
  'Content-Type: text/csv; name="figures.csv"',
  'Content-Disposition: attachment; filename="figures.csv"',
  'Content-Transfer-Encoding: base64',
  '',
  Buffer.from('quarter,amount\nQ4,42\n').toString('base64'),
  '--b1--',
  '',
].join('\r\n');

const readmes = ['packages', 'examples'].flatMap((group) =>
  readdirSync(join(ROOT, group))
    .map((name) => `${group}/${name}/README.md`)
    .filter((readme) => existsSync(join(ROOT, readme)))
    .map((readme) => ({ readme, examples: extractExamples(readFileSync(join(ROOT, readme), 'utf8')) })),
);

function runExample(p: PlacedExample, cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [p.js], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      output += c.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('README examples', () => {
  let placed: PlacedExample[] = [];
  let errors: string[] = [];

  before(async () => {
    ({ placed, errors } = await compileExamples(WORK, readmes));
  });

  test('every package README has at least one ts example', () => {
    const without = readmes.filter((r) => r.readme.startsWith('packages/') && r.examples.length === 0);
    assert.deepEqual(
      without.map((r) => r.readme),
      [],
    );
  });

  test('every example type-checks', () => {
    assert.deepEqual(errors, []);
  });

  for (const { readme, examples } of readmes) {
    examples.forEach((example, i) => {
      const name = `${readme}:${example.line} (example ${i + 1}) runs`;
      test(name, { skip: example.compileOnly ? 'marked compile-only' : false }, async () => {
        const p = placed.find((x) => x.readme === readme && x.example === example)!;
        assert.deepEqual(p.errors, [], 'the example does not compile');
        const cwd = await mkdtemp(join(tmpdir(), 'mailroute-readme-'));
        try {
          await writeFile(join(cwd, 'message.eml'), SAMPLE_MESSAGE);
          const { code, output } = await runExample(p, cwd);
          assert.equal(code, 0, `${readme}:${example.line} exited ${code}:\n${output}`);
        } finally {
          await rm(cwd, { recursive: true, force: true });
        }
      });
    });
  }
});
