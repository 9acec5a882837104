import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createFileRetryState } from '../src/work/retry-state.js';
import { harness, MINUTE, message } from './helpers.js';

const submitTo = (h: ReturnType<typeof harness>, address: string) =>
  h.router.submit({
    envelope: { mailFrom: 'jane@acme.example' },
    recipients: [{ address }],
    body: message({ From: 'jane@acme.example', To: address }),
  });

describe('Router: the retry state survives a restart', () => {
  it('a restarted Router keeps the failure count, the retry time and the hop marked down', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'router-retry-state-'));
    const path = join(dir, 'retry-state.json');
    try {
      const first = harness({ mx: true, retryState: createFileRetryState(path) });
      first.agent.script = () => 'down';
      const start = first.clock.now();
      await submitTo(first, 'x@partner.example');
      await first.router.idle();
      const before = await first.router.status();
      assert.equal(before.inRetry[0]?.failures, 1);
      await first.router.stop();
      const saved = JSON.parse(await readFile(path, 'utf8')) as { destination: string; failures: number }[];
      assert.deepEqual(
        saved.map((e) => [e.destination, e.failures]),
        [['mx:partner.example', 1]],
      );

      // A new process: a new graph, a new MailBox, the same retry state file; same start time.
      const second = harness({ mx: true, retryState: createFileRetryState(path) });
      second.agent.script = () => 'down';
      await second.router.idle();
      const after = await second.router.status();
      assert.deepEqual(after.inRetry, before.inRetry);
      assert.deepEqual(after.downHops, before.downHops);
      // New mail for the destination waits for the restored retry time (15 minutes) and the next
      // failure is the second one: its retry comes 2x the interval later, not 1x.
      await submitTo(second, 'y@partner.example');
      await second.router.idle();
      assert.equal(second.agent.calls.length, 0);
      for (let i = 0; i < 12; i++) {
        second.clock.advance(5 * MINUTE);
        await second.router.idle();
      }
      assert.deepEqual(
        second.agent.calls.map((c) => (c.atMs - start) / MINUTE),
        [15, 45],
      );
      assert.equal((await second.router.status()).inRetry[0]?.failures, 3);
      await second.router.stop();

      // A transfer that works takes the destination out of retry, in the file too.
      const third = harness({ mx: true, retryState: createFileRetryState(path) });
      third.agent.script = () => 'ok';
      third.clock.advance(200 * MINUTE);
      await submitTo(third, 'z@partner.example');
      await third.router.idle();
      assert.deepEqual((await third.router.status()).inRetry, []);
      await third.router.stop();
      assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a malformed or unreadable state file is logged and the Router starts without it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'router-retry-state-'));
    try {
      const path = join(dir, 'retry-state.json');
      const warnings: string[] = [];
      const logger = {
        info() {},
        debug() {},
        error() {},
        warn(_o: unknown, msg?: string) {
          warnings.push(String(msg));
        },
        child() {
          return logger;
        },
      };
      for (const text of [
        '{not json',
        '{"a":1}',
        '[{"destination":1}]',
        '[{"destination":"x","failures":-1,"retryAtMs":0}]',
      ]) {
        await writeFile(path, text);
        assert.deepEqual(await createFileRetryState(path, logger).load(), []);
      }
      assert.equal(warnings.length, 2); // the two that are not a JSON list; bad entries are skipped
      assert.deepEqual(await createFileRetryState(join(dir, 'absent.json'), logger).load(), []);
      await writeFile(path, '{not json');
      const h = harness({ mx: true, retryState: createFileRetryState(path, logger) });
      h.agent.script = () => 'ok';
      await submitTo(h, 'x@partner.example');
      await h.router.idle();
      assert.equal(h.agent.calls.length, 1);
      await h.router.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
