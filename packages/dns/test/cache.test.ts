import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLineLogger, type LogRecord } from '@mailroute/envelope';
import { FakeClock } from '@mailroute/testing';
import { createResolver, createStaticTransport, isDnsError } from '../src/index.js';

/** What a not-found (NXDOMAIN, NODATA, ...) rejects with: the SDK's error shape, not temporary. */
const NOT_FOUND = { name: 'DnsError', temporary: false };
/** What a temporary failure rejects with. */
const TEMPORARY = { name: 'DnsError', temporary: true };

const zone = {
  'a.example': { ttl: 60, A: ['192.0.2.1'] },
  'short.example': { ttl: 1, A: ['192.0.2.2'] },
  'long.example': { ttl: 999999, A: ['192.0.2.3'] },
  'zero.example': { ttl: 0, A: ['192.0.2.4'] },
  'txtonly.example': { TXT: ['x'] },
  'broken.example': { fail: 'SERVFAIL' as const },
};

function setup(extra: Parameters<typeof createResolver>[0] = {}) {
  const clock = new FakeClock();
  const transport = createStaticTransport(zone);
  const resolver = createResolver({ transport, clock, retryCount: 1, ...extra });
  return { clock, transport, resolver };
}

describe('positive cache', () => {
  it('answers from cache until the TTL runs out, then asks again', async () => {
    const { clock, transport, resolver } = setup();
    assert.deepEqual(await resolver.resolveA('a.example'), ['192.0.2.1']);
    assert.deepEqual(await resolver.resolveA('A.Example.'), ['192.0.2.1']);
    assert.deepEqual(transport.queries, ['A a.example']);
    await clock.advance(59_999);
    await resolver.resolveA('a.example');
    assert.equal(transport.queries.length, 1);
    await clock.advance(1);
    await resolver.resolveA('a.example');
    assert.equal(transport.queries.length, 2);
    const s = resolver.stats();
    assert.equal(s.cacheHits, 2);
    assert.equal(s.queries, 2);
  });

  it('clamps TTLs to minTtlSeconds and maxTtlSeconds', async () => {
    const { clock, transport, resolver } = setup({ minTtlSeconds: 10, maxTtlSeconds: 100 });
    await resolver.resolveA('short.example');
    await resolver.resolveA('long.example');
    await clock.advance(9_999);
    await resolver.resolveA('short.example'); // kept 10 s, not 1 s
    assert.equal(transport.queries.length, 2);
    await clock.advance(90_001);
    await resolver.resolveA('long.example'); // dropped after 100 s, not 999999 s
    assert.equal(transport.queries.length, 3);
  });

  it('does not keep a TTL of 0 by default', async () => {
    const { transport, resolver } = setup();
    await resolver.resolveA('zero.example');
    await resolver.resolveA('zero.example');
    assert.equal(transport.queries.length, 2);
  });
});

describe('negative cache (MailDomainNoHitCacheTimeToLive)', () => {
  it('keeps NXDOMAIN and NODATA 1800 s by default', async () => {
    const { clock, transport, resolver } = setup();
    await assert.rejects(resolver.resolveA('nope.example'), {
      name: 'DnsError',
      temporary: false,
      rcode: 'NXDOMAIN',
    });
    await assert.rejects(resolver.resolveA('txtonly.example'), { code: 'ENODATA', rcode: 'NODATA' });
    await clock.advance(1_799_999);
    await assert.rejects(resolver.resolveA('nope.example'), NOT_FOUND);
    await assert.rejects(resolver.resolveA('txtonly.example'), NOT_FOUND);
    assert.equal(transport.queries.length, 2);
    assert.equal(resolver.stats().negativeHits, 2);
    await clock.advance(1);
    await assert.rejects(resolver.resolveA('nope.example'), NOT_FOUND);
    assert.equal(transport.queries.length, 3);
  });

  it('is off with 0', async () => {
    const { transport, resolver } = setup({ noHitCacheTtlSeconds: 0 });
    await assert.rejects(resolver.resolveA('nope.example'), NOT_FOUND);
    await assert.rejects(resolver.resolveA('nope.example'), NOT_FOUND);
    assert.equal(transport.queries.length, 2);
    assert.equal(resolver.stats().negativeHits, 0);
  });

  it('never keeps a temporary failure as not-found', async () => {
    const { transport, resolver } = setup();
    await assert.rejects(resolver.resolveA('broken.example'), TEMPORARY);
    await assert.rejects(resolver.resolveA('broken.example'), { rcode: 'SERVFAIL', temporary: true });
    assert.equal(transport.queries.length, 2);
    assert.equal(resolver.stats().temporaryFailures, 2);
  });
});

describe('coalescing', () => {
  it('sends one upstream query for many identical concurrent lookups', async () => {
    const { transport, resolver } = setup();
    const all = await Promise.all(Array.from({ length: 1000 }, () => resolver.resolveA('a.example')));
    assert.equal(all.length, 1000);
    for (const r of all) assert.deepEqual(r, ['192.0.2.1']);
    assert.deepEqual(transport.queries, ['A a.example']);
    assert.equal(resolver.stats().coalesced, 999);
  });

  it('shares a not-found result with every waiter', async () => {
    const { transport, resolver } = setup();
    const results = await Promise.allSettled([
      resolver.resolveA('nope.example'),
      resolver.resolveA('nope.example'),
    ]);
    for (const r of results)
      assert.ok(r.status === 'rejected' && isDnsError(r.reason) && !r.reason.temporary);
    assert.equal(transport.queries.length, 1);
  });
});

describe('debug log (Debug_TCP_Resolver)', () => {
  it('logs query, answer, cache hit and negative hit in order, at debug level with fields', async () => {
    const records: LogRecord[] = [];
    const { clock, resolver } = setup({ logger: createLineLogger((r) => records.push(r), 'debug') });
    await resolver.resolveA('a.example');
    await resolver.resolveA('a.example');
    await assert.rejects(resolver.resolveA('nope.example'));
    await assert.rejects(resolver.resolveA('nope.example'));
    assert.ok(records.every((r) => r.level === 'debug' && r.message === `dns ${String(r.context.event)}`));
    assert.ok(records.every((r) => r.context.at === clock.now()));
    assert.deepEqual(records[0]?.context, {
      event: 'query',
      qname: 'a.example',
      qtype: 'A',
      at: clock.now(),
      attempt: 0,
    });
    assert.deepEqual(
      records.map(
        ({ context: e }) =>
          `${String(e.event)} ${String(e.qtype)} ${String(e.qname)}${e.rcode ? ` ${String(e.rcode)}` : ''}`,
      ),
      [
        'query A a.example',
        'answer A a.example NOERROR',
        'cache-hit A a.example',
        'query A nope.example',
        'answer A nope.example NXDOMAIN',
        'negative-hit A nope.example NXDOMAIN',
      ],
    );
  });
});

describe('logger failures', () => {
  it('a throwing logger does not break lookups', async () => {
    const { resolver } = setup({
      logger: createLineLogger(() => {
        throw new Error('bad logger');
      }, 'debug'),
    });
    assert.deepEqual(await resolver.resolveA('a.example'), ['192.0.2.1']);
  });
});
