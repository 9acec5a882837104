import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isMailrouteError } from '@mailroute/envelope';
import { FakeClock } from '@mailroute/testing';
import {
  createHostsTable,
  createResolver,
  createStaticTransport,
  DnsError,
  isDnsError,
  parseHostsFile,
  type StaticZone,
} from '../src/index.js';
import { addressLiteral, normalizeName, reverseName } from '../src/wire-entry.js';

/** What a not-found (NXDOMAIN, NODATA, ...) rejects with: the SDK's error shape, not temporary. */
const NOT_FOUND = { name: 'DnsError', temporary: false };
/** What a temporary failure rejects with. */
const TEMPORARY = { name: 'DnsError', temporary: true };

const zone: StaticZone = {
  'dual.example': { A: ['192.0.2.1'] },
  'spf.example': { TXT: [['v=spf1 ip4:192.0.2.0/24 ', 'include:_spf.example ', '-all'], 'other'] },
  '1.2.0.192.in-addr.arpa': { PTR: ['mail.example.'] },
  '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa': { PTR: ['v6.example'] },
  '2.0.0.127.bl.example': {
    A: ['127.0.0.2', '127.0.0.4'],
    TXT: [['Listed: ', 'see https://bl.example/q?2']],
  },
  '3.0.0.127.bl.example': { A: ['127.0.0.3'] },
  '4.0.0.127.bl.example': { A: ['198.51.100.1'] },
  '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.example': { A: ['127.0.0.10'] },
  '9.0.0.127.bl.example': { fail: 'SERVFAIL' },
  'down.example': { fail: 'SERVFAIL' },
  'two  spaces%20here.example': { A: ['192.0.2.7'], TXT: ['spaced'] },
};

function setup(extra: Parameters<typeof createResolver>[0] = {}) {
  const clock = new FakeClock();
  const transport = createStaticTransport(zone);
  return { transport, resolver: createResolver({ transport, clock, retryCount: 1, ...extra }) };
}

describe('rawName: a name queried as built (an SPF domain-spec after macro expansion)', () => {
  it('asks for a name with spaces only when the lookup says rawName', async () => {
    const { resolver, transport } = setup();
    const name = 'Two  spaces%20here.example';
    await assert.rejects(resolver.resolveA(name), { code: 'EBADNAME', temporary: false });
    assert.equal(transport.queries.length, 0);
    assert.deepEqual(await resolver.resolveA(name, { rawName: true }), ['192.0.2.7']);
    assert.deepEqual(await resolver.resolveTxt(name, { rawName: true }), ['spaced']);
    assert.deepEqual(transport.queries, ['A two  spaces%20here.example', 'TXT two  spaces%20here.example']);
  });

  it('still refuses control characters, empty and over-long labels with rawName', async () => {
    const { resolver, transport } = setup();
    for (const bad of [
      'a\r\nb.example',
      'a\u0000.example',
      'a\tb.example',
      'a..b',
      `${'x'.repeat(64)}.example`,
      '',
    ])
      await assert.rejects(resolver.resolveTxt(bad, { rawName: true }), {
        code: 'EBADNAME',
        temporary: false,
      });
    assert.equal(transport.queries.length, 0);
  });
});

describe('TXT, PTR', () => {
  it('joins the character-strings of each TXT record', async () => {
    const { resolver } = setup();
    assert.deepEqual(await resolver.resolveTxt('spf.example'), [
      'v=spf1 ip4:192.0.2.0/24 include:_spf.example -all',
      'other',
    ]);
  });

  it('builds the reverse name from an IPv4 or IPv6 address', async () => {
    const { resolver, transport } = setup();
    assert.deepEqual(await resolver.resolvePtr('192.0.2.1'), ['mail.example']);
    assert.deepEqual(await resolver.resolvePtr('2001:db8::1'), ['v6.example']);
    assert.deepEqual(await resolver.resolvePtr('1.2.0.192.in-addr.arpa'), ['mail.example']);
    assert.equal(transport.queries[0], 'PTR 1.2.0.192.in-addr.arpa');
  });

  it('rejects names that are not domain names without asking upstream', async () => {
    const { resolver, transport } = setup();
    for (const bad of [
      '',
      '.',
      'a..b',
      `${'x'.repeat(64)}.example`,
      'a b.example',
      `${'abcdefghi.'.repeat(26)}x`,
    ]) {
      await assert.rejects(resolver.resolveTxt(bad), {
        name: 'DnsError',
        temporary: false,
        code: 'EBADNAME',
        rcode: 'BADNAME',
      });
    }
    assert.equal(transport.queries.length, 0);
  });
});

describe('queryDnsbl (RFC 5782)', () => {
  it('returns the codes and the TXT reason of a listed address', async () => {
    const { resolver, transport } = setup();
    const r = await resolver.queryDnsbl('127.0.0.2', 'bl.example');
    assert.deepEqual(r, {
      zone: 'bl.example',
      query: '2.0.0.127.bl.example',
      listed: true,
      codes: ['127.0.0.2', '127.0.0.4'],
      reason: 'Listed: see https://bl.example/q?2',
      ignored: [],
    });
    assert.deepEqual(transport.queries, ['A 2.0.0.127.bl.example', 'TXT 2.0.0.127.bl.example']);
  });

  it('is listed without a reason when the list publishes no TXT', async () => {
    const { resolver } = setup();
    const r = await resolver.queryDnsbl('127.0.0.3', 'bl.example');
    assert.equal(r.listed, true);
    assert.equal(r.reason, undefined);
  });

  it('is not listed on NXDOMAIN, and answers outside 127/8 are not listings', async () => {
    const { resolver } = setup();
    assert.equal((await resolver.queryDnsbl('192.0.2.200', 'bl.example')).listed, false);
    const odd = await resolver.queryDnsbl('127.0.0.4', 'bl.example');
    assert.equal(odd.listed, false);
    assert.deepEqual(odd.ignored, ['198.51.100.1']);
  });

  it('uses nibble-reversed names for IPv6', async () => {
    const { resolver } = setup();
    const r = await resolver.queryDnsbl('2001:db8::1', 'bl.example');
    assert.deepEqual(r.codes, ['127.0.0.10']);
  });

  it('throws a temporary error when the list fails, and a typed error for a bad address', async () => {
    const { resolver } = setup();
    await assert.rejects(resolver.queryDnsbl('127.0.0.9', 'bl.example'), TEMPORARY);
    await assert.rejects(resolver.queryDnsbl('not-an-ip', 'bl.example'), { code: 'EBADNAME' });
  });
});

describe('Host name lookup order', () => {
  const hosts = createHostsTable({ 'dual.example': ['10.0.0.1'], 'local.example': ['10.0.0.2', 'fd00::2'] });

  it('dns-then-local (default): DNS first, the table when DNS has nothing', async () => {
    const { resolver } = setup({ hosts });
    assert.deepEqual(await resolver.resolveA('dual.example'), ['192.0.2.1']);
    assert.deepEqual(await resolver.resolveA('local.example'), ['10.0.0.2']);
    assert.deepEqual(await resolver.resolveAaaa('local.example'), ['fd00::2']);
    assert.equal(resolver.stats().hostsTableHits, 2);
  });

  it('dns-then-local keeps a temporary DNS failure when the table has nothing', async () => {
    const { resolver } = setup({ hosts });
    await assert.rejects(resolver.resolveA('down.example'), TEMPORARY);
  });

  it('local-then-dns: the table first', async () => {
    const { resolver, transport } = setup({ hosts, hostLookupOrder: 'local-then-dns' });
    assert.deepEqual(await resolver.resolveA('dual.example'), ['10.0.0.1']);
    assert.equal(transport.queries.length, 0);
  });

  it('dns-only and local-only', async () => {
    const dnsOnly = setup({ hosts, hostLookupOrder: 'dns-only' }).resolver;
    await assert.rejects(dnsOnly.resolveA('local.example'), NOT_FOUND);
    const localOnly = setup({ hosts, hostLookupOrder: 'local-only' });
    assert.deepEqual(await localOnly.resolver.resolveA('local.example'), ['10.0.0.2']);
    await assert.rejects(localOnly.resolver.resolveA('nothere.example.'), { code: 'ENOTFOUND' });
    assert.equal(localOnly.transport.queries.length, 0);
  });

  it('MX hosts use the same order', async () => {
    const clock = new FakeClock();
    const transport = createStaticTransport({
      'm.example': { MX: [{ preference: 1, exchange: 'relay.internal' }] },
    });
    const resolver = createResolver({
      transport,
      clock,
      retryCount: 1,
      hosts: createHostsTable({ 'relay.internal': ['10.1.1.1'] }),
    });
    assert.deepEqual((await resolver.resolveMx('m.example')).addresses, ['10.1.1.1']);
  });

  it('parses a hosts file, skipping comments and malformed lines', () => {
    const t = parseHostsFile(
      '# comment\n127.0.0.1 localhost\n::1 localhost ip6-localhost\nbogus line here\n192.0.2.9 Gw.Example gw # x\nfe80::1%eth0 ll\n\n',
    );
    assert.deepEqual(t.lookup('localhost', 'A'), ['127.0.0.1']);
    assert.deepEqual(t.lookup('localhost', 'AAAA'), ['::1']);
    assert.deepEqual(t.lookup('gw.example', 'A'), ['192.0.2.9']);
    assert.deepEqual(t.lookup('gw', 'A'), ['192.0.2.9']);
    assert.deepEqual(t.lookup('ll', 'AAAA'), ['fe80::1']);
    assert.deepEqual(t.lookup('bogus', 'A'), []);
  });
});

describe('errors and SMTP reply classes', () => {
  it('maps final failures to 5xx and temporary ones to 4xx', () => {
    const nx = new DnsError('ENOTFOUND', { qname: 'x.example', qtype: 'MX', rcode: 'NXDOMAIN' });
    assert.equal(nx.temporary, false);
    assert.equal(nx.code, 'ENOTFOUND');
    assert.equal(
      nx.reply.toString(),
      '550 5.1.2 Bad destination system address: x.example (no such domain)\r\n',
    );
    assert.equal(nx.reply.isPermanent, true);
    const t = new DnsError('ESERVFAIL', { qname: 'x.example', qtype: 'MX', rcode: 'SERVFAIL', attempts: 4 });
    assert.equal(t.code, 'ESERVFAIL');
    assert.equal(t.temporary, true);
    assert.equal(t.reply.code, 451);
    assert.equal(t.reply.enhanced, '4.4.3');
    assert.equal(t.reply.isTransient, true);
    assert.match(t.message, /SERVFAIL.*4 attempt/);
  });

  it('has the SDK error shape, told apart by code and temporary, never by class', async () => {
    const resolver = createResolver({
      transport: createStaticTransport({ 'down.example': { fail: 'REFUSED' } }),
    });
    const error = await resolver.resolveA('nope.example').catch((e: unknown) => e);
    assert.ok(isMailrouteError(error) && error instanceof Error);
    assert.deepEqual([error.code, error.temporary, error.name], ['ENOTFOUND', false, 'DnsError']);
    const refused = await resolver.resolveA('down.example', {}).catch((e: unknown) => e);
    assert.ok(isDnsError(refused));
    assert.deepEqual([refused.code, refused.temporary, refused.rcode], ['EREFUSED', true, 'REFUSED']);
    // A copy from another installed version of the package is a different class with the same shape.
    const copy = { ...refused, name: 'DnsError', message: refused.message };
    assert.equal(isDnsError(copy), true);
    assert.equal(isDnsError({ code: 'ENOTFOUND', message: 'x', temporary: false }), false, 'no qname');
    assert.equal(isDnsError({ code: 'EPERM', message: 'x', temporary: false, qname: 'a' }), false);
  });
});

describe('options', () => {
  it('rejects bad limits instead of treating them as "no limit"', () => {
    const transport = createStaticTransport({});
    for (const bad of [
      { retryCount: 0 },
      { retryCount: Number.NaN },
      { retryCount: 11 },
      { retryCount: '4' as unknown as number },
      { noHitCacheTtlSeconds: -1 },
      { cacheMaxEntries: 0 },
      { retryBaseWaitMs: 0.5 },
      { minTtlSeconds: 10, maxTtlSeconds: 5 },
      { hostLookupOrder: 'dynamic' as 'dns-only' },
    ]) {
      assert.throws(() => createResolver({ transport, ...bad }), RangeError, JSON.stringify(bad));
    }
  });
});

describe('names', () => {
  it('normalizes and validates', () => {
    assert.equal(normalizeName('Example.COM.'), 'example.com');
    assert.equal(normalizeName('a..b'), undefined);
    assert.equal(normalizeName('x\u0000y'), undefined);
  });

  it('reverses IPv4 and IPv6 (including an embedded IPv4 tail)', () => {
    assert.equal(reverseName('192.0.2.1'), '1.2.0.192.in-addr.arpa');
    assert.equal(
      reverseName('::ffff:192.0.2.1', 'z'),
      '1.0.2.0.0.0.0.c.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.z',
    );
    assert.equal(reverseName('2001:db8::', 'z')?.split('.').length, 33);
    assert.equal(reverseName('example.com'), undefined);
  });

  it('reads RFC 5321 address literals', () => {
    assert.equal(addressLiteral('[192.0.2.1]'), '192.0.2.1');
    assert.equal(addressLiteral('[IPv6:2001:DB8::1]'), '2001:db8::1');
    assert.equal(addressLiteral('[2001:db8::1]'), undefined);
    assert.equal(addressLiteral('[300.1.1.1]'), undefined);
    assert.equal(addressLiteral('example.com'), undefined);
  });
});
