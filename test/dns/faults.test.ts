/**
 * The wire transport and the resolver against a fault-injecting responder on 127.0.0.1: timeouts
 * (the retry schedule, scaled down), SERVFAIL, wrong IDs, chopped packets, TC with TCP fallback,
 * empty answers, garbage. Every case ends in a value or a typed error, within the retry bound.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createResolver, isDnsError } from '@mailroute/dns';
import { type DnsQuestion, type DnsRecord, encodeResponse } from '@mailroute/dns/wire';
import { createLineLogger } from '@mailroute/envelope';
import { type Handler, type Responder, startResponder } from './responder.js';

/** What a not-found (NXDOMAIN, NODATA, ...) rejects with: the SDK's error shape, not temporary. */
const NOT_FOUND = { name: 'DnsError', temporary: false };

const open: Responder[] = [];
after(async () => {
  for (const r of open) await r.close();
});

async function responder(handler: Handler): Promise<Responder> {
  const r = await startResponder(handler);
  open.push(r);
  return r;
}

const a = (q: DnsQuestion, address = '192.0.2.1'): DnsRecord => ({
  type: 'A',
  name: q.name,
  ttl: 60,
  address,
});
const ok = (id: number, q: DnsQuestion, answers: DnsRecord[] = [a(q)]) => ({
  bytes: encodeResponse(id, q, { answers }),
});

describe('fault-injecting responder', () => {
  it('retries timeouts on the doubling schedule (base scaled to 40 ms) and gives up with TIMEOUT', async () => {
    const r = await responder(() => []);
    const sentAt: number[] = [];
    const resolver = createResolver({
      servers: [r.server],
      retryBaseWaitMs: 40,
      logger: createLineLogger(({ context }) => {
        if (context.event === 'query') sentAt.push(context.at as number);
      }, 'debug'),
    });
    const t0 = Date.now();
    await assert.rejects(resolver.resolveA('slow.test'), (e: unknown) => {
      assert.ok(isDnsError(e) && e.temporary);
      assert.equal(e.rcode, 'TIMEOUT');
      assert.equal(e.attempts, 4);
      return true;
    });
    const elapsed = Date.now() - t0;
    assert.equal(r.seen.length, 4);
    const gaps = sentAt.slice(1).map((at, i) => at - sentAt[i]!);
    // Attempts 40, 80, 160 ms apart; the last waits 320 ms: 40 * (2^4 - 1) = 600 ms in all. Over a
    // real socket only the lower bounds are exact (a retry never leaves early, so each wait really
    // doubled); timers fire late on a loaded machine, so the upper bound only proves it gave up
    // instead of hanging. The exact schedule is asserted with a fake clock in packages/dns.
    for (const [i, expected] of [40, 80, 160].entries()) {
      assert.ok(gaps[i]! >= expected - 5, `gap ${i} is ${gaps[i]} ms, expected at least ~${expected}`);
    }
    assert.ok(
      elapsed >= 595 && elapsed < 10_000,
      `gave up after ${elapsed} ms, bound is ${resolver.retryBudgetMs}`,
    );
    assert.equal(resolver.stats().timeouts, 4);
  });

  it('answers after a SERVFAIL, resending once the first wait is over', async () => {
    const r = await responder((q, nth) => [
      nth === 1 ? { bytes: encodeResponse(q.id, q.question, { rcode: 2 }) } : ok(q.id, q.question),
    ]);
    const resolver = createResolver({ servers: [r.server], retryBaseWaitMs: 30 });
    assert.deepEqual(await resolver.resolveA('flaky.test'), ['192.0.2.1']);
    assert.equal(r.seen.length, 2);
    assert.ok(r.seen[1]!.at - r.seen[0]!.at >= 25);
    assert.equal(resolver.stats().retries, 1);
  });

  it('negative cache end to end: NXDOMAIN is asked once; with 0 it is asked every time', async () => {
    const r = await responder((q) => [{ bytes: encodeResponse(q.id, q.question, { rcode: 3 }) }]);
    const cached = createResolver({ servers: [r.server] });
    for (let i = 0; i < 3; i++) await assert.rejects(cached.resolveA('gone.test'), NOT_FOUND);
    assert.equal(r.seen.length, 1);
    const uncached = createResolver({ servers: [r.server], noHitCacheTtlSeconds: 0 });
    for (let i = 0; i < 3; i++) await assert.rejects(uncached.resolveA('gone.test'), NOT_FOUND);
    assert.equal(r.seen.length, 4);
  });

  it('does not cache SERVFAIL as not-found', async () => {
    const r = await responder((q) => [{ bytes: encodeResponse(q.id, q.question, { rcode: 2 }) }]);
    const resolver = createResolver({ servers: [r.server], retryCount: 1 });
    await assert.rejects(resolver.resolveA('sf.test'), { rcode: 'SERVFAIL', temporary: true });
    await assert.rejects(resolver.resolveA('sf.test'), { rcode: 'SERVFAIL' });
    assert.equal(r.seen.length, 2);
  });

  it('REFUSED fails temporarily at once, without retries', async () => {
    const r = await responder((q) => [{ bytes: encodeResponse(q.id, q.question, { rcode: 5 }) }]);
    const resolver = createResolver({ servers: [r.server] });
    await assert.rejects(resolver.resolveA('ref.test'), { rcode: 'REFUSED', temporary: true });
    assert.equal(r.seen.length, 1);
  });

  it('ignores answers with a wrong ID and takes the right one that follows', async () => {
    const r = await responder((q) => [
      { bytes: encodeResponse(q.id ^ 0x5555, q.question, { answers: [a(q.question, '203.0.113.66')] }) },
      { ...ok(q.id, q.question), delayMs: 10 },
    ]);
    const resolver = createResolver({ servers: [r.server] });
    assert.deepEqual(await resolver.resolveA('spoof.test'), ['192.0.2.1']);
  });

  it('only wrong IDs, or answers to another question, end as a timeout', async () => {
    const r = await responder((q) => [
      { bytes: encodeResponse(q.id + 1, q.question, { answers: [a(q.question)] }) },
      { bytes: encodeResponse(q.id, { name: 'other.test', type: 'A' }, { answers: [a(q.question)] }) },
    ]);
    const resolver = createResolver({ servers: [r.server], retryCount: 2, retryBaseWaitMs: 30 });
    await assert.rejects(resolver.resolveA('spoof2.test'), { rcode: 'TIMEOUT' });
    assert.equal(r.seen.length, 2);
  });

  it('a chopped packet is BADRESPONSE, retried, then a typed temporary error', async () => {
    const r = await responder((q) => {
      const full = encodeResponse(q.id, q.question, { answers: [a(q.question)] });
      return [{ bytes: full.subarray(0, full.length - 3) }];
    });
    const resolver = createResolver({ servers: [r.server], retryCount: 2, retryBaseWaitMs: 20 });
    await assert.rejects(resolver.resolveA('chop.test'), {
      name: 'DnsError',
      temporary: true,
      rcode: 'BADRESPONSE',
    });
    assert.equal(r.seen.length, 2);
  });

  it('garbage after a valid header is BADRESPONSE, never a throw', async () => {
    const r = await responder((q) => {
      const b = Buffer.alloc(64, 0xc0);
      b.writeUInt16BE(q.id, 0);
      b.writeUInt16BE(0x8180, 2);
      b.writeUInt16BE(1, 4);
      return [{ bytes: b }];
    });
    const resolver = createResolver({ servers: [r.server], retryCount: 1 });
    await assert.rejects(resolver.resolveMx('junk.test'), { rcode: 'BADRESPONSE' });
  });

  it('TC over UDP makes the client ask again over TCP for a huge TXT', async () => {
    const strings = Array.from({ length: 40 }, (_, i) => `${i}`.padEnd(250, 'y'));
    const r = await responder((q) =>
      q.transport === 'udp'
        ? [{ bytes: encodeResponse(q.id, q.question, { truncated: true }) }]
        : [ok(q.id, q.question, [{ type: 'TXT', name: q.question.name, ttl: 60, strings }])],
    );
    const resolver = createResolver({ servers: [r.server] });
    const [txt] = await resolver.resolveTxt('big.test');
    assert.equal(txt!.length, 40 * 250);
    assert.deepEqual(
      r.seen.map((s) => s.transport),
      ['udp', 'tcp'],
    );
  });

  it('a server answering FORMERR to EDNS (without a question section) is asked again without EDNS', async () => {
    const r = await responder((q) => {
      if (!q.edns) return [ok(q.id, q.question)];
      const formerr = Buffer.alloc(12);
      formerr.writeUInt16BE(q.id, 0);
      formerr.writeUInt16BE(0x8001, 2);
      return [{ bytes: formerr }];
    });
    const resolver = createResolver({ servers: [r.server] });
    assert.deepEqual(await resolver.resolveA('old.test'), ['192.0.2.1']);
    assert.deepEqual(
      r.seen.map((s) => s.edns),
      [true, false],
    );
  });

  it('an empty NOERROR answer is NODATA; for MX it means the implicit MX', async () => {
    const r = await responder((q) =>
      q.question.type === 'A' ? [ok(q.id, q.question)] : [{ bytes: encodeResponse(q.id, q.question) }],
    );
    const resolver = createResolver({ servers: [r.server] });
    await assert.rejects(resolver.resolveTxt('empty.test'), { code: 'ENODATA', rcode: 'NODATA' });
    const mx = await resolver.resolveMx('empty.test');
    assert.equal(mx.implicit, true);
    assert.deepEqual(mx.addresses, ['192.0.2.1']);
  });

  it('coalesces 1000 concurrent lookups over the wire into one query', async () => {
    const r = await responder((q) => [{ ...ok(q.id, q.question), delayMs: 20 }]);
    const resolver = createResolver({ servers: [r.server] });
    const all = await Promise.all(Array.from({ length: 1000 }, () => resolver.resolveA('many.test')));
    assert.equal(all.length, 1000);
    assert.equal(r.seen.length, 1);
  });

  it('an AbortSignal stops a lookup mid-wait and nothing more is sent', async () => {
    const r = await responder(() => []);
    const resolver = createResolver({ servers: [r.server] });
    const t0 = Date.now();
    await assert.rejects(resolver.resolveA('stop.test', { signal: AbortSignal.timeout(50) }), {
      name: 'TimeoutError',
    });
    assert.ok(Date.now() - t0 < 500);
    await new Promise((res) => setTimeout(res, 1200));
    assert.equal(r.seen.length, 1);
  });
});
