/**
 * The gatherer against a real DNS server: Knot on 127.0.0.1 serves reverse zones, host names,
 * sender domains (MX, CNAME, A only, missing) and a DNS blacklist and whitelist; a node:dns
 * adapter implements PolicyDns. Skips when knotd is absent, except in CI where it fails.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseForwardPath, parseReversePath } from '@mailroute/envelope';
import { compilePolicy, createPolicyGatherer, type PolicyGatherer } from '@mailroute/relay-policy';
import { findKnotd, type Knot, nodeDnsAdapter, startKnot } from './knot.js';

const knotd = findKnotd();
const skip =
  knotd === undefined && !process.env.CI ? 'knotd is not installed (Debian package "knot")' : false;

const ZONES: Record<string, string> = {
  'relay-policy.test': 'mail A 192.0.2.200\nhub A 192.0.2.10\n',
  'outside.test': 'mx A 192.0.2.8\nmx AAAA 2001:db8::8\n',
  '2.0.192.in-addr.arpa':
    '8 PTR mx.outside.test.\n9 PTR mail.relay-policy.test.\n10 PTR hub.relay-policy.test.\n',
  'real.test': '@ MX 10 mx.outside.test.\n',
  'alias.test': 'www CNAME real.test.\n',
  'aonly.test': '@ A 192.0.2.55\n',
  'bl.test':
    '8.2.0.192 A 127.0.0.2\n8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2 A 127.0.0.4\n9.2.0.192 A 127.0.0.10\n',
  'wl.test': '10.2.0.192 A 127.0.0.1\n',
};

describe('relay-policy with a real DNS server (knot)', { skip }, () => {
  let knot: Knot;
  let gatherer: PolicyGatherer;
  before(async () => {
    if (knotd === undefined)
      throw new Error('CI is set but knotd is not installed (.ci/apt-packages.txt lists knot)');
    knot = await startKnot(knotd, ZONES);
    const { policy, problems } = compilePolicy({
      localInternetDomains: ['relay-policy.test'],
      relay: { denyTo: ['*'] },
      sender: { verifyDomain: true, verifyDomainTimeoutSeconds: 2 },
      dnsWhitelist: { enabled: true, sites: ['wl.test'], action: 'tag' },
      dnsBlacklist: {
        enabled: true,
        sites: ['bl.test=127.0.0.2,127.0.0.4'],
        action: 'reject',
        rejectText: 'Your host %s was found in the DNS Blacklist at %s',
      },
    });
    assert.deepEqual(problems, []);
    gatherer = createPolicyGatherer({ policy, dns: nodeDnsAdapter(knot.server) });
  });
  after(async () => {
    await knot?.stop();
  });

  it('a blacklisted IPv4 host is refused with the configured text', async () => {
    const { facts, decision } = await gatherer.connect({ ip: '192.0.2.8' });
    assert.deepEqual(facts.ptr, { result: 'found', name: 'mx.outside.test', confirmed: true });
    assert.equal(decision.action, 'reject');
    assert.equal(decision.reply.text, 'Your host 192.0.2.8 was found in the DNS Blacklist at bl.test');
  });
  it('an IPv6 host is looked up by its nibbles', async () => {
    const { decision } = await gatherer.connect({ ip: '2001:db8::8' });
    assert.equal(decision.action, 'reject');
  });
  it('an answer code outside the filter is not a hit; the spoofed PTR name is not confirmed', async () => {
    const { facts, decision } = await gatherer.connect({ ip: '192.0.2.9' });
    assert.equal(decision.action, 'accept');
    assert.deepEqual(facts.ptr, { result: 'found', name: 'mail.relay-policy.test', confirmed: false });
    const rcpt = parseForwardPath('<x@elsewhere.test>');
    assert.ok(rcpt.ok);
    const relayed = await gatherer.rcptTo(facts, rcpt.value);
    assert.equal(
      relayed.decision.reply.code,
      554,
      'an unconfirmed local-looking PTR does not make the host internal',
    );
  });
  it('a whitelisted, forward-confirmed internal host is tagged and may relay', async () => {
    const { facts, decision } = await gatherer.connect({ ip: '192.0.2.10' });
    assert.equal(decision.action, 'tag');
    assert.deepEqual(decision.items, [{ name: '$DNSWLSite', value: 'wl.test' }]);
    const rcpt = parseForwardPath('<x@elsewhere.test>');
    assert.ok(rcpt.ok);
    assert.equal((await gatherer.rcptTo(facts, rcpt.value)).decision.reply.code, 250);
  });
  it('sender domains: MX, CNAME and A exist; a missing one is refused; a refused query is temporary', async () => {
    const session = { ip: '192.0.2.8' };
    const verdict = async (from: string) => {
      const path = parseReversePath(from);
      assert.ok(path.ok);
      const { facts, decision } = await gatherer.mailFrom(session, path.value);
      return `${decision.reply.code} ${facts.senderDomain}`;
    };
    assert.equal(await verdict('<a@real.test>'), '250 found');
    assert.equal(await verdict('<a@www.alias.test>'), '250 found');
    assert.equal(await verdict('<a@aonly.test>'), '250 found');
    assert.equal(await verdict('<a@ghost.real.test>'), '553 none');
    assert.equal(
      await verdict('<a@not-served.invalid>'),
      '451 temperror',
      'knot refuses zones it does not serve: a DNS failure',
    );
  });
});
