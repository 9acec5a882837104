import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDnsError } from '@mailroute/dns';
import { compilePolicy, createPolicyGatherer } from '@mailroute/relay-policy';
import { createFakeZone, FakeClock, ZoneDeclarationError } from '../src/index.js';

const signal = new AbortController().signal;
const ask = (
  zone: ReturnType<typeof createFakeZone>,
  name: string,
  type: 'A' | 'AAAA' | 'MX' | 'TXT' | 'PTR' | 'CNAME',
) => zone.query({ name, type }, { signal, attempt: 0 });

describe('fake zone: answers', () => {
  const zone = createFakeZone({
    'example.com': {
      MX: [
        [10, 'mx.example.com'],
        [20, 'mx2.example.com.'],
      ],
      TXT: ['v=spf1 -all'],
      A: ['192.0.2.1'],
    },
    'mx.example.com': { A: ['192.0.2.10'], AAAA: ['2001:DB8::10'] },
    'mx2.example.com': { A: ['192.0.2.20'] },
    'a.b.deep.example': { A: ['192.0.2.30'] },
    'www.example.com': { CNAME: 'example.com' },
    'empty.example': {},
    'gone.example': 'NXDOMAIN',
    'broken.example': 'SERVFAIL',
    'refused.example': 'REFUSED',
    'big.example': 'TRUNCATED',
    'half.example': { A: ['192.0.2.40'], MX: 'SERVFAIL' },
    '192.0.2.10': { PTR: ['mx.example.com'] },
    'Upper.Example.': { TXT: [['part one ', 'part two']] },
  });

  it('answers records of the asked type, names lower-cased and without the trailing dot', async () => {
    const mx = await ask(zone, 'EXAMPLE.com.', 'MX');
    assert.equal(mx.rcode, 'NOERROR');
    assert.deepEqual(
      mx.records.map((r) => (r.type === 'MX' ? [r.preference, r.exchange, r.ttl] : r)),
      [
        [10, 'mx.example.com', 300],
        [20, 'mx2.example.com', 300],
      ],
    );
    const aaaa = await ask(zone, 'mx.example.com', 'AAAA');
    assert.deepEqual(
      aaaa.records.map((r) => (r.type === 'AAAA' ? r.address : '')),
      ['2001:db8::10'],
    );
    const txt = await ask(zone, 'upper.example', 'TXT');
    assert.deepEqual(
      txt.records.map((r) => (r.type === 'TXT' ? r.strings : [])),
      [['part one ', 'part two']],
    );
  });

  it('tells NXDOMAIN from NODATA, including empty non-terminals and names declared empty', async () => {
    assert.equal((await ask(zone, 'nowhere.example', 'A')).rcode, 'NXDOMAIN');
    assert.equal((await ask(zone, 'gone.example', 'MX')).rcode, 'NXDOMAIN');
    assert.equal((await ask(zone, 'example.com', 'AAAA')).rcode, 'NODATA');
    assert.equal((await ask(zone, 'empty.example', 'MX')).rcode, 'NODATA');
    assert.equal((await ask(zone, 'deep.example', 'A')).rcode, 'NODATA');
    assert.equal((await ask(zone, 'b.deep.example', 'TXT')).rcode, 'NODATA');
  });

  it('follows a CNAME and answers the CNAME itself when asked for it', async () => {
    const a = await ask(zone, 'www.example.com', 'A');
    assert.deepEqual(
      a.records.map((r) => r.type),
      ['CNAME', 'A'],
    );
    const c = await ask(zone, 'www.example.com', 'CNAME');
    assert.deepEqual(
      c.records.map((r) => (r.type === 'CNAME' ? r.target : '')),
      ['example.com'],
    );
  });

  it('a CNAME to a name that does not exist is NXDOMAIN, with the alias in the answer', async () => {
    const z = createFakeZone({ 'alias.example': { CNAME: 'missing.example' } });
    const a = await ask(z, 'alias.example', 'A');
    assert.equal(a.rcode, 'NXDOMAIN');
    assert.deepEqual(
      a.records.map((r) => (r.type === 'CNAME' ? r.target : '')),
      ['missing.example'],
    );
    await assert.rejects(z.resolver().resolveA('alias.example'), (e) => isDnsError(e) && !e.temporary);
  });

  it('fails names and single types as declared', async () => {
    assert.equal((await ask(zone, 'broken.example', 'A')).rcode, 'SERVFAIL');
    assert.equal((await ask(zone, 'refused.example', 'A')).rcode, 'REFUSED');
    const truncated = await ask(zone, 'big.example', 'TXT');
    assert.equal(truncated.rcode, 'BADRESPONSE');
    assert.match(truncated.detail ?? '', /truncated/);
    assert.equal((await ask(zone, 'half.example', 'MX')).rcode, 'SERVFAIL');
    assert.equal((await ask(zone, 'half.example', 'A')).rcode, 'NOERROR');
  });

  it('stores PTR records declared at an IP address under the reverse name', async () => {
    const ptr = await ask(zone, '10.2.0.192.in-addr.arpa', 'PTR');
    assert.deepEqual(
      ptr.records.map((r) => (r.type === 'PTR' ? r.target : '')),
      ['mx.example.com'],
    );
  });

  it('records every question in order', async () => {
    const z = createFakeZone({ 'x.example': { A: ['192.0.2.1'] } });
    await ask(z, 'X.example.', 'A');
    await ask(z, 'y.example', 'MX');
    assert.deepEqual(z.queryLog(), ['A x.example', 'MX y.example']);
    assert.deepEqual(z.queries[1], { type: 'MX', name: 'y.example' });
    z.clearQueries();
    assert.deepEqual(z.queryLog(), []);
  });

  it('set() and remove() change the zone while a test runs', async () => {
    const z = createFakeZone({});
    assert.equal((await ask(z, 'late.example', 'A')).rcode, 'NXDOMAIN');
    z.set('late.example', { A: ['192.0.2.9'] });
    assert.equal((await ask(z, 'late.example', 'A')).rcode, 'NOERROR');
    z.remove('late.example');
    assert.equal((await ask(z, 'late.example', 'A')).rcode, 'NXDOMAIN');
    assert.throws(() => z.set('late.example', { A: ['nope'] }), ZoneDeclarationError);
  });
});

describe('fake zone: wildcards (RFC 4592)', () => {
  const zone = createFakeZone({
    '*.zen.example': { A: ['127.0.0.2'], TXT: ['listed'] },
    'clean.zen.example': {},
    'x.sub.zen.example': { A: ['192.0.2.1'] },
    '*.mail.example': 'SERVFAIL',
  });

  it('answers for names that do not exist, under the owner asked about', async () => {
    const a = await ask(zone, '9.113.0.203.zen.example', 'A');
    assert.equal(a.rcode, 'NOERROR');
    assert.deepEqual(
      a.records.map((r) => [r.name, r.type === 'A' ? r.address : '']),
      [['9.113.0.203.zen.example', '127.0.0.2']],
    );
    assert.equal((await ask(zone, 'other.zen.example', 'MX')).rcode, 'NODATA');
  });

  it('does not cover names that exist, nor below an existing closer encloser', async () => {
    assert.equal((await ask(zone, 'clean.zen.example', 'A')).rcode, 'NODATA');
    assert.equal((await ask(zone, 'sub.zen.example', 'A')).rcode, 'NODATA', 'an empty non-terminal exists');
    assert.equal(
      (await ask(zone, 'y.sub.zen.example', 'A')).rcode,
      'NXDOMAIN',
      'sub.zen.example is the closest encloser',
    );
    assert.equal((await ask(zone, 'zen.example', 'A')).rcode, 'NODATA');
    assert.equal((await ask(zone, 'a.mail.example', 'A')).rcode, 'SERVFAIL');
  });

  it('refuses a star that is not a whole first label', () => {
    for (const bad of ['a.*.example', '*x.example', 'x*.example']) {
      assert.throws(() => createFakeZone({ [bad]: {} }), /a wildcard is a whole first label only/);
    }
  });

  it('a DNS list zone in one line: every address listed', async () => {
    const dns = zone.policyDns();
    assert.deepEqual(await dns.queryDnsList('203.0.113.9', 'zen.example'), {
      site: 'zen.example',
      result: 'listed',
      codes: ['127.0.0.2'],
    });
  });
});

describe('fake zone: under the real resolver', () => {
  const zone = createFakeZone({
    'example.com': { MX: [[10, 'mx.example.com']] },
    'mx.example.com': { A: ['192.0.2.10'] },
    'gone.example': 'NXDOMAIN',
    'broken.example': 'SERVFAIL',
    'slow.example': 'TIMEOUT',
    'big.example': 'TRUNCATED',
    'sel._domainkey.example.com': { TXT: ['v=DKIM1; p=abc'] },
    '2.0.0.127.zen.example': { A: ['127.0.0.2'] },
    '198.51.100.7': { PTR: ['relay.stranger.example'] },
    'relay.stranger.example': { A: ['198.51.100.7'] },
  });

  it('resolves MX and reports typed not-found and temporary errors', async () => {
    const resolver = zone.resolver();
    const mx = await resolver.resolveMx('example.com');
    assert.deepEqual(mx.addresses, ['192.0.2.10']);
    await assert.rejects(resolver.resolveMx('gone.example'), (e) => isDnsError(e) && !e.temporary);
    await assert.rejects(resolver.resolveA('broken.example'), (e) => isDnsError(e) && e.temporary);
    await assert.rejects(resolver.resolveTxt('big.example'), (e) => isDnsError(e) && e.temporary);
  });

  it('a TIMEOUT name never answers: the resolver gives up on the fake clock', async () => {
    const clock = new FakeClock();
    const resolver = zone.resolver({ clock, retryCount: 2, retryBaseWaitMs: 1000 });
    let settled: unknown;
    const pending = resolver.resolveA('slow.example').then(
      () => 'answered',
      (e: unknown) => e,
    );
    void pending.then((v) => {
      settled = v;
    });
    await clock.advance(999);
    assert.equal(settled, undefined, 'still waiting before the first wait is over');
    await clock.advance(1 + 2000);
    const failure = await pending;
    assert.ok(isDnsError(failure) && failure.temporary);
    assert.deepEqual(clock.delays.slice(0, 2), [1000, 2000], 'Domino retry doubling');
  });

  it('keyLookup answers the DKIM verifier: joined TXT strings, not-found marked not temporary', async () => {
    const lookup = zone.keyLookup();
    assert.deepEqual(await lookup('sel._domainkey.example.com'), ['v=DKIM1; p=abc']);
    await assert.rejects(
      lookup('none._domainkey.example.com'),
      (e: { temporary?: boolean }) => e.temporary === false,
    );
  });

  it('policyDns feeds relay-policy’s gatherer: PTR confirmed, DNSBL listed, domain existence', async () => {
    const dns = zone.policyDns();
    assert.deepEqual(await dns.lookupPtr('198.51.100.7'), {
      result: 'found',
      names: ['relay.stranger.example'],
    });
    assert.deepEqual(await dns.queryDnsList('127.0.0.2', 'zen.example'), {
      site: 'zen.example',
      result: 'listed',
      codes: ['127.0.0.2'],
    });
    assert.deepEqual(await dns.queryDnsList('127.0.0.3', 'zen.example'), {
      site: 'zen.example',
      result: 'none',
    });
    assert.equal(await dns.domainExists('example.com', 1000), 'found');
    assert.equal(await dns.domainExists('gone.example', 1000), 'none');
    assert.equal(await dns.domainExists('broken.example', 1000), 'temperror');
    const { policy } = compilePolicy({
      dnsBlacklist: { enabled: true, sites: ['zen.example'], action: 'reject' },
    });
    const gatherer = createPolicyGatherer({ policy, dns });
    const listed = await gatherer.connect({ ip: '127.0.0.2' });
    assert.equal(listed.decision.action, 'reject');
    const clean = await gatherer.connect({ ip: '198.51.100.7' });
    assert.equal(clean.decision.action, 'accept');
  });
});

describe('fake zone: malformed declarations are refused, naming the record', () => {
  const cases: [string, unknown, RegExp][] = [
    [
      'MX preference not a number',
      { 'example.com': { MX: [['ten', 'mx.example.com']] } },
      /'example.com' MX\[0\]: preference/,
    ],
    [
      'MX not a pair',
      { 'example.com': { MX: ['mx.example.com'] } },
      /'example.com' MX\[0\]: must be \[preference, host\]/,
    ],
    [
      'MX to an IP address',
      { 'example.com': { MX: [[10, '192.0.2.1']] } },
      /MX\[0\]: exchange must be a host name/,
    ],
    [
      'bad IPv4',
      { 'example.com': { A: ['192.0.2.1', '300.1.1.1'] } },
      /'example.com' A\[1\]: must be an IPv4 address/,
    ],
    ['IPv4 in AAAA', { 'example.com': { AAAA: ['192.0.2.1'] } }, /AAAA\[0\]: must be an IPv6 address/],
    ['unknown type', { 'example.com': { SPF: ['v=spf1'] } }, /'example.com' SPF: unknown record type/],
    ['unknown failure', { 'x.example': 'NXDOMIAN' }, /'x.example': unknown failure 'NXDOMIAN'/],
    [
      'unknown type failure',
      { 'x.example': { A: 'NXDOMAIN' } },
      /'x.example' A: must be a list of records or one of/,
    ],
    ['bad name', { 'bad..name': { A: ['192.0.2.1'] } }, /'bad..name': is not a domain name/],
    [
      'CNAME with others',
      { 'x.example': { CNAME: 'y.example', A: ['192.0.2.1'] } },
      /CNAME: a name with a CNAME has no other records/,
    ],
    [
      'TXT string too long in a list',
      { 'x.example': { TXT: [['a'.repeat(256)]] } },
      /TXT\[0\]: character-string 0 is over 255 octets/,
    ],
    ['TXT not a string', { 'x.example': { TXT: [42] } }, /TXT\[0\]: must be a string/],
    ['bad ttl', { 'x.example': { ttl: -1, A: [] } }, /'x.example' ttl: must be an integer/],
    ['a name twice', { 'x.example': {}, 'X.EXAMPLE.': {} }, /'X.EXAMPLE.': declares x.example a second time/],
    ['not an object', { 'x.example': 42 }, /must be a record object or a failure word/],
    ['null zone', null, /zone: must be an object/],
  ];
  for (const [title, declaration, message] of cases) {
    it(title, () => {
      assert.throws(
        () => createFakeZone(declaration as never),
        (e: unknown) =>
          e instanceof ZoneDeclarationError && e.code === 'TESTING_BAD_ZONE' && message.test(e.message),
      );
    });
  }

  it('lists every problem at once', () => {
    try {
      createFakeZone({ 'a.example': { A: ['x'] }, 'b.example': { MX: [[70000, 'mx.b.example']] } } as never);
      assert.fail('no error');
    } catch (e) {
      assert.ok(e instanceof ZoneDeclarationError);
      assert.equal(e.problems.length, 2);
      assert.deepEqual(
        e.problems.map((p) => p.at),
        ["'a.example' A[0]", "'b.example' MX[0]"],
      );
    }
  });

  it('splits a long TXT string into 255-octet character-strings, as a zone file does', async () => {
    const zone = createFakeZone({ 'k.example': { TXT: ['x'.repeat(600)] } });
    const txt = await ask(zone, 'k.example', 'TXT');
    assert.deepEqual(
      txt.records.map((r) => (r.type === 'TXT' ? r.strings.map((s) => s.length) : [])),
      [[255, 255, 90]],
    );
    assert.deepEqual(await zone.keyLookup()('k.example'), ['x'.repeat(600)]);
  });
});
