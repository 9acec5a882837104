/** Connection controls, DNS white- and blacklists (all actions, answer filtering), statistics. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ConnectFacts,
  DnsListStatistics,
  dnsListQueryName,
  explainDecision,
  type PolicyConfig,
} from '../src/index.js';
import { host, policyOf } from './helpers.js';

describe('connection controls', () => {
  it('deny by IP, CIDR, wildcard and host-name suffix', () => {
    const policy = policyOf({
      connection: { deny: ['[192.0.2.1]', '[198.51.100.0/25]', '[203.0.113.*]', 'spam.example'] },
    });
    for (const s of [
      host('192.0.2.1'),
      host('198.51.100.127'),
      host('203.0.113.9'),
      host('192.0.2.50', 'a.spam.example'),
    ]) {
      const d = policy.onConnect(s);
      assert.equal(d.action, 'reject', s.ip);
      assert.equal(d.reply.code, 554);
      assert.equal(d.reply.enhanced, '5.7.1');
    }
    for (const s of [host('192.0.2.2'), host('198.51.100.128'), host('192.0.2.50', 'notspam.example')])
      assert.equal(policy.onConnect(s).action, 'accept', s.ip);
  });
  it('an unconfirmed PTR name counts for the Deny list but grants nothing in the Allow-only list', () => {
    const unconfirmed = { ip: '192.0.2.77', ptr: { result: 'found', name: 'mx.spam.example' } } as const;
    assert.equal(
      policyOf({ connection: { deny: ['spam.example'] } }).onConnect(unconfirmed).action,
      'reject',
    );
    const claimsPartner = { ip: '192.0.2.77', ptr: { result: 'found', name: 'mx.partner.example' } } as const;
    assert.equal(
      policyOf({ connection: { allowOnly: ['partner.example'] } }).onConnect(claimsPartner).action,
      'reject',
    );
  });
  it('an Allow-only list is ignored while the Deny list has entries (Domino: the fields are exclusive)', () => {
    const policy = policyOf({ connection: { deny: ['[192.0.2.1]'], allowOnly: ['partner.example'] } });
    const d = policy.onConnect(host('198.51.100.1', 'mx.elsewhere.example'));
    assert.equal(d.action, 'accept');
    assert.equal(d.trace.find((s) => s.rule === 'connection.allowOnly')?.outcome, 'ignored');
  });
  it('verify connecting host name: no PTR is refused, a DNS failure is a 421 temporary refusal', () => {
    const policy = policyOf({ connection: { verifyHostName: true } });
    assert.equal(policy.onConnect(host('192.0.2.1', 'mx.example.net')).action, 'accept');
    const none = policy.onConnect({ ip: '192.0.2.1', ptr: { result: 'none' } });
    assert.equal(none.action, 'reject');
    assert.equal(none.reply.code, 554);
    const temp = policy.onConnect({ ip: '192.0.2.1', ptr: { result: 'temperror' } });
    assert.equal(temp.action, 'tempfail');
    assert.equal(temp.reply.code, 421);
    assert.equal(policy.onConnect({ ip: '192.0.2.1' }).action, 'tempfail', 'a missing fact is not a pass');
  });
  it('an unparseable IP fact is refused, not thrown', () => {
    const policy = policyOf({});
    for (const ip of ['', 'not-an-ip', '999.1.1.1', '1.2.3', ':::'] as const)
      assert.equal(policy.onConnect({ ip }).action, 'reject');
    assert.equal(policy.onConnect({ ip: 42 as unknown as string }).action, 'reject');
  });
  it('the error limit is reported (default 10, SMTPErrorLimit)', () => {
    assert.equal(policyOf({}).settings.errorLimit, 10);
    assert.equal(policyOf({ connection: { errorLimit: 3 } }).settings.errorLimit, 3);
  });
});

const listed = (site: string, ...codes: string[]) => ({ site, result: 'listed' as const, codes });
const clean = (site: string) => ({ site, result: 'none' as const });

describe('DNS blacklists', () => {
  const base = (action: 'log' | 'tag' | 'reject'): PolicyConfig => ({
    dnsBlacklist: { enabled: true, sites: ['bl1.example', 'bl2.example'], action },
  });
  const facts: ConnectFacts = {
    ip: '192.0.2.99',
    dnsBlacklist: [clean('bl1.example'), listed('bl2.example', '127.0.0.2')],
  };
  it('Log: accepted, the hit is reported for the log and statistics', () => {
    const d = policyOf(base('log')).onConnect(facts);
    assert.equal(d.action, 'accept');
    assert.deepEqual(d.items, []);
    assert.deepEqual(d.listed, { kind: 'blacklist', site: 'bl2.example', ip: '192.0.2.99' });
  });
  it('Log and tag: $DNSBLSite = the site', () => {
    const d = policyOf(base('tag')).onConnect(facts);
    assert.equal(d.action, 'tag');
    assert.deepEqual(d.items, [{ name: '$DNSBLSite', value: 'bl2.example' }]);
  });
  it('Log and reject: 554 5.7.1 at the greeting with the default text', () => {
    const d = policyOf(base('reject')).onConnect(facts);
    assert.equal(d.action, 'reject');
    assert.equal(d.reply.code, 554);
    assert.equal(d.reply.enhanced, '5.7.1');
    assert.equal(d.reply.text, 'Connection refused for policy reasons: 192.0.2.99 is listed at bl2.example');
  });
  it('sites are consulted in order and the first hit wins', () => {
    const d = policyOf(base('tag')).onConnect({
      ip: '192.0.2.99',
      dnsBlacklist: [listed('bl1.example', '127.0.0.4'), listed('bl2.example', '127.0.0.2')],
    });
    assert.deepEqual(d.items, [{ name: '$DNSBLSite', value: 'bl1.example' }]);
    assert.equal(d.trace.filter((s) => s.rule === 'dnsBlacklist.sites').length, 1);
  });
  it('a failed query counts as not listed', () => {
    const d = policyOf(base('reject')).onConnect({
      ip: '192.0.2.99',
      dnsBlacklist: [{ site: 'bl1.example', result: 'temperror' }, clean('bl2.example')],
    });
    assert.equal(d.action, 'accept');
    assert.equal(d.trace.find((s) => s.subject === 'bl1.example')?.outcome, 'temperror');
  });
  it('answer-code filtering: only listed codes count', () => {
    const policy = policyOf({
      dnsBlacklist: {
        enabled: true,
        sites: ['zen.example=127.0.0.2,127.0.0.3', { site: 'other.example', codes: ['127.0.0.10'] }],
        action: 'reject',
      },
    });
    assert.equal(
      policy.onConnect({
        ip: '192.0.2.1',
        dnsBlacklist: [listed('zen.example', '127.0.0.4'), listed('other.example', '127.0.0.11')],
      }).action,
      'accept',
    );
    assert.equal(
      policy.onConnect({ ip: '192.0.2.1', dnsBlacklist: [listed('zen.example', '127.0.0.4', '127.0.0.3')] })
        .action,
      'reject',
    );
    assert.equal(
      policy.onConnect({
        ip: '192.0.2.1',
        dnsBlacklist: [listed('zen.example'), listed('other.example', '127.0.0.10')],
      }).action,
      'reject',
    );
  });
  it('disabled filters are not consulted', () => {
    const d = policyOf({ dnsBlacklist: { sites: ['bl1.example'], action: 'reject' } }).onConnect({
      ip: '192.0.2.1',
      dnsBlacklist: [listed('bl1.example', '127.0.0.2')],
    });
    assert.equal(d.action, 'accept');
  });
  it('IPv6 and IPv4-mapped hosts', () => {
    const policy = policyOf(base('reject'));
    const d = policy.onConnect({
      ip: '::ffff:192.0.2.99',
      dnsBlacklist: [listed('bl1.example', '127.0.0.2')],
    });
    assert.equal(d.reply.text, 'Connection refused for policy reasons: 192.0.2.99 is listed at bl1.example');
    assert.equal(
      policy.onConnect({ ip: '2001:db8::1', dnsBlacklist: [listed('bl1.example')] }).action,
      'reject',
    );
  });
});

describe('DNS whitelists', () => {
  const config: PolicyConfig = {
    dnsWhitelist: { enabled: true, sites: ['wl.example'], action: 'tag' },
    dnsBlacklist: { enabled: true, sites: ['bl.example'], action: 'reject' },
  };
  it('a whitelisted host skips the blacklists and is tagged $DNSWLSite', () => {
    const d = policyOf(config).onConnect({
      ip: '192.0.2.5',
      dnsWhitelist: [listed('wl.example', '127.0.0.2')],
      dnsBlacklist: [listed('bl.example', '127.0.0.2')],
    });
    assert.equal(d.action, 'tag');
    assert.deepEqual(d.items, [{ name: '$DNSWLSite', value: 'wl.example' }]);
    assert.equal(d.trace.find((s) => s.rule === 'dnsBlacklist.sites')?.outcome, 'skipped');
  });
  it('a host not whitelisted still meets the blacklists', () => {
    const d = policyOf(config).onConnect({
      ip: '192.0.2.5',
      dnsWhitelist: [clean('wl.example')],
      dnsBlacklist: [listed('bl.example', '127.0.0.2')],
    });
    assert.equal(d.action, 'reject');
  });
  it('Log only: accepted without items', () => {
    const d = policyOf({ ...config, dnsWhitelist: { enabled: true, sites: ['wl.example'] } }).onConnect({
      ip: '192.0.2.5',
      dnsWhitelist: [listed('wl.example')],
    });
    assert.equal(d.action, 'accept');
    assert.deepEqual(d.listed, { kind: 'whitelist', site: 'wl.example', ip: '192.0.2.5' });
  });
  it('explainDecision prints every rule', () => {
    const d = policyOf(config).onConnect({
      ip: '192.0.2.5',
      dnsWhitelist: [clean('wl.example')],
      dnsBlacklist: [listed('bl.example', '127.0.0.2')],
    });
    const text = explainDecision(d).join('\n');
    assert.match(text, /^connect: reject -> 554 5\.7\.1/);
    assert.match(text, /dnsWhitelist\.sites: not-matched \[wl\.example\]/);
    assert.match(text, /dnsBlacklist\.sites: matched \[bl\.example\]/);
  });
});

describe('statistics', () => {
  const policy = policyOf({ dnsBlacklist: { enabled: true, sites: ['bl.example'], expandStatistics: true } });
  it('per site, and per IP with SMTPExpandDNSBLStats', () => {
    const stats = new DnsListStatistics({ expandPerIp: policy.settings.expandDnsblStatistics });
    for (const ip of ['192.0.2.1', '192.0.2.1', '192.0.2.2'])
      stats.record(policy.onConnect({ ip, dnsBlacklist: [listed('bl.example')] }));
    stats.record(policy.onConnect({ ip: '192.0.2.3', dnsBlacklist: [clean('bl.example')] }));
    assert.deepEqual(stats.snapshot(), {
      'SMTP.DNSBL.TotalHits': 3,
      'SMTP.DNSWL.TotalHits': 0,
      'SMTP.DNSBL.bl.example.TotalHits': 3,
      'SMTP.DNSBL.bl.example.192.0.2.1.TotalHits': 2,
      'SMTP.DNSBL.bl.example.192.0.2.2.TotalHits': 1,
    });
  });
  it('without expansion only the site counters exist; the per-IP table is bounded', () => {
    const plain = new DnsListStatistics();
    plain.record(policy.onConnect({ ip: '192.0.2.1', dnsBlacklist: [listed('bl.example')] }));
    assert.deepEqual(Object.keys(plain.snapshot()).sort(), [
      'SMTP.DNSBL.TotalHits',
      'SMTP.DNSBL.bl.example.TotalHits',
      'SMTP.DNSWL.TotalHits',
    ]);
    const bounded = new DnsListStatistics({ expandPerIp: true, maxTrackedIps: 2 });
    for (const ip of ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4'])
      bounded.record(policy.onConnect({ ip, dnsBlacklist: [listed('bl.example')] }));
    assert.equal(bounded.snapshot()['SMTP.DNSBL.UntrackedIpHits'], 2);
  });
});

describe('dnsListQueryName', () => {
  it('reverses IPv4 octets and IPv6 nibbles (RFC 5782)', () => {
    assert.equal(dnsListQueryName('192.0.2.99', 'bl.example'), '99.2.0.192.bl.example');
    assert.equal(dnsListQueryName('::ffff:192.0.2.99', 'BL.example.'), '99.2.0.192.bl.example');
    assert.equal(
      dnsListQueryName('2001:db8:1:2:3:4:567:89ab', 'bl.example'),
      'b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.bl.example',
    );
    assert.equal(dnsListQueryName('nope', 'bl.example'), undefined);
    assert.equal(dnsListQueryName('192.0.2.1', 'bad..zone'), undefined);
  });
});
