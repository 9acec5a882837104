/**
 * Behaviour users rely on that a mutation sample showed unpinned (issue 13, section 7): a DNS outage
 * on one address family must not bounce mail, two equal MX hosts share the load, and the CNAME
 * chain limit is exactly where it is documented.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '@mailroute/testing';
import {
  createResolver,
  createStaticTransport,
  type DnsError,
  type DnsTransport,
  isDnsError,
  type StaticZone,
} from '../src/index.js';

describe('a mail host whose A lookup fails permanently and whose AAAA lookup fails temporarily', () => {
  // mx.v6down.example has no A record (NODATA, permanent) and its AAAA query gets SERVFAIL.
  const zone: StaticZone = {
    'v6down.example': { MX: [{ preference: 10, exchange: 'mx.v6down.example' }] },
    'mx.v6down.example': { TXT: ['no address records of its own'] },
  };
  function resolverWithAaaaOutage() {
    const statik = createStaticTransport(zone);
    const transport: DnsTransport = {
      query: (q, options) =>
        q.type === 'AAAA' && q.name === 'mx.v6down.example'
          ? Promise.resolve({ rcode: 'SERVFAIL', records: [] })
          : statik.query(q, options),
    };
    return createResolver({ transport, clock: new FakeClock(), retryCount: 1 });
  }

  it('gives "try later" (a temporary error), never "no such host"', async () => {
    const resolver = resolverWithAaaaOutage();
    const error = await resolver.resolveMx('v6down.example').then(
      () => assert.fail('resolved without any address'),
      (e: unknown) => e,
    );
    assert.ok(isDnsError(error) && error.temporary, `got ${String(error)}`);
    assert.ok(!(isDnsError(error) && !error.temporary));
    assert.equal((error as DnsError).temporary, true);
  });

  it('reports the temporary failure on the host when another host is usable', async () => {
    const statik = createStaticTransport({
      ...zone,
      'v6down.example': {
        MX: [
          { preference: 10, exchange: 'mx.v6down.example' },
          { preference: 20, exchange: 'ok.v6down.example' },
        ],
      },
      'ok.v6down.example': { A: ['192.0.2.9'] },
    });
    const transport: DnsTransport = {
      query: (q, options) =>
        q.type === 'AAAA' && q.name === 'mx.v6down.example'
          ? Promise.resolve({ rcode: 'SERVFAIL', records: [] })
          : statik.query(q, options),
    };
    const resolver = createResolver({ transport, clock: new FakeClock(), retryCount: 1 });
    const r = await resolver.resolveMx('v6down.example');
    const down = r.hosts.find((h) => h.exchange === 'mx.v6down.example')!;
    assert.ok(isDnsError(down.error) && down.error.temporary, 'the temporary failure is the one reported');
    assert.deepEqual(r.addresses, ['192.0.2.9']);
  });
});

describe('two equal-preference MX hosts', () => {
  const zone: StaticZone = {
    'pair.example': {
      MX: [
        { preference: 10, exchange: 'a.pair.example' },
        { preference: 10, exchange: 'b.pair.example' },
      ],
    },
    'a.pair.example': { A: ['192.0.2.1'] },
    'b.pair.example': { A: ['192.0.2.2'] },
  };
  const first = async (random: () => number) => {
    const resolver = createResolver({
      transport: createStaticTransport(zone),
      clock: new FakeClock(),
      random,
    });
    return (await resolver.resolveMx('pair.example')).hosts.map((h) => h.exchange).join(' ');
  };

  it('are shuffled with the injected random source (both orders occur)', async () => {
    assert.equal(await first(() => 0), 'b.pair.example a.pair.example');
    assert.equal(await first(() => 0.99), 'a.pair.example b.pair.example');
  });

  it('are shuffled on every cache hit too, spreading the first choice', async () => {
    let n = 0;
    const resolver = createResolver({
      transport: createStaticTransport(zone),
      clock: new FakeClock(),
      random: () => (n++ % 2 === 0 ? 0 : 0.99),
    });
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) seen.add((await resolver.resolveMx('pair.example')).hosts[0]!.exchange);
    assert.deepEqual([...seen].sort(), ['a.pair.example', 'b.pair.example']);
  });
});

describe('the CNAME chain limit (8 hops)', () => {
  // Each answer carries one hop only, as a forwarding resolver may return it, so the resolver must
  // ask for every target itself: c0 -> c1 -> ... -> cN, and cN has the A record.
  function chain(hops: number) {
    let queries = 0;
    const transport: DnsTransport = {
      query: async (q) => {
        queries++;
        const n = Number(/^c(\d+)\.chain\.example$/.exec(q.name)?.[1] ?? Number.NaN);
        if (!Number.isInteger(n)) return { rcode: 'NXDOMAIN', records: [] };
        if (n < hops)
          return {
            rcode: 'NOERROR',
            records: [{ type: 'CNAME', name: q.name, ttl: 60, target: `c${n + 1}.chain.example` }],
          };
        return { rcode: 'NOERROR', records: [{ type: 'A', name: q.name, ttl: 60, address: '192.0.2.80' }] };
      },
    };
    const resolver = createResolver({ transport, clock: new FakeClock(), retryCount: 1 });
    return { resolver, queries: () => queries };
  }

  it('follows a chain of 8 CNAMEs', async () => {
    const { resolver, queries } = chain(8);
    const r = await resolver.resolveA('c0.chain.example');
    assert.deepEqual(r, ['192.0.2.80']);
    assert.equal(queries(), 9);
  });

  it('refuses a chain of 9 with a temporary BADRESPONSE, after a bounded number of queries', async () => {
    const { resolver, queries } = chain(9);
    await assert.rejects(resolver.resolveA('c0.chain.example'), {
      name: 'DnsError',
      temporary: true,
      rcode: 'BADRESPONSE',
    });
    assert.equal(queries(), 9);
  });
});
