/** The README example extractor, and a rotten example failing the compile at its README line. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { compileExamples } from './compile.js';
import { extractExamples } from './extract.js';

const README = [
  '# pkg', // 1
  '```ts', // 2
  "import { x } from 'y';", // 3
  '```', // 4
  '```sh', // 5
  '```ts (inside an sh block: not an example)', // 6
  '```', // 7
  '- a list item:', // 8
  '', // 9
  '  ```typescript', // 10
  '  const a = 1;', // 11
  '    const b = 2;', // 12
  '  ```', // 13
  '<!-- example: compile-only (needs a store) -->', // 14
  '```ts', // 15
  'await open();', // 16
  '```', // 17
  '```sh', // 18
  'echo not ts', // 19
  '```', // 20
  '```js', // 21
  'console.log(1);', // 22
  '```', // 23
].join('\n');

test('extracts ts, typescript and js blocks, with their lines, indentation removed, and the compile-only mark', () => {
  assert.deepEqual(extractExamples(README), [
    { line: 3, code: "import { x } from 'y';\n", compileOnly: false },
    { line: 11, code: 'const a = 1;\n  const b = 2;\n', compileOnly: false },
    { line: 16, code: 'await open();\n', compileOnly: true },
    { line: 22, code: 'console.log(1);\n', compileOnly: false },
  ]);
});

test('an unclosed fence is an error, not a silently skipped example', () => {
  assert.throws(() => extractExamples('```ts\nconst a = 1;\n'), /unclosed/);
});

test('a rotten example fails to compile, reported at its README line', async () => {
  const work = fileURLToPath(new URL('./rotten-examples/', import.meta.url));
  const readme = [
    '# x',
    '```ts',
    "import { parseCommand } from '@mailroute/envelope';",
    "const r = parseCommand('NOOP');",
    'const n: number = r; // wrong',
    '```',
  ].join('\n');
  const { errors } = await compileExamples(work, [
    { readme: 'packages/x/README.md', examples: extractExamples(readme) },
  ]);
  assert.equal(errors.length, 1, errors.join('\n'));
  assert.match(errors[0]!, /^packages\/x\/README\.md:5:\d+ TS2322:/);
});
