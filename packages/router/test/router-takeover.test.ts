import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildRoutingGraph, loadDirectory } from '@mailroute/routing';
import { createRouter } from '../src/router.js';
import { acmeDirectory, FakeAgent, harness, MemoryMailFiles, message } from './helpers.js';

describe('Router: a node that dies mid-transfer', () => {
  it('another node takes the work over when the lease expires; the message is delivered once more at most', async () => {
    const a = harness({ mx: true, leaseMs: 60_000, owner: 'node-a' });
    a.agent.gate = new Promise(() => {}); // node A hangs forever in its transfer: it "died"
    const { id } = await a.router.submit({
      envelope: { mailFrom: 'jane@acme.example' },
      recipients: [{ address: 'x@partner.example' }],
      body: message(),
    });
    for (let i = 0; i < 100 && a.agent.calls.length === 0; i++) await new Promise((r) => setImmediate(r));
    assert.equal((await a.mailBox.get(id))?.recipients[0]?.state, 'in-flight');

    const { directory } = loadDirectory(acmeDirectory({ mx: true }));
    const agentB = new FakeAgent(a.clock);
    const b = createRouter({
      mailBox: a.mailBox,
      directory,
      graph: buildRoutingGraph(directory, 'CN=Mail1/O=Acme'),
      transferAgent: agentB,
      mailFiles: new MemoryMailFiles(),
      clock: a.clock,
      owner: 'node-b',
      bufferPoolSizeMB: 256,
      leaseMs: 60_000,
    });
    b.start();
    await b.idle();
    assert.equal(agentB.calls.length, 0, 'not while the lease holds');
    // Time passes without node A's clock timer firing its own abort (it is dead).
    a.clock.advance(61_000);
    await b.idle();
    assert.equal(agentB.calls.length, 1, 'node B took it over');
    assert.equal(await a.mailBox.get(id), undefined, 'and settled it');
    await b.stop();
  });
});
