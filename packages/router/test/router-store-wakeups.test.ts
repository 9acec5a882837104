import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildRoutingGraph, loadDirectory } from '@mailroute/routing';
import { createMemoryMailBox } from '../src/mailbox/memory.js';
import type { MailBox } from '../src/mailbox/types.js';
import { createRouter } from '../src/router.js';
import { acmeDirectory, FakeAgent, FakeClock, MemoryMailFiles, message } from './helpers.js';

/** A memory store with a work signal: what a shared store (PostgreSQL NOTIFY) offers. */
function signallingStore(clock: FakeClock): { box: MailBox; signal: () => void; listeners: Set<() => void> } {
  const inner = createMemoryMailBox({ clock });
  const listeners = new Set<() => void>();
  const box: MailBox = {
    enqueue: (m) => inner.enqueue(m),
    lease: (r) => inner.lease(r),
    settle: (s) => inner.settle(s),
    openBody: (id) => inner.openBody(id),
    get: (id) => inner.get(id),
    list: (f) => inner.list(f),
    counts: () => inner.counts(),
    hold: (id, i) => inner.hold(id, i),
    release: (id, now, i) => inner.release(id, now, i),
    reroute: (id, i, d, r, now) => inner.reroute(id, i, d, r, now),
    remove: (id) => inner.remove(id),
    close: () => inner.close(),
    onWork(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return {
    box,
    signal: () => {
      for (const l of listeners) l();
    },
    listeners,
  };
}

function node(box: MailBox, clock: FakeClock, owner: string) {
  const { directory } = loadDirectory(acmeDirectory({ mx: true }));
  const agent = new FakeAgent(clock);
  const router = createRouter({
    mailBox: box,
    directory,
    graph: buildRoutingGraph(directory, 'CN=Mail1/O=Acme'),
    transferAgent: agent,
    mailFiles: new MemoryMailFiles(),
    clock,
    owner,
    bufferPoolSizeMB: 256,
    pollIntervalMs: 3_600_000,
  });
  return { router, agent };
}

async function settleTasks(until: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !until(); i++) await new Promise((r) => setImmediate(r));
}

describe('Router: wake-ups from a shared store', () => {
  it('a started node takes work another node enqueued when the store signals it, before its poll', async () => {
    const clock = new FakeClock();
    const store = signallingStore(clock);
    const a = node(store.box, clock, 'node-a'); // submits only (not started)
    const b = node(store.box, clock, 'node-b');
    b.router.start();
    await b.router.idle();
    await a.router.submit({
      envelope: { mailFrom: 'jane@acme.example' },
      recipients: [{ address: 'x@partner.example' }],
      body: message(),
    });
    await settleTasks(() => false);
    assert.equal(b.agent.calls.length, 0, 'no signal, no poll (the clock stands still): nothing yet');
    // A burst of signals (one per enqueue on a busy node) is one look at the queue.
    for (let i = 0; i < 50; i++) store.signal();
    await settleTasks(() => b.agent.calls.length > 0);
    assert.equal(b.agent.calls.length, 1, 'node B transferred it after the signal (idle() not called yet)');
    await b.router.idle();
    assert.equal((await store.box.counts()).messages, 0);
    await b.router.stop();
    assert.equal(store.listeners.size, 0, 'stop unsubscribes');
  });

  it('the Router passes onWork through its tracked mail box', () => {
    const clock = new FakeClock();
    const store = signallingStore(clock);
    const { router } = node(store.box, clock, 'n');
    assert.equal(typeof router.mailBox.onWork, 'function');
    const { router: plain } = node(createMemoryMailBox({ clock }), clock, 'm');
    assert.equal(plain.mailBox.onWork, undefined, 'a store without wake-ups gets none');
  });
});
