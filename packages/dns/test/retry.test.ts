import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '@mailroute/testing';
import { createResolver, createStaticTransport, type DnsTransport, isDnsError } from '../src/index.js';
import { totalRetryBudgetMs } from '../src/options.js';
import type { TransportAnswer } from '../src/wire-entry.js';

/** What a temporary failure rejects with. */
const TEMPORARY = { name: 'DnsError', temporary: true };

/** A transport that answers each attempt from a script, logging the clock time of every query. */
function scripted(clock: FakeClock, script: (TransportAnswer | 'hang')[]) {
  const sentAt: number[] = [];
  const transport: DnsTransport = {
    query(_q, { signal, attempt }) {
      sentAt.push(clock.now());
      const step = script[Math.min(attempt, script.length - 1)]!;
      return new Promise((resolve, reject) => {
        if (step !== 'hang') return resolve(step);
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      });
    },
  };
  return { transport, sentAt };
}

const A = {
  rcode: 'NOERROR',
  records: [{ type: 'A', name: 'x.example', ttl: 60, address: '192.0.2.9' }],
} as const;

describe('retry doubling (RouterDNSQueryRetryCount)', () => {
  it('sends 4 attempts at 0, 1, 3, 7 s on timeouts and gives up at 15 s', async () => {
    const clock = new FakeClock({ start: 0 });
    const { transport, sentAt } = scripted(clock, ['hang']);
    const resolver = createResolver({ transport, clock });
    assert.equal(resolver.retryBudgetMs, 15_000);
    const p = resolver.resolveA('x.example');
    let settled = false;
    p.catch(() => {}).finally(() => {
      settled = true;
    });
    await clock.advance(14_999);
    assert.equal(settled, false);
    await clock.advance(1);
    await assert.rejects(p, (e: unknown) => {
      assert.ok(isDnsError(e) && e.temporary);
      assert.equal(e.rcode, 'TIMEOUT');
      assert.equal(e.attempts, 4);
      assert.equal(e.temporary, true);
      return true;
    });
    assert.deepEqual(sentAt, [0, 1000, 3000, 7000]);
    const s = resolver.stats();
    assert.equal(s.timeouts, 4);
    assert.equal(s.retries, 3);
    assert.equal(clock.pending, 0, 'no timer left behind');
  });

  it('waits out the attempt window after an early SERVFAIL, then succeeds', async () => {
    const clock = new FakeClock({ start: 0 });
    const { transport, sentAt } = scripted(clock, [
      { rcode: 'SERVFAIL', records: [] },
      { rcode: 'SERVFAIL', records: [] },
      A,
    ]);
    const resolver = createResolver({ transport, clock });
    const p = resolver.resolveA('x.example');
    await clock.advance(3000);
    assert.deepEqual(await p, ['192.0.2.9']);
    assert.deepEqual(sentAt, [0, 1000, 3000]);
  });

  it('scales with retryBaseWaitMs and RouterDNSQueryRetryCount=2', async () => {
    const clock = new FakeClock({ start: 0 });
    const { transport, sentAt } = scripted(clock, ['hang']);
    const resolver = createResolver({ transport, clock, retryCount: 2, retryBaseWaitMs: 10 });
    const p = assert.rejects(resolver.resolveA('x.example'), TEMPORARY);
    await clock.advance(30);
    await p;
    assert.deepEqual(sentAt, [0, 10]);
    assert.equal(totalRetryBudgetMs(2, 10), 30);
  });

  it('does not retry REFUSED (a configuration answer, not a transient one)', async () => {
    const clock = new FakeClock({ start: 0 });
    const { transport, sentAt } = scripted(clock, [{ rcode: 'REFUSED', records: [] }]);
    const resolver = createResolver({ transport, clock });
    await assert.rejects(resolver.resolveA('x.example'), { rcode: 'REFUSED', temporary: true });
    assert.deepEqual(sentAt, [0]);
  });

  it('retries a transport that rejects, and reports BADRESPONSE when all attempts fail', async () => {
    const clock = new FakeClock({ start: 0 });
    let calls = 0;
    const transport: DnsTransport = {
      query: () => {
        calls++;
        return Promise.reject(new Error('boom'));
      },
    };
    const resolver = createResolver({ transport, clock, retryCount: 3 });
    const p = assert.rejects(resolver.resolveA('x.example'), {
      name: 'DnsError',
      temporary: true,
      rcode: 'BADRESPONSE',
    });
    await clock.advance(7000);
    await p;
    assert.equal(calls, 3);
  });

  it('a transport that ignores its signal cannot hang a lookup past the bound', async () => {
    const clock = new FakeClock({ start: 0 });
    const transport: DnsTransport = { query: () => new Promise(() => {}) };
    const resolver = createResolver({ transport, clock, retryCount: 2 });
    const p = assert.rejects(resolver.resolveA('x.example'), { rcode: 'TIMEOUT' });
    await clock.advance(3000);
    await p;
  });
});

describe('AbortSignal', () => {
  it('cancels during an attempt, and the upstream query is aborted', async () => {
    const clock = new FakeClock({ start: 0 });
    let upstreamAborted = false;
    const transport: DnsTransport = {
      query: (_q, { signal }) =>
        new Promise((_r, reject) =>
          signal.addEventListener('abort', () => {
            upstreamAborted = true;
            reject(signal.reason);
          }),
        ),
    };
    const resolver = createResolver({ transport, clock });
    const ac = new AbortController();
    const p = resolver.resolveA('x.example', { signal: ac.signal });
    await clock.advance(500);
    ac.abort(new Error('caller gave up'));
    await assert.rejects(p, /caller gave up/);
    assert.equal(upstreamAborted, true);
    assert.equal(clock.pending, 0);
  });

  it('cancels during a retry wait', async () => {
    const clock = new FakeClock({ start: 0 });
    const { transport, sentAt } = scripted(clock, [{ rcode: 'SERVFAIL', records: [] }]);
    const resolver = createResolver({ transport, clock });
    const ac = new AbortController();
    const p = resolver.resolveA('x.example', { signal: ac.signal });
    await clock.advance(100);
    ac.abort(new Error('stop'));
    await assert.rejects(p, /stop/);
    await clock.advance(20_000);
    assert.deepEqual(sentAt, [0]);
  });

  it('rejects at once with an already-aborted signal, without a query', async () => {
    const clock = new FakeClock({ start: 0 });
    const transport = createStaticTransport({ 'x.example': { A: ['192.0.2.1'] } });
    const resolver = createResolver({ transport, clock });
    await assert.rejects(
      resolver.resolveA('x.example', { signal: AbortSignal.abort(new Error('pre')) }),
      /pre/,
    );
    assert.equal(transport.queries.length, 0);
  });

  it('one waiter aborting leaves the shared query running for the others', async () => {
    const clock = new FakeClock({ start: 0 });
    const { transport, sentAt } = scripted(clock, [{ rcode: 'SERVFAIL', records: [] }, A]);
    const resolver = createResolver({ transport, clock });
    const ac = new AbortController();
    const first = resolver.resolveA('x.example', { signal: ac.signal });
    const second = resolver.resolveA('x.example', { signal: new AbortController().signal });
    ac.abort(new Error('first gave up'));
    await assert.rejects(first, /first gave up/);
    await clock.advance(1000);
    assert.deepEqual(await second, ['192.0.2.9']);
    assert.deepEqual(sentAt, [0, 1000]);
  });
});
