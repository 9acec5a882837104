/** Every enforcement mode, every relay list kind, both precedences, and the PTR trust rule. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compilePolicy, type PolicyConfig, type RelayConfig, type SessionFacts } from '../src/index.js';
import { host, matchedRules, policyOf, rcptDecision } from './helpers.js';

const local = ['acme.com'];
const code = (relay: RelayConfig, session: SessionFacts, to: string, extra: PolicyConfig = {}) =>
  rcptDecision(policyOf({ localInternetDomains: local, relay, ...extra }), session, to).reply.code;

const external = host('198.51.100.1', 'mx.partner.example');
const internal = host('10.1.1.1', 'hub.acme.com');

describe('enforcement modes', () => {
  const closed: RelayConfig = { denyTo: ['*'] };
  const table: [RelayConfig['enforcement'], SessionFacts, number][] = [
    ['external', external, 554],
    ['external', internal, 250],
    ['all', external, 554],
    ['all', internal, 554],
    ['none', external, 250],
    ['none', internal, 250],
  ];
  for (const [enforcement, session, expected] of table)
    it(`${enforcement}: ${session.ptr?.result === 'found' ? session.ptr.name : ''} -> ${expected}`, () => {
      assert.equal(code({ ...closed, enforcement }, session, '<x@elsewhere.example>'), expected);
    });
  it('the default is External hosts', () => {
    assert.equal(code(closed, internal, '<x@elsewhere.example>'), 250);
  });
  it('a host without PTR, or with a failed lookup, is external', () => {
    assert.equal(code(closed, { ip: '10.1.1.1', ptr: { result: 'temperror' } }, '<x@e.example>'), 554);
    assert.equal(code(closed, { ip: '10.1.1.1' }, '<x@e.example>'), 554);
  });
  it('an unconfirmed PTR name in a local domain is not trusted (beyond), unless trustUnconfirmedPtr', () => {
    const spoofed: SessionFacts = { ip: '198.51.100.66', ptr: { result: 'found', name: 'mail.acme.com' } };
    assert.equal(code(closed, spoofed, '<x@e.example>'), 554);
    assert.equal(code(closed, spoofed, '<x@e.example>', { trustUnconfirmedPtr: true }), 250);
  });
  it('a PTR name with a trailing dot and upper case is normalised', () => {
    assert.equal(code(closed, host('10.1.1.2', 'HUB.Acme.COM.'), '<x@e.example>'), 250);
  });
  it('local domain aliases and *.domain entries make hosts internal', () => {
    const cfg = { localInternetDomains: ['acme.com', 'acme-alias.example', '*.corp.example'], relay: closed };
    const policy = policyOf(cfg);
    assert.equal(
      rcptDecision(policy, host('10.0.0.1', 'mx.acme-alias.example'), '<x@e.example>').reply.code,
      250,
    );
    assert.equal(rcptDecision(policy, host('10.0.0.2', 'a.b.corp.example'), '<x@e.example>').reply.code, 250);
    assert.equal(rcptDecision(policy, host('10.0.0.2', 'h'), '<x@e.example>').reply.code, 554);
    // *.corp.example makes subdomains local recipients too, but not corp.example itself.
    assert.equal(rcptDecision(policy, external, '<x@sales.corp.example>').relay, false);
    assert.equal(rcptDecision(policy, external, '<x@corp.example>').relay, true);
  });
});

describe('exclusion list and authenticated users', () => {
  it('exclusion by host name suffix, by IP, by CIDR, by IPv6, by group', () => {
    const relay: RelayConfig = {
      denyTo: ['*'],
      enforcement: 'all',
      exclude: ['trusted.example', '[192.0.2.7]', '[10.20.0.0/16]', '[2001:db8:77::/48]', 'Relay Hosts'],
    };
    const extra = { groups: { 'Relay Hosts': ['[203.0.113.50]'] } };
    assert.equal(code(relay, host('198.51.100.9', 'a.trusted.example'), '<x@e.example>', extra), 250);
    assert.equal(code(relay, host('192.0.2.7'), '<x@e.example>', extra), 250);
    assert.equal(code(relay, host('10.20.99.1'), '<x@e.example>', extra), 250);
    assert.equal(code(relay, host('2001:db8:77:1::5'), '<x@e.example>', extra), 250);
    assert.equal(code(relay, host('203.0.113.50'), '<x@e.example>', extra), 250);
    assert.equal(
      code(relay, host('::ffff:192.0.2.7'), '<x@e.example>', extra),
      250,
      'IPv4-mapped counts as IPv4',
    );
    assert.equal(code(relay, host('10.21.0.1'), '<x@e.example>', extra), 554);
    assert.equal(code(relay, host('2001:db8:78::5'), '<x@e.example>', extra), 554);
    assert.equal(code(relay, host('198.51.100.9', 'eviltrusted.example'), '<x@e.example>', extra), 554);
  });
  it('the trace shows the group an entry came from', () => {
    const policy = policyOf({
      localInternetDomains: local,
      relay: { denyTo: ['*'], exclude: ['Relay Hosts'] },
      groups: { 'relay hosts': ['[203.0.113.50]'] },
    });
    const d = rcptDecision(policy, host('203.0.113.50'), '<x@e.example>');
    assert.equal(
      d.trace.find((s) => s.rule === 'relay.exclude')?.entry,
      '[203.0.113.50] (in group Relay Hosts)',
    );
  });
});

describe('the four relay lists', () => {
  it('allow-to is exclusive: only listed domains', () => {
    assert.equal(code({ allowTo: ['partner.example'] }, external, '<x@partner.example>'), 250);
    assert.equal(code({ allowTo: ['partner.example'] }, external, '<x@eu.partner.example>'), 250);
    assert.equal(code({ allowTo: ['partner.example'] }, external, '<x@other.example>'), 554);
  });
  it('allow-to beats deny-to "*" (precedence 0) and loses to it with precedence 1', () => {
    assert.equal(code({ allowTo: ['partner.example'], denyTo: ['*'] }, external, '<x@partner.example>'), 250);
    assert.equal(
      code({ allowTo: ['partner.example'], denyTo: ['*'], precedence: 1 }, external, '<x@partner.example>'),
      554,
    );
  });
  it('deny-to alone denies only what it lists', () => {
    assert.equal(code({ denyTo: ['bad.example'] }, external, '<x@bad.example>'), 554);
    assert.equal(code({ denyTo: ['bad.example'] }, external, '<x@good.example>'), 250);
  });
  it('deny-to IP entries match address-literal recipients', () => {
    assert.equal(code({ denyTo: ['[192.0.2.*]'] }, external, '<x@[192.0.2.44]>'), 554);
    assert.equal(code({ denyTo: ['[192.0.2.*]'] }, external, '<x@[192.0.3.44]>'), 250);
  });
  it('allow-from is exclusive: only listed hosts', () => {
    assert.equal(code({ allowFrom: ['[198.51.100.0/24]'] }, external, '<x@e.example>'), 250);
    assert.equal(code({ allowFrom: ['[198.51.101.0/24]'] }, external, '<x@e.example>'), 554);
    assert.equal(code({ allowFrom: ['partner.example'] }, external, '<x@e.example>'), 250);
  });
  it('deny-from denies listed hosts and lets the others relay', () => {
    assert.equal(code({ denyFrom: ['partner.example'] }, external, '<x@e.example>'), 554);
    assert.equal(code({ denyFrom: ['[192.0.2.1]'] }, external, '<x@e.example>'), 250);
  });
  it('deny-from names match an unconfirmed PTR name; allow-from names need a confirmed one', () => {
    const unconfirmed: SessionFacts = {
      ip: '198.51.100.77',
      ptr: { result: 'found', name: 'mx.partner.example' },
    };
    assert.equal(code({ denyFrom: ['partner.example'] }, unconfirmed, '<x@e.example>'), 554);
    assert.equal(code({ allowFrom: ['partner.example'] }, unconfirmed, '<x@e.example>'), 554);
    assert.equal(
      code({ allowFrom: ['partner.example'] }, unconfirmed, '<x@e.example>', { trustUnconfirmedPtr: true }),
      250,
    );
  });
  it('allow-from beats deny-from "*" (precedence 0), not with precedence 1', () => {
    assert.equal(code({ allowFrom: ['[198.51.100.1]'], denyFrom: ['*'] }, external, '<x@e.example>'), 250);
    assert.equal(
      code({ allowFrom: ['[198.51.100.1]'], denyFrom: ['*'], precedence: 1 }, external, '<x@e.example>'),
      554,
    );
  });
  it('no relay list at all: relays from enforced hosts are refused', () => {
    const d = rcptDecision(policyOf({ localInternetDomains: local }), external, '<x@e.example>');
    assert.equal(d.reply.code, 554);
    assert.match(d.trace.at(-1)?.note ?? '', /no relay controls configured/);
  });
  it('wildcard, CIDR, IPv6 and IPv4-mapped entries in allow-from', () => {
    const relay: RelayConfig = {
      allowFrom: ['[192.168.1.*]', '[172.16.0.0/12]', '[IPv6:2001:db8::/32]', '[::ffff:100.64.0.0/106]'],
    };
    for (const ip of [
      '192.168.1.200',
      '172.31.255.1',
      '2001:db8:ffff::1',
      '100.64.1.1',
      '::ffff:192.168.1.3',
    ])
      assert.equal(code(relay, host(ip), '<x@e.example>'), 250, ip);
    for (const ip of ['192.168.2.1', '172.32.0.1', '2001:db9::1', '100.128.0.1'])
      assert.equal(code(relay, host(ip), '<x@e.example>'), 554, ip);
  });
  it('Domino octet ranges: [1.2.3.1-3] and [192.168.1-10.*]', () => {
    const relay: RelayConfig = { allowFrom: ['[1.2.3.1-3]', '[192.168.1-10.*]'] };
    for (const ip of ['1.2.3.1', '1.2.3.3', '192.168.1.0', '192.168.10.255'])
      assert.equal(code(relay, host(ip), '<x@e.example>'), 250, ip);
    for (const ip of ['1.2.3.0', '1.2.3.4', '192.168.0.1', '192.168.11.1'])
      assert.equal(code(relay, host(ip), '<x@e.example>'), 554, ip);
  });
  it('"@domain" names the domain exactly, without subdomains (Domino)', () => {
    assert.equal(code({ allowTo: ['@partner.example'] }, external, '<x@partner.example>'), 250);
    assert.equal(code({ allowTo: ['@partner.example'] }, external, '<x@eu.partner.example>'), 554);
    assert.equal(code({ allowTo: ['partner.example'] }, external, '<x@eu.partner.example>'), 250);
  });
  it('the trace lists every rule consulted, in the seed 004 section 9 order', () => {
    const d = rcptDecision(
      policyOf({ localInternetDomains: local, relay: { denyTo: ['*'] } }),
      external,
      '<x@e.example>',
    );
    assert.deepEqual(
      d.trace.map((s) => s.rule),
      [
        'localInternetDomains',
        'session.ptr',
        'relay.enforcement',
        'relay.exclude',
        'relay.authenticatedUsers',
        'relay.allowTo',
        'relay.denyTo',
        'relay.allowFrom',
        'relay.denyFrom',
        'relay.precedence',
      ],
    );
    assert.deepEqual(matchedRules(d), ['relay.denyTo', 'relay.precedence']);
  });
  it('compiles all the list kinds without problems', () => {
    assert.deepEqual(
      compilePolicy({
        relay: {
          allowFrom: ['*', '[10.0.0.0/8]', '[10.0.*.*]', 'host.example', '*.example.org', '[2001:db8::1]'],
        },
      }).problems,
      [],
    );
  });
});

describe('per-session memo', () => {
  it('a session object updated after AUTH gets a fresh relay view', () => {
    const policy = policyOf({
      localInternetDomains: local,
      relay: { denyTo: ['*'], authenticatedUsers: 'exempt' },
    });
    const session: { ip: string; ptr?: SessionFacts['ptr']; authenticatedUser?: string } = {
      ip: '203.0.113.9',
    };
    assert.equal(rcptDecision(policy, session, '<x@e.example>').reply.code, 554);
    session.authenticatedUser = 'Jane Roe/Acme';
    assert.equal(rcptDecision(policy, session, '<x@e.example>').reply.code, 250);
    session.ptr = { result: 'found', name: 'hub.acme.com', confirmed: true };
    delete session.authenticatedUser;
    assert.equal(rcptDecision(policy, session, '<x@e.example>').reply.code, 250, 'now internal');
    session.ip = '203.0.113.10';
    session.ptr = { result: 'none' };
    assert.equal(rcptDecision(policy, session, '<x@e.example>').reply.code, 554);
  });
  it('many interleaved sessions decide as if each were new', () => {
    const policy = policyOf({
      localInternetDomains: local,
      relay: { denyTo: ['*'], exclude: ['[192.0.2.0/25]'] },
    });
    const sessions = Array.from({ length: 64 }, (_, i) => host(`192.0.2.${i * 4}`));
    for (let round = 0; round < 3; round++)
      for (const [i, s] of sessions.entries())
        assert.equal(rcptDecision(policy, s, '<x@e.example>').reply.code, i * 4 < 128 ? 250 : 554);
  });
});
