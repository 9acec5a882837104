/**
 * The buffered log line writer (one write per `delayMs` or per turn of the event loop,
 * everything written by exit).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createLineWriter } from '../src/line-writer.js';

describe('createLineWriter', () => {
  it('joins the lines of delayMs into one write, in order, each with its newline', async () => {
    const writes: string[] = [];
    const lines = createLineWriter((text) => writes.push(text), { delayMs: 30 });
    lines.write('one');
    await new Promise((r) => setImmediate(r));
    lines.write('two');
    assert.deepEqual(writes, [], 'nothing is written before the delay passes, across turns');
    await new Promise((r) => setTimeout(r, 60));
    assert.deepEqual(writes, ['one\ntwo\n']);
  });

  it('with delayMs 0 joins the lines of one turn into one write', async () => {
    const writes: string[] = [];
    const lines = createLineWriter((text) => writes.push(text), { delayMs: 0 });
    lines.write('one');
    lines.write('two');
    assert.deepEqual(writes, [], 'nothing is written before the turn ends');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(writes, ['one\ntwo\n']);
    lines.write('three');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(writes, ['one\ntwo\n', 'three\n']);
  });

  it('writes at once past 64 KiB queued, and flush() writes what is queued', () => {
    const writes: string[] = [];
    const lines = createLineWriter((text) => writes.push(text));
    const long = 'x'.repeat(40_000);
    lines.write(long);
    assert.equal(writes.length, 0);
    lines.write(long);
    assert.equal(writes.length, 1);
    assert.equal(writes[0], `${long}\n${long}\n`);
    lines.write('tail');
    lines.flush();
    assert.deepEqual(writes.slice(1), ['tail\n']);
  });

  it('writes every queued line when the process exits right after queueing them', () => {
    const module = fileURLToPath(new URL('../src/line-writer.js', import.meta.url));
    const script = `
      const { createLineWriter } = await import(${JSON.stringify(module)});
      const lines = createLineWriter((t) => process.stdout.write(t));
      for (let i = 0; i < 1000; i++) lines.write('line ' + i);
      process.exit(3);`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(run.status, 3);
    const got = run.stdout.trimEnd().split('\n');
    assert.equal(got.length, 1000);
    assert.equal(got[999], 'line 999');
  });
});
