import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock, prng } from '@mailroute/testing';
import { createResolver, createStaticTransport, isDnsError, type StaticZone } from '../src/index.js';
import { type MxRecord, planMx, shuffleEqualPreferences } from '../src/wire-entry.js';

const zone: StaticZone = {
  'multi.example': {
    ttl: 300,
    MX: [
      { preference: 20, exchange: 'backup.multi.example' },
      { preference: 10, exchange: 'mx1.multi.example' },
      { preference: 10, exchange: 'mx2.multi.example' },
      { preference: 10, exchange: 'mx3.multi.example' },
    ],
  },
  'mx1.multi.example': { A: ['192.0.2.1'] },
  'mx2.multi.example': { A: ['192.0.2.2'], AAAA: ['2001:db8::2'] },
  'mx3.multi.example': { A: ['192.0.2.3'] },
  'backup.multi.example': { A: ['192.0.2.20'] },
  'nomx.example': { A: ['192.0.2.50'], AAAA: ['2001:db8::50'] },
  'nullmx.example': { MX: [{ preference: 0, exchange: '.' }] },
  'alias.example': { CNAME: 'multi.example' },
  'cnamemx.example': { MX: [{ preference: 5, exchange: 'mxalias.cnamemx.example' }] },
  'mxalias.cnamemx.example': { CNAME: 'real.cnamemx.example' },
  'real.cnamemx.example': { A: ['192.0.2.77'] },
  'literal.example': {
    MX: [
      { preference: 1, exchange: '192.0.2.66' },
      { preference: 2, exchange: 'ok.literal.example' },
    ],
  },
  'ok.literal.example': { A: ['192.0.2.67'] },
  'dangling.example': { MX: [{ preference: 10, exchange: 'missing.dangling.example' }] },
  'halfbroken.example': {
    MX: [
      { preference: 10, exchange: 'down.halfbroken.example' },
      { preference: 20, exchange: 'up.halfbroken.example' },
    ],
  },
  'down.halfbroken.example': { fail: 'SERVFAIL' },
  'up.halfbroken.example': { A: ['192.0.2.88'] },
  'allbroken.example': { MX: [{ preference: 10, exchange: 'down.allbroken.example' }] },
  'down.allbroken.example': { fail: 'SERVFAIL' },
};

function setup(random = prng(1)) {
  const clock = new FakeClock();
  const transport = createStaticTransport(zone);
  return { clock, transport, resolver: createResolver({ transport, clock, random, retryCount: 1 }) };
}

describe('resolveMx (RFC 5321 section 5.1)', () => {
  it('sorts by preference and lists addresses in the order to try', async () => {
    const { resolver } = setup(() => 0);
    const r = await resolver.resolveMx('multi.example');
    assert.equal(r.implicit, false);
    assert.deepEqual(
      r.hosts.map((h) => h.preference),
      [10, 10, 10, 20],
    );
    assert.equal(r.hosts[3]!.exchange, 'backup.multi.example');
    assert.deepEqual(r.hosts.find((h) => h.exchange === 'mx2.multi.example')!.addresses, [
      '192.0.2.2',
      '2001:db8::2',
    ]);
    assert.equal(r.addresses.at(-1), '192.0.2.20');
    assert.equal(new Set(r.addresses).size, r.addresses.length);
  });

  it('shuffles equal preferences with the injected random source, exactly', async () => {
    // random() always 0: Fisher-Yates swaps i with start each step -> [mx2, mx3, mx1]
    const zeros = setup(() => 0).resolver;
    assert.deepEqual(
      (await zeros.resolveMx('multi.example')).hosts.map((h) => h.exchange),
      ['mx2.multi.example', 'mx3.multi.example', 'mx1.multi.example', 'backup.multi.example'],
    );
    // random() just below 1: no swaps, answer order kept
    const ones = setup(() => 0.9999).resolver;
    assert.deepEqual(
      (await ones.resolveMx('multi.example')).hosts.map((h) => h.exchange),
      ['mx1.multi.example', 'mx2.multi.example', 'mx3.multi.example', 'backup.multi.example'],
    );
  });

  it('spreads the first host across equal preferences, also on cache hits', async () => {
    const { resolver, transport } = setup(prng(42));
    const firsts = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const first = (await resolver.resolveMx('multi.example')).hosts[0]!.exchange;
      firsts.set(first, (firsts.get(first) ?? 0) + 1);
    }
    assert.equal(firsts.size, 3);
    for (const n of firsts.values()) assert.ok(n > 60, `each equal host comes first often enough (${n})`);
    assert.equal(transport.queries.filter((q) => q.startsWith('MX')).length, 1);
  });

  it('uses the domain itself when it has no MX (implicit MX)', async () => {
    const { resolver } = setup();
    const r = await resolver.resolveMx('nomx.example');
    assert.equal(r.implicit, true);
    assert.deepEqual(r.hosts, [
      { exchange: 'nomx.example', preference: 0, addresses: ['192.0.2.50', '2001:db8::50'] },
    ]);
  });

  it('treats a null MX as a final "does not accept mail" (RFC 7505)', async () => {
    const { resolver } = setup();
    await assert.rejects(resolver.resolveMx('nullmx.example'), (e: unknown) => {
      assert.ok(isDnsError(e) && !e.temporary);
      assert.equal(e.code, 'ENULLMX');
      assert.equal(e.rcode, 'NOERROR');
      assert.deepEqual(e.reply.code, 556);
      assert.equal(e.reply.enhanced, '5.1.10');
      return true;
    });
  });

  it('fails permanently for a domain that does not exist', async () => {
    const { resolver } = setup();
    await assert.rejects(resolver.resolveMx('nowhere.example'), {
      code: 'ENOTFOUND',
      rcode: 'NXDOMAIN',
      temporary: false,
    });
  });

  it('follows a CNAME at the mail domain and at an exchange', async () => {
    const { resolver } = setup();
    const viaAlias = await resolver.resolveMx('alias.example');
    assert.equal(viaAlias.hosts.length, 4);
    const r = await resolver.resolveMx('cnamemx.example');
    assert.deepEqual(r.addresses, ['192.0.2.77']);
  });

  it('skips MX records written as IP addresses', async () => {
    const { resolver } = setup();
    const r = await resolver.resolveMx('literal.example');
    assert.deepEqual(r.addresses, ['192.0.2.67']);
    assert.deepEqual(r.skipped, [{ exchange: '192.0.2.66', preference: 1, reason: 'ip-literal' }]);
  });

  it('takes an address literal domain as is, without DNS', async () => {
    const { resolver, transport } = setup();
    assert.deepEqual((await resolver.resolveMx('[192.0.2.5]')).addresses, ['192.0.2.5']);
    assert.deepEqual((await resolver.resolveMx('[IPv6:2001:db8::5]')).addresses, ['2001:db8::5']);
    assert.equal(transport.queries.length, 0);
  });

  it('fails permanently when no exchange has an address', async () => {
    const { resolver } = setup();
    await assert.rejects(resolver.resolveMx('dangling.example'), { code: 'ENOUSABLEMX', temporary: false });
  });

  it('keeps usable hosts and reports the failing one; fails temporarily when all fail temporarily', async () => {
    const { resolver, transport } = setup();
    const r = await resolver.resolveMx('halfbroken.example');
    assert.deepEqual(r.addresses, ['192.0.2.88']);
    const down = r.hosts.find((h) => h.exchange === 'down.halfbroken.example')!;
    assert.ok(isDnsError(down.error) && down.error.temporary);
    // a partial resolution is not cached: the next lookup asks for the failing host again
    const before = transport.queries.length;
    await resolver.resolveMx('halfbroken.example');
    assert.ok(transport.queries.length > before);
    await assert.rejects(resolver.resolveMx('allbroken.example'), {
      name: 'DnsError',
      temporary: true,
    });
  });

  it('expires a cached resolution with the shortest TTL involved', async () => {
    const clock = new FakeClock();
    const transport = createStaticTransport({
      'd.example': { ttl: 600, MX: [{ preference: 1, exchange: 'h.d.example' }] },
      'h.d.example': { ttl: 30, A: ['192.0.2.1'] },
    });
    const resolver = createResolver({ transport, clock, retryCount: 1 });
    await resolver.resolveMx('d.example');
    const n = transport.queries.length;
    await clock.advance(29_000);
    await resolver.resolveMx('d.example');
    assert.equal(transport.queries.length, n);
    await clock.advance(1_000);
    await resolver.resolveMx('d.example');
    assert.ok(transport.queries.length > n);
  });
});

describe('resolveMx coalescing', () => {
  it('10000 concurrent resolutions of one uncached domain cost one query per record', async () => {
    const { resolver, transport } = setup(prng(7));
    const all = await Promise.all(Array.from({ length: 10_000 }, () => resolver.resolveMx('multi.example')));
    assert.equal(all.length, 10_000);
    for (const r of all) assert.equal(r.addresses.length, 5);
    assert.equal(transport.queries.filter((q) => q === 'MX multi.example').length, 1);
    assert.equal(transport.queries.length, 9); // 1 MX + 4 hosts x (A, AAAA)
    assert.equal(resolver.stats().coalesced, 9_999);
  });

  it('a caller that aborts does not cancel the shared resolution', async () => {
    const { resolver } = setup();
    const ac = new AbortController();
    const first = resolver.resolveMx('multi.example', { signal: ac.signal });
    const second = resolver.resolveMx('multi.example');
    ac.abort(new Error('gone'));
    await assert.rejects(first, /gone/);
    assert.equal((await second).hosts.length, 4);
  });
});

describe('planMx', () => {
  const mx = (preference: number, exchange: string): MxRecord => ({
    type: 'MX',
    name: 'd',
    ttl: 1,
    preference,
    exchange,
  });

  it('drops a null MX among other records and keeps the lowest preference of duplicates', () => {
    const p = planMx([mx(10, 'a'), mx(0, ''), mx(5, 'a'), mx(7, 'b')], 10);
    assert.equal(p.nullMx, false);
    assert.deepEqual(p.candidates, [
      { exchange: 'a', preference: 5 },
      { exchange: 'b', preference: 7 },
    ]);
    assert.deepEqual(
      p.skipped.map((s) => s.reason),
      ['null-mx-among-others', 'duplicate'],
    );
  });

  it('bounds the number of candidates', () => {
    const p = planMx(
      Array.from({ length: 30 }, (_, i) => mx(i, `h${i}`)),
      20,
    );
    assert.equal(p.candidates.length, 20);
    assert.equal(p.skipped.filter((s) => s.reason === 'over-limit').length, 10);
  });

  it('shuffleEqualPreferences survives a broken random source', () => {
    const list = [1, 1, 1, 2].map((preference, i) => ({ preference, i }));
    for (const bad of [() => Number.NaN, () => -5, () => 7]) {
      const out = shuffleEqualPreferences(list, bad);
      assert.deepEqual(out.map((x) => x.i).sort(), [0, 1, 2, 3]);
      assert.equal(out[3]!.i, 3);
    }
  });
});
