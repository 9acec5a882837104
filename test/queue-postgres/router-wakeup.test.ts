/**
 * The Router on the PostgreSQL mail.box learns of another node's mail by NOTIFY: a started node
 * whose poll is an hour away transfers a message another node submitted within seconds; the
 * same node on a store opened without LISTEN does not (the control: what makes the difference is
 * the wake-up, not the Router's own poll or submit).
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { createPostgresMailBox, type PostgresMailBox } from '@mailroute/queue-postgres';
import { startCaptureServer } from '@mailroute/testing';
import { freshSchema, skip } from './helpers.js';
import { relayNode } from './relay-node.js';

const HOUR = 3_600_000;
const closers: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of closers.reverse()) await c().catch(() => {});
});

async function node(url: string, schema: string, owner: string, sinkPort: number, listen: boolean) {
  const box: PostgresMailBox = await createPostgresMailBox({ connectionString: url, schema, listen });
  const n = relayNode({ box, owner, sinkPort, pollIntervalMs: HOUR });
  closers.push(
    () => box.close(),
    () => n.agent.close(),
    () => n.router.stop(),
  );
  return n;
}

async function submit(front: Awaited<ReturnType<typeof node>>, subject: string): Promise<void> {
  await front.router.submit({
    envelope: { mailFrom: 'sender@test.example' },
    recipients: [{ address: 'someone@d.example' }],
    body: Buffer.from(`From: sender@test.example\r\nSubject: ${subject}\r\n\r\nwake up\r\n`),
  });
}

describe('the Router wakes on PostgreSQL NOTIFY', { skip, timeout: 120_000 }, () => {
  test('an idle node (poll an hour away) relays another node’s message within seconds; without LISTEN it does not', async () => {
    const { url, schema, drop } = await freshSchema();
    closers.push(drop);
    const sink = await startCaptureServer();
    closers.push(() => sink.close());
    const front = await node(url, schema, 'front', sink.port, false); // submits only, never started

    // Control: a started node on a store without LISTEN sees nothing until its poll.
    const deaf = await node(url, schema, 'deaf', sink.port, false);
    deaf.router.start();
    await deaf.router.idle();
    await submit(front, 'unheard');
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(sink.messages.length, 0, 'no wake-up, no poll: nothing relayed yet');
    await deaf.router.stop();

    const idle = await node(url, schema, 'idle', sink.port, true);
    idle.router.start();
    await idle.router.idle(); // takes 'unheard' (start looks once), then nothing is due
    await sink.waitForMessage({ subject: 'unheard' }, { timeoutMs: 30_000 });
    const submittedMs = Date.now();
    await submit(front, 'heard');
    await sink.waitForMessage({ subject: 'heard' }, { timeoutMs: 20_000 });
    const latencyMs = Date.now() - submittedMs;
    process.stderr.write(`router wake-up: submitted on one node, relayed by another in ${latencyMs} ms\n`);
    assert.ok(latencyMs < 20_000);
  });
});
