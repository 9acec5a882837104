/**
 * End to end against a real authoritative server: Knot DNS from Debian, on 127.0.0.1, serving zones
 * written by the test. Skips when knotd is absent, except under CI where it must be installed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createNodeResolverTransport, createResolver, type MailResolver } from '@mailroute/dns';
import type { Clock } from '@mailroute/envelope';
import { findKnotd, type KnotServer, startKnot } from '@mailroute/test-support';

/** What a not-found (NXDOMAIN, NODATA, ...) rejects with: the SDK's error shape, not temporary. */
const NOT_FOUND = { name: 'DnsError', temporary: false };

const knotd = findKnotd();
if (!knotd && process.env.CI)
  throw new Error('knotd is required under CI (Debian package knot, .ci/apt-packages.txt)');
const skip = knotd ? false : 'knotd not installed (apt-get install knot); skipping the real DNS server tests';

const hugeStrings = Array.from({ length: 16 }, (_, i) => `"${String(i).padStart(2, '0')}${'x'.repeat(198)}"`);

const zones = {
  'mail.test': `$ORIGIN mail.test.
$TTL 300
@ SOA ns hostmaster 1 3600 600 86400 60
@ NS ns
ns A 127.0.0.1
equal MX 10 mx1.equal
equal MX 10 mx2.equal
equal MX 10 mx3.equal
mx1.equal A 192.0.2.1
mx2.equal A 192.0.2.2
mx3.equal A 192.0.2.3
ranked MX 20 backup.ranked
ranked MX 10 primary.ranked
primary.ranked A 192.0.2.10
primary.ranked AAAA 2001:db8::10
backup.ranked A 192.0.2.20
nullmx MX 0 .
nomx A 192.0.2.30
nomx AAAA 2001:db8::30
alias CNAME ranked
cnamemx MX 10 mxalias.cnamemx
mxalias.cnamemx CNAME real.cnamemx
real.cnamemx A 192.0.2.40
spf TXT "v=spf1 ip4:192.0.2.0/24 " "include:_spf.mail.test " "-all"
sel._domainkey TXT "v=DKIM1; k=ed25519; " "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
huge TXT ${hugeStrings.join(' ')}
short 2 A 192.0.2.99
`,
  '2.0.192.in-addr.arpa': `$ORIGIN 2.0.192.in-addr.arpa.
$TTL 300
@ SOA ns.mail.test. hostmaster.mail.test. 1 3600 600 86400 60
@ NS ns.mail.test.
10 PTR primary.ranked.mail.test.
`,
  'bl.test': `$ORIGIN bl.test.
$TTL 300
@ SOA ns.mail.test. hostmaster.mail.test. 1 3600 600 86400 60
@ NS ns.mail.test.
2.0.0.127 A 127.0.0.2
2.0.0.127 TXT "Listed by bl.test: " "see http://bl.test/127.0.0.2"
1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2 A 127.0.0.10
`,
};

describe('against Knot DNS on 127.0.0.1', { skip }, () => {
  let knot: KnotServer;
  let resolver: MailResolver;
  before(async () => {
    knot = await startKnot(knotd!, zones, 'ns.mail.test');
    resolver = createResolver({ servers: [knot.server], retryBaseWaitMs: 200 });
  });
  after(async () => {
    await knot?.stop();
  });

  it('orders MX by preference with addresses (A then AAAA) per host', async () => {
    const r = await resolver.resolveMx('ranked.mail.test');
    assert.deepEqual(
      r.hosts.map((h) => [h.exchange, h.preference]),
      [
        ['primary.ranked.mail.test', 10],
        ['backup.ranked.mail.test', 20],
      ],
    );
    assert.deepEqual(r.addresses, ['192.0.2.10', '2001:db8::10', '192.0.2.20']);
  });

  it('shuffles an equal-preference MX set with the injected random source', async () => {
    const firsts = new Set<string>();
    for (const seed of [0, 0.34, 0.67, 0.99]) {
      const rr = createResolver({ servers: [knot.server], random: () => seed });
      const r = await rr.resolveMx('equal.mail.test');
      assert.deepEqual([...r.addresses].sort(), ['192.0.2.1', '192.0.2.2', '192.0.2.3']);
      firsts.add(r.hosts[0]!.exchange);
    }
    assert.ok(firsts.size >= 2, `different random values put different hosts first (${[...firsts]})`);
  });

  it('reports a null MX as a permanent "does not accept mail"', async () => {
    await assert.rejects(resolver.resolveMx('nullmx.mail.test'), { code: 'ENULLMX', temporary: false });
  });

  it('falls back to the address of a domain without MX', async () => {
    const r = await resolver.resolveMx('nomx.mail.test');
    assert.equal(r.implicit, true);
    assert.deepEqual(r.addresses, ['192.0.2.30', '2001:db8::30']);
  });

  it('follows CNAMEs at the domain and at the exchange', async () => {
    assert.deepEqual((await resolver.resolveMx('alias.mail.test')).addresses, [
      '192.0.2.10',
      '2001:db8::10',
      '192.0.2.20',
    ]);
    assert.deepEqual((await resolver.resolveMx('cnamemx.mail.test')).addresses, ['192.0.2.40']);
  });

  it('reads PTR, and TXT split into several strings joined', async () => {
    assert.deepEqual(await resolver.resolvePtr('192.0.2.10'), ['primary.ranked.mail.test']);
    assert.deepEqual(await resolver.resolveTxt('spf.mail.test'), [
      'v=spf1 ip4:192.0.2.0/24 include:_spf.mail.test -all',
    ]);
    assert.deepEqual(await resolver.resolveTxt('sel._domainkey.mail.test'), [
      'v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=',
    ]);
  });

  it('gets a TXT record too big for UDP over TCP (TC fallback)', async () => {
    const [txt] = await resolver.resolveTxt('huge.mail.test');
    assert.equal(txt!.length, 16 * 200);
    assert.ok(txt!.startsWith('00xxx') && txt!.includes('15xxx'));
  });

  it('queries the DNSBL zone for IPv4 and IPv6', async () => {
    const listed = await resolver.queryDnsbl('127.0.0.2', 'bl.test');
    assert.deepEqual(listed.codes, ['127.0.0.2']);
    assert.equal(listed.reason, 'Listed by bl.test: see http://bl.test/127.0.0.2');
    assert.equal((await resolver.queryDnsbl('192.0.2.1', 'bl.test')).listed, false);
    assert.deepEqual((await resolver.queryDnsbl('2001:db8::1', 'bl.test')).codes, ['127.0.0.10']);
  });

  it('keeps NXDOMAIN in the negative cache: the second lookup sends nothing', async () => {
    const r = createResolver({ servers: [knot.server] });
    await assert.rejects(r.resolveA('nosuch.mail.test'), { code: 'ENOTFOUND', rcode: 'NXDOMAIN' });
    await assert.rejects(r.resolveA('nosuch.mail.test'), NOT_FOUND);
    await assert.rejects(r.resolveA('spf.mail.test'), { code: 'ENODATA', rcode: 'NODATA' });
    assert.equal(r.stats().queries, 2);
    assert.equal(r.stats().negativeHits, 1);
  });

  it('honours the served TTL (2 s) on the injected clock', async () => {
    let offset = 0;
    const clock: Clock = {
      now: () => Date.now() + offset,
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
    };
    const r = createResolver({ servers: [knot.server], clock });
    await r.resolveA('short.mail.test');
    await r.resolveA('short.mail.test');
    assert.equal(r.stats().queries, 1);
    offset += 2001;
    await r.resolveA('short.mail.test');
    assert.equal(r.stats().queries, 2);
  });

  it('works the same over node dns.promises.Resolver as the transport', async () => {
    const r = createResolver({ transport: createNodeResolverTransport({ servers: [knot.server] }) });
    assert.deepEqual((await r.resolveMx('ranked.mail.test')).addresses, [
      '192.0.2.10',
      '2001:db8::10',
      '192.0.2.20',
    ]);
    await assert.rejects(r.resolveA('nosuch.mail.test'), { rcode: 'NXDOMAIN' });
    await assert.rejects(r.resolveA('spf.mail.test'), { rcode: 'NODATA' });
    await assert.rejects(r.resolveMx('nullmx.mail.test'), { code: 'ENULLMX' });
    assert.deepEqual(await r.resolveTxt('spf.mail.test'), [
      'v=spf1 ip4:192.0.2.0/24 include:_spf.mail.test -all',
    ]);
  });
});
