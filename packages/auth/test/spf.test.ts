import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createResolver, createStaticTransport, type StaticZone } from '@mailroute/dns';
import { checkSpf, createSpfChecker, parseSpfRecord, receivedSpf, type SpfCheckInput } from '../src/index.js';

function resolverFor(zone: StaticZone) {
  return createResolver({
    transport: createStaticTransport(zone),
    retryCount: 1,
    retryBaseWaitMs: 30,
    noHitCacheTtlSeconds: 0,
  });
}

const from = (domain: string, ip = '192.0.2.1'): SpfCheckInput => ({
  ip,
  mailFrom: `user@${domain}`,
  helo: 'mail.client.example',
});

describe('SPF: malformed records give permerror with a reason', () => {
  const bad = [
    'v=spf1 ip4:192.0.2.1/33',
    'v=spf1 ip4:192.0.2',
    'v=spf1 ip6:2001:db8::/129',
    'v=spf1 a:example',
    'v=spf1 include:',
    'v=spf1 exists',
    'v=spf1 foo',
    'v=spf1 all:x',
    'v=spf1 a/024',
    'v=spf1 redirect=a.example redirect=b.example',
    'v=spf1 exp=a.example exp=b.example',
    'v=spf1 a:%{x}.example.com',
    'v=spf1 a:%{c}.example.com',
    'v=spf1 a:%{d0}.example.com',
    'v=spf1 a:%.example.com',
    'v=spf1 unknown=%{',
    'v=spf1 -all \u00e9',
  ];
  for (const text of bad)
    it(JSON.stringify(text), async () => {
      assert.equal(parseSpfRecord(text).ok, false);
      const v = await checkSpf(from('bad.example'), {
        resolver: resolverFor({ 'bad.example': { TXT: [text] } }),
      });
      assert.equal(v.result, 'permerror');
      assert.equal(v.problem?.code, 'SPF_SYNTAX');
      assert.equal(v.problem?.temporary, false);
    });

  it('accepts unknown modifiers and the full grammar', () => {
    const r = parseSpfRecord(
      'v=spf1 a mx/24//64 ptr:%{d} ip4:192.0.2.0/24 ip6:2001:db8::/32 exists:%{ir}.x.example ~all foo=bar',
    );
    assert.ok(r.ok);
    assert.equal(r.record.mechanisms.length, 7);
  });
});

describe('SPF: limits, loops and DNS failures', () => {
  it('an include loop ends in permerror at the 10-term limit', async () => {
    const v = await checkSpf(from('loop.example'), {
      resolver: resolverFor({ 'loop.example': { TXT: ['v=spf1 include:loop.example -all'] } }),
    });
    assert.equal(v.result, 'permerror');
    assert.equal(v.problem?.code, 'SPF_TOO_MANY_LOOKUPS');
    assert.equal(v.dnsTerms, 11);
  });

  it('a third void lookup is a permerror', async () => {
    const v = await checkSpf(from('void.example'), {
      resolver: resolverFor({
        'void.example': { TXT: ['v=spf1 a:n1.void.example a:n2.void.example a:n3.void.example -all'] },
      }),
    });
    assert.equal(v.result, 'permerror');
    assert.equal(v.problem?.code, 'SPF_TOO_MANY_VOID_LOOKUPS');
  });

  it('eleven MX records are a permerror', async () => {
    const MX = Array.from({ length: 11 }, (_, i) => ({ preference: i, exchange: `mx${i}.many.example` }));
    const zone: Record<string, object> = { 'many.example': { TXT: ['v=spf1 mx -all'], MX } };
    for (let i = 0; i < 11; i++) zone[`mx${i}.many.example`] = { A: [`198.51.100.${i}`] };
    const v = await checkSpf(from('many.example'), { resolver: resolverFor(zone as StaticZone) });
    assert.equal(v.result, 'permerror');
    assert.equal(v.problem?.code, 'SPF_TOO_MANY_MX');
  });

  it('a DNS timeout is a temperror, within the time bound', async () => {
    const started = Date.now();
    const v = await checkSpf(from('slow.example'), {
      resolver: resolverFor({ 'slow.example': { fail: 'TIMEOUT' } }),
    });
    assert.equal(v.result, 'temperror');
    assert.equal(v.problem?.temporary, true);
    assert.ok(Date.now() - started < 2000);
  });

  it('the whole-evaluation time limit gives temperror SPF_TIMEOUT', async () => {
    const resolver = createResolver({
      transport: createStaticTransport({
        't.example': { TXT: ['v=spf1 a:slow.t.example -all'] },
        'slow.t.example': { fail: 'TIMEOUT' },
      }),
      retryCount: 3,
      retryBaseWaitMs: 1000,
    });
    const v = await checkSpf(from('t.example'), { resolver, timeoutMs: 100 });
    assert.equal(v.result, 'temperror');
    assert.equal(v.problem?.code, 'SPF_TIMEOUT');
  });

  it('a SERVFAIL on an include is a temperror', async () => {
    const v = await checkSpf(from('inc.example'), {
      resolver: resolverFor({
        'inc.example': { TXT: ['v=spf1 include:broken.example -all'] },
        'broken.example': { fail: 'SERVFAIL' },
      }),
    });
    assert.equal(v.result, 'temperror');
  });

  it('an oversized TXT record is parsed, not a crash', async () => {
    const long = `v=spf1 ${Array.from({ length: 400 }, (_, i) => `ip4:10.${i >> 8}.${i & 255}.0/24`).join(' ')} -all`;
    const v = await checkSpf(from('big.example', '10.1.3.7'), {
      resolver: resolverFor({ 'big.example': { TXT: [long] } }),
    });
    assert.equal(v.result, 'pass');
  });

  it('rejects invalid limits with a RangeError', async () => {
    await assert.rejects(
      checkSpf(from('x.example'), { resolver: resolverFor({}), limits: { maxDnsTerms: 0 } }),
      RangeError,
    );
  });
});

describe('SPF: identities and Received-SPF', () => {
  const zone: StaticZone = {
    'example.com': { TXT: ['v=spf1 ip4:192.0.2.0/24 exp=why.example.com -all'] },
    'why.example.com': { TXT: ['%{i} is not allowed to send for %{d}'] },
    'helo.example.com': { TXT: ['v=spf1 ip6:2001:db8::/32 -all'] },
  };

  it('MAIL FROM pass, with the Received-SPF field', async () => {
    const v = await checkSpf(
      { ip: '192.0.2.7', mailFrom: 'a@example.com', helo: 'helo.example.com' },
      {
        resolver: resolverFor(zone),
        receiver: 'mx.example.org',
      },
    );
    assert.equal(v.result, 'pass');
    assert.equal(v.identity, 'mailfrom');
    assert.equal(
      receivedSpf(v),
      'pass (mx.example.org: domain of a@example.com designates 192.0.2.7 as permitted sender) client-ip=192.0.2.7; envelope-from="a@example.com"; helo=helo.example.com; receiver=mx.example.org; identity=mailfrom; mechanism="ip4:192.0.2.0/24"',
    );
  });

  it('fail carries the expanded exp= explanation', async () => {
    const v = await checkSpf(from('example.com', '198.51.100.9'), { resolver: resolverFor(zone) });
    assert.equal(v.result, 'fail');
    assert.equal(v.explanation, '198.51.100.9 is not allowed to send for example.com');
  });

  it('the null reverse path checks the HELO identity', async () => {
    const v = await checkSpf(
      { ip: '2001:db8::5', mailFrom: '', helo: 'helo.example.com' },
      { resolver: resolverFor(zone) },
    );
    assert.equal(v.identity, 'helo');
    assert.equal(v.result, 'pass');
    assert.match(receivedSpf(v), /identity=helo/);
    assert.doesNotMatch(receivedSpf(v), /envelope-from/);
  });

  it('an IPv4-mapped IPv6 client is checked as IPv4', async () => {
    const v = await checkSpf(from('example.com', '::ffff:192.0.2.9'), { resolver: resolverFor(zone) });
    assert.equal(v.result, 'pass');
  });

  it('a bad client address is a permerror, a bad domain is none', async () => {
    const a = await checkSpf(from('example.com', 'not-an-ip'), { resolver: resolverFor(zone) });
    assert.equal(a.result, 'permerror');
    const b = await checkSpf(
      { ip: '192.0.2.1', mailFrom: 'x@[192.0.2.1]', helo: 'h' },
      { resolver: resolverFor(zone) },
    );
    assert.equal(b.result, 'none');
  });

  it('Received-SPF quotes values and keeps comments balanced', async () => {
    const v = await checkSpf(
      { ip: '192.0.2.1', mailFrom: '"a b(c"@example.com', helo: 'h)' },
      {
        resolver: resolverFor(zone),
      },
    );
    const field = receivedSpf(v);
    assert.match(field, /envelope-from="\\"a b\(c\\"@example.com"/);
    const comment = field.slice(field.indexOf('('), field.indexOf(')') + 1);
    assert.equal(comment.split('(').length, 2);
  });
});

describe('SPF: the reusable checker', () => {
  it('gives the same verdicts as checkSpf, evaluation after evaluation', async () => {
    const zone: StaticZone = {
      'c.example': { TXT: ['v=spf1 include:_i.c.example -all'] },
      '_i.c.example': { TXT: ['v=spf1 ip4:192.0.2.0/24 ~all'] },
    };
    const resolver = resolverFor(zone);
    const checker = createSpfChecker({ resolver, parsedRecordCacheSize: 1 });
    for (const ip of ['192.0.2.1', '198.51.100.1', '192.0.2.1', '2001:db8::1']) {
      const a = await checker.check(from('c.example', ip));
      const b = await checkSpf(from('c.example', ip), { resolver });
      assert.deepEqual(a, b);
    }
  });

  it('refuses a negative cache size', () => {
    assert.throws(
      () => createSpfChecker({ resolver: resolverFor({}), parsedRecordCacheSize: -1 }),
      RangeError,
    );
  });
});
