import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DeliveryResult, TransferAgent } from '../src/transfer/agent.js';
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

describe('Router: threads and limits', () => {
  it('at most maxConcurrentTransferThreads transfers to one destination, more to others', async () => {
    const h = harness({ mx: true, maxTransferThreads: 6, maxConcurrentTransferThreads: 2 });
    const g = gate();
    h.agent.gate = g.promise;
    for (let i = 0; i < 8; i++)
      await h.router.submit({
        envelope: { mailFrom: 'jane@acme.example' },
        recipients: [{ address: `u${i}@partner.example` }],
        body: message(),
      });
    for (let i = 0; i < 8; i++)
      await h.router.submit({
        envelope: { mailFrom: 'jane@acme.example' },
        recipients: [{ address: `u${i}@other${i}.example` }],
        body: message(),
      });
    await until(() => h.agent.running === 6);
    const partner = h.agent.calls.filter((c) => c.target === 'partner.example').length;
    assert.equal(partner, 2, 'two threads to partner.example');
    assert.equal(h.agent.running, 6, 'all six transfer threads busy');
    g.open();
    await h.router.idle();
    assert.equal(h.agent.calls.length, 16);
    assert.equal(h.agent.maxRunning, 6);
    assert.equal((await h.mailBox.counts()).messages, 0);
    await h.router.stop();
  });

  it('RouterMaxConcurrentDeliverySize: large messages are delivered one at a time, small ones alongside', async () => {
    const h = harness({ maxDeliveryThreads: 4, maxConcurrentDeliverySizeBytes: 10_000 });
    const g = gate();
    h.mailFiles.gate = g.promise;
    const big = message({}, `${'x'.repeat(70)}\r\n`.repeat(200));
    for (let i = 0; i < 3; i++)
      await h.router.submit({
        envelope: { mailFrom: 'a@b.example' },
        recipients: [{ address: 'jane@acme.example' }],
        body: big,
      });
    await h.router.submit({
      envelope: { mailFrom: 'a@b.example' },
      recipients: [{ address: 'john@acme.example' }],
      body: message(),
    });
    await until(() => h.mailFiles.running === 2);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(h.mailFiles.running, 2, 'one large and one small in progress');
    g.open();
    await h.router.idle();
    assert.equal(h.mailFiles.deliveries.length, 4);
    assert.equal(h.mailFiles.maxRunning, 2);
    await h.router.stop();
  });

  it('stop() lets running transfers finish and releases leased work that had not started', async () => {
    const h = harness({ mx: true, maxTransferThreads: 4, maxConcurrentTransferThreads: 1 });
    const g = gate();
    h.agent.gate = g.promise;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push(
        (
          await h.router.submit({
            envelope: { mailFrom: 'jane@acme.example' },
            recipients: [{ address: `u${i}@partner.example` }],
            body: message(),
          })
        ).id,
      );
    await until(() => h.agent.running === 1);
    const stopping = h.router.stop();
    await new Promise((r) => setTimeout(r, 10));
    g.open();
    await stopping;
    const states = await Promise.all(ids.map(async (id) => (await h.mailBox.get(id))?.recipients[0]));
    assert.equal(states[0], undefined, 'the running transfer finished');
    for (const r of states.slice(1)) {
      assert.equal(r?.state, 'waiting', 'released, not left in flight');
      assert.equal(r?.attempts, 0, 'a release is not an attempt');
    }
  });

  it('stop() aborts transfers still running after stopTimeoutMs; their mail waits', async () => {
    let aborted = false;
    const hanging: TransferAgent = {
      deliverToDomain: (_d, envelope, _m, options) =>
        new Promise<DeliveryResult>((resolve) => {
          options?.signal?.addEventListener('abort', () => {
            aborted = true;
            resolve({
              recipients: envelope.recipients.map((r) => ({
                address: r.address,
                outcome: 'transient',
                reason: { code: 'ABORTED', message: 'aborted', temporary: true },
              })),
            });
          });
        }),
      deliverVia: () => Promise.reject(new Error('unused')),
      close: async () => {},
    };
    const h2 = harness({ mx: true, stopTimeoutMs: 1000, transferAgent: hanging });
    const { id } = await h2.router.submit({
      envelope: { mailFrom: 'jane@acme.example' },
      recipients: [{ address: 'x@partner.example' }],
      body: message(),
    });
    await new Promise((r) => setTimeout(r, 10));
    const stopping = h2.router.stop();
    await new Promise((r) => setTimeout(r, 10));
    h2.clock.advance(1000);
    await stopping;
    assert.ok(aborted);
    assert.equal((await h2.mailBox.get(id))?.recipients[0]?.state, 'waiting');
  });

  it('a transfer agent that rejects (breaking its contract) leaves the mail waiting, no crash', async () => {
    const broken: TransferAgent = {
      deliverToDomain: () => Promise.reject(new Error('boom')),
      deliverVia: () => Promise.reject(new Error('boom')),
      close: async () => {},
    };
    const h = harness({ mx: true, transferAgent: broken });
    const { id } = await h.router.submit({
      envelope: { mailFrom: 'jane@acme.example' },
      recipients: [{ address: 'x@partner.example' }],
      body: message(),
    });
    await h.router.idle();
    const r = (await h.mailBox.get(id))?.recipients[0];
    assert.equal(r?.state, 'waiting');
    assert.equal(r?.attempts, 1);
    await h.router.stop();
  });

  it('a MailFiles that throws (breaking its contract) is a temporary failure', async () => {
    const h = harness({
      mailFiles: {
        deliver: () => {
          throw new Error('disk on fire');
        },
      },
    });
    const { id } = await h.router.submit({
      envelope: { mailFrom: 'a@b.example' },
      recipients: [{ address: 'jane@acme.example' }],
      body: message(),
    });
    await h.router.idle();
    assert.equal((await h.mailBox.get(id))?.recipients[0]?.state, 'waiting');
    await h.router.stop();
  });
});

describe('Router: DKIM signing hook', () => {
  it('signs mail of authenticated users with the From address, and never anonymous mail', async () => {
    const seen: (string | undefined)[] = [];
    const h = harness({
      mx: true,
      sign: (bytes, from) => {
        seen.push(from);
        return Buffer.concat([Buffer.from('DKIM-Signature: v=1; d=acme.example\r\n'), bytes]);
      },
    });
    await h.router.submit({
      envelope: { mailFrom: 'jane@acme.example', authenticated: true },
      recipients: [{ address: 'x@partner.example' }],
      body: message({ From: 'Jane <jane@acme.example>' }),
    });
    await h.router.submit({
      envelope: { mailFrom: 'jane@acme.example' },
      recipients: [{ address: 'y@partner.example' }],
      body: message({ From: 'Jane <jane@acme.example>' }),
    });
    await h.router.idle();
    assert.deepEqual(seen, ['jane@acme.example']);
    const signed = h.agent.calls.filter((c) => c.message.toString().startsWith('DKIM-Signature:'));
    assert.equal(signed.length, 1);
    assert.equal(signed[0]!.envelope.recipients[0]!.address, 'x@partner.example');
    await h.router.stop();
  });

  it('a signer that throws sends the message unsigned rather than losing it', async () => {
    const h = harness({
      mx: true,
      sign: () => {
        throw new Error('no key');
      },
    });
    await h.router.submit({
      envelope: { mailFrom: 'jane@acme.example', authenticated: true },
      recipients: [{ address: 'x@partner.example' }],
      body: message(),
    });
    await h.router.idle();
    assert.equal(h.agent.calls.length, 1);
    assert.equal((await h.mailBox.counts()).messages, 0);
    await h.router.stop();
  });
});
