import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LeaseRequest } from '../src/mailbox/types.js';
import { harness, message } from './helpers.js';

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((r) => setImmediate(r));
  assert.ok(check(), 'condition not reached');
}

/** Lets pumps that a unit's start or end kicked run to the end. */
async function settle(): Promise<void> {
  await new Promise((r) => setTimeout(r, 20));
}

describe('Router: a node leases no more than it can start', () => {
  it('with only transfer work, leases at most the free transfer threads (free delivery threads do not count)', async () => {
    const h = harness({
      mx: true,
      maxTransferThreads: 3,
      maxDeliveryThreads: 4,
      maxConcurrentTransferThreads: 2,
    });
    const g = gate();
    h.agent.gate = g.promise;
    // A backlog found at start (as after a restart, or another node's lease running out): ten
    // units in ten destinations, so none waits for a per-destination slot, and nothing local.
    await h.router.stop();
    await h.router.submit({
      envelope: { mailFrom: 'jane@acme.example' },
      recipients: Array.from({ length: 10 }, (_, i) => ({ address: `u${i}@d${i}.example` })),
      body: message(),
    });
    h.router.start();
    await until(() => h.agent.running === 3);
    await settle();
    const counts = await h.mailBox.counts();
    // In-flight = leased by this node; the rest stays waiting, free for another node to take.
    assert.equal(counts.recipients['in-flight'], 3, 'leased units = running transfers');
    assert.equal(counts.recipients.waiting, 7);
    const inFlight = (await h.mailBox.list()).flatMap((m) =>
      m.recipients.filter((r) => r.state === 'in-flight'),
    );
    assert.equal(inFlight.length, 3);
    assert.ok(inFlight.every((r) => r.leaseOwner === 'mail1'));
    g.open();
    await h.router.idle();
    assert.equal(h.agent.calls.length, 10);
    assert.equal(h.agent.maxRunning, 3);
    assert.equal((await h.mailBox.counts()).messages, 0);
    await h.router.stop();
  });

  it('delivery work is still leased while every transfer thread is busy', async () => {
    const h = harness({ mx: true, maxTransferThreads: 2, maxDeliveryThreads: 2 });
    const g = gate();
    h.agent.gate = g.promise;
    await h.router.stop();
    await h.router.submit({
      envelope: { mailFrom: 'jane@acme.example' },
      recipients: Array.from({ length: 4 }, (_, i) => ({ address: `u${i}@d${i}.example` })),
      body: message(),
    });
    h.router.start();
    await until(() => h.agent.running === 2);
    await h.router.submit({
      envelope: { mailFrom: 'x@d0.example' },
      recipients: [{ address: 'jane@acme.example' }],
      body: message(),
    });
    await until(() => h.mailFiles.deliveries.length === 1);
    await settle();
    assert.equal(h.agent.running, 2, 'transfers still held at the gate');
    const counts = await h.mailBox.counts();
    assert.equal(counts.recipients['in-flight'], 2, 'only the running transfers are leased');
    assert.equal(counts.recipients.waiting, 2);
    g.open();
    await h.router.idle();
    assert.equal(h.agent.calls.length, 4);
    assert.equal((await h.mailBox.counts()).messages, 0);
    await h.router.stop();
  });

  it('leases no more units of one destination than maxConcurrentTransferThreads, and fills the rest from others', async () => {
    const h = harness({
      mx: true,
      maxTransferThreads: 4,
      maxDeliveryThreads: 2,
      maxConcurrentTransferThreads: 2,
    });
    const g = gate();
    h.agent.gate = g.promise;
    // Units per destination in each lease call, seen through the store the Router uses.
    const perLease: Map<string, number>[] = [];
    const requests: LeaseRequest[] = [];
    const lease = h.mailBox.lease.bind(h.mailBox);
    h.mailBox.lease = async (req) => {
      requests.push(req);
      const units = await lease(req);
      const n = new Map<string, number>();
      for (const u of units) n.set(u.destination, (n.get(u.destination) ?? 0) + 1);
      perLease.push(n);
      return units;
    };
    // A backlog found at start: ten messages for one destination, queued before three for another.
    await h.router.stop();
    for (let i = 0; i < 10; i++)
      await h.router.submit({
        envelope: { mailFrom: 'jane@acme.example' },
        recipients: [{ address: `u${i}@d0.example` }],
        body: message(),
      });
    for (let i = 0; i < 3; i++)
      await h.router.submit({
        envelope: { mailFrom: 'jane@acme.example' },
        recipients: [{ address: `u${i}@d1.example` }],
        body: message(),
      });
    h.router.start();
    await until(() => h.agent.running === 4);
    await settle();
    const inFlight = new Map<string, number>();
    for (const m of await h.mailBox.list())
      for (const r of m.recipients)
        if (r.state === 'in-flight') {
          const domain = r.address.slice(r.address.indexOf('@') + 1);
          inFlight.set(domain, (inFlight.get(domain) ?? 0) + 1);
        }
    // Before the bound, the first lease took four units of d0.example: two ran and two waited in
    // memory, leased, while d1.example's mail sat untouched.
    assert.deepEqual(Object.fromEntries(inFlight), { 'd0.example': 2, 'd1.example': 2 });
    assert.equal((await h.mailBox.counts()).recipients.waiting, 9, 'the rest is free for another node');
    assert.ok(
      requests.some((r) => r.perDestinationLimit === 2),
      'the transfer lease carries the per-destination limit',
    );
    g.open();
    await h.router.idle();
    assert.equal(h.agent.calls.length, 13);
    for (const n of perLease)
      for (const [destination, units] of n)
        assert.ok(units <= 2, `one lease took ${units} units of ${destination}`);
    assert.equal((await h.mailBox.counts()).messages, 0);
    await h.router.stop();
  });
});
