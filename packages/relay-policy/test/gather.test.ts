/**
 * The async gatherer with fake DNS and directory implementations (declarative answers, every
 * query recorded): it asks only what the policy reads, stops DNS lists at the first hit, turns
 * throws into temperror/unavailable, and resolves groups once at load time.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  compilePolicy,
  createPolicyGatherer,
  type DnsListAnswer,
  type DomainExistence,
  POLICY_DIRECTORY_MISSING,
  type PolicyDirectory,
  type PolicyDns,
  policyProblems,
  type RecipientLookup,
  resolvePolicyGroups,
} from '../src/index.js';
import { mailFrom, policyOf, rcpt } from './helpers.js';

/** A fake DNS: tables of answers; anything missing is "none"; names in `broken` throw. */
function fakeDns(zone: {
  ptr?: Record<string, string[]>;
  a?: Record<string, string[]>;
  domains?: Record<string, DomainExistence>;
  lists?: Record<string, string[]>;
  broken?: string[];
}) {
  const queries: string[] = [];
  const fail = (key: string) => {
    if (zone.broken?.includes(key)) throw new Error(`SERVFAIL ${key}`);
  };
  const dns: PolicyDns = {
    async lookupPtr(ip) {
      queries.push(`PTR ${ip}`);
      fail(ip);
      const names = zone.ptr?.[ip];
      return names ? { result: 'found', names } : { result: 'none' };
    },
    async lookupAddresses(name) {
      queries.push(`A ${name}`);
      fail(name);
      const addresses = zone.a?.[name];
      return addresses ? { result: 'found', addresses } : { result: 'none' };
    },
    async domainExists(domain, timeoutMs) {
      queries.push(`EXISTS ${domain} ${timeoutMs}`);
      fail(domain);
      return zone.domains?.[domain] ?? 'none';
    },
    async queryDnsList(ip, site): Promise<DnsListAnswer> {
      queries.push(`LIST ${ip} ${site}`);
      fail(site);
      const codes = zone.lists?.[`${ip} ${site}`];
      return codes ? { site, result: 'listed', codes } : { site, result: 'none' };
    },
  };
  return { dns, queries };
}

function fakeDirectory(users: Record<string, RecipientLookup>, extra: Partial<PolicyDirectory> = {}) {
  const queries: string[] = [];
  const directory: PolicyDirectory = {
    async findRecipient(address) {
      queries.push(address);
      return users[address] ?? 'not-found';
    },
    ...extra,
  };
  return { directory, queries };
}

describe('createPolicyGatherer', () => {
  it('connect: PTR with forward confirmation, whitelist first, blacklists up to the first hit', async () => {
    const policy = policyOf({
      localInternetDomains: ['acme.com'],
      dnsWhitelist: { enabled: true, sites: ['wl.example'] },
      dnsBlacklist: { enabled: true, sites: ['bl1.example', 'bl2.example', 'bl3.example'], action: 'tag' },
    });
    const { dns, queries } = fakeDns({
      ptr: { '192.0.2.8': ['mx.outside.example.'] },
      a: { 'mx.outside.example.': ['192.0.2.8'] },
      lists: { '192.0.2.8 bl2.example': ['127.0.0.2'] },
    });
    const { facts, decision } = await createPolicyGatherer({ policy, dns }).connect({ ip: '192.0.2.8' });
    assert.deepEqual(queries, [
      'PTR 192.0.2.8',
      'A mx.outside.example.',
      'LIST 192.0.2.8 wl.example',
      'LIST 192.0.2.8 bl1.example',
      'LIST 192.0.2.8 bl2.example',
    ]);
    assert.deepEqual(facts.ptr, { result: 'found', name: 'mx.outside.example.', confirmed: true });
    assert.deepEqual(decision.items, [{ name: '$DNSBLSite', value: 'bl2.example' }]);
  });
  it('connect: a whitelisted host is not looked up in blacklists; a PTR not confirmed is marked so', async () => {
    const policy = policyOf({
      localInternetDomains: ['acme.com'],
      dnsWhitelist: { enabled: true, sites: ['wl.example'] },
      dnsBlacklist: { enabled: true, sites: ['bl1.example'] },
    });
    const { dns, queries } = fakeDns({
      ptr: { '192.0.2.9': ['mail.acme.com'] },
      a: { 'mail.acme.com': ['192.0.2.200'] },
      lists: { '192.0.2.9 wl.example': ['127.0.0.1'] },
    });
    const { facts } = await createPolicyGatherer({ policy, dns }).connect({ ip: '192.0.2.9' });
    assert.ok(!queries.some((q) => q.includes('bl1.example')));
    assert.deepEqual(facts.ptr, { result: 'found', name: 'mail.acme.com', confirmed: false });
  });
  it('connect: no PTR lookup when nothing reads it; thrown errors become temperror', async () => {
    const quiet = policyOf({
      localInternetDomains: ['acme.com'],
      relay: { enforcement: 'all', denyTo: ['*'] },
    });
    const { dns, queries } = fakeDns({});
    await createPolicyGatherer({ policy: quiet, dns }).connect({ ip: '192.0.2.1' });
    assert.deepEqual(queries, []);
    const verify = policyOf({ connection: { verifyHostName: true } });
    const broken = fakeDns({ broken: ['192.0.2.1'] });
    const { decision } = await createPolicyGatherer({ policy: verify, dns: broken.dns }).connect({
      ip: '192.0.2.1',
    });
    assert.equal(decision.action, 'tempfail');
  });
  it('mailFrom: asks DNS with the configured timeout only when verification is on', async () => {
    const policy = policyOf({ sender: { verifyDomain: true, verifyDomainTimeoutSeconds: 7 } });
    const { dns, queries } = fakeDns({ domains: { 'real.example': 'found' }, broken: ['down.example'] });
    const g = createPolicyGatherer({ policy, dns });
    const session = { ip: '192.0.2.1' };
    assert.equal((await g.mailFrom(session, mailFrom('<a@real.example>'))).decision.action, 'accept');
    assert.equal((await g.mailFrom(session, mailFrom('<a@ghost.example>'))).decision.reply.code, 553);
    assert.equal((await g.mailFrom(session, mailFrom('<a@down.example>'))).decision.reply.code, 451);
    assert.equal((await g.mailFrom(session, mailFrom('<>'))).decision.action, 'accept');
    assert.deepEqual(queries, [
      'EXISTS real.example 7000',
      'EXISTS ghost.example 7000',
      'EXISTS down.example 7000',
    ]);
    const off = fakeDns({});
    await createPolicyGatherer({ policy: policyOf({}), dns: off.dns }).mailFrom(
      session,
      mailFrom('<a@x.example>'),
    );
    assert.deepEqual(off.queries, []);
  });
  it('rcptTo: asks the directory only about local recipients; a failing directory means accept', async () => {
    const config = {
      localInternetDomains: ['acme.com'],
      recipient: { verifyLocal: true },
      relay: { enforcement: 'none' },
    } as const;
    const { dns } = fakeDns({});
    const { directory, queries } = fakeDirectory({ 'jane@acme.com': 'found' });
    const policy = policyOf(config, { directory });
    const g = createPolicyGatherer({ policy, dns });
    const session = { ip: '192.0.2.1' };
    assert.equal((await g.rcptTo(session, rcpt('<jane@acme.com>'))).decision.action, 'accept');
    assert.equal((await g.rcptTo(session, rcpt('<joe@acme.com>'))).decision.reply.code, 550);
    assert.equal((await g.rcptTo(session, rcpt('<x@elsewhere.example>'))).decision.action, 'accept');
    assert.deepEqual(queries, ['jane@acme.com', 'joe@acme.com']);
    const failing: PolicyDirectory = { findRecipient: () => Promise.reject(new Error('directory down')) };
    const down = await createPolicyGatherer({ policy: policyOf(config, { directory: failing }), dns }).rcptTo(
      session,
      rcpt('<joe@acme.com>'),
    );
    assert.equal(down.facts.directory, 'unavailable');
    assert.equal(down.decision.action, 'accept');
  });
  it('a setting that reads the directory refuses to compile without one (POLICY_DIRECTORY_MISSING)', () => {
    const refused = (
      config: Parameters<typeof compilePolicy>[0],
      wiring?: Parameters<typeof compilePolicy>[1],
    ) =>
      assert.throws(
        () => compilePolicy(config, wiring),
        (e: unknown) =>
          typeof e === 'object' &&
          e !== null &&
          (e as { code?: unknown }).code === POLICY_DIRECTORY_MISSING &&
          (e as { temporary?: unknown }).temporary === false,
      );
    refused({ recipient: { verifyLocal: true } });
    refused({ recipient: { verifyLocal: true } }, {});
    refused({ recipient: { verifyLocal: true } }, { directory: {} as PolicyDirectory });
    refused({ verifyAuthenticatedSender: 1 }, { directory: fakeDirectory({}).directory });
    // Off, nothing is needed; and the checker's view of the config never throws.
    assert.doesNotThrow(() => compilePolicy({ recipient: { verifyLocal: false } }));
    assert.deepEqual(policyProblems({ recipient: { verifyLocal: true } }), []);
  });
  it('a directory that was never asked is a tempfail, not an accepted unknown user', async () => {
    const { directory } = fakeDirectory({});
    const policy = policyOf(
      { localInternetDomains: ['acme.com'], recipient: { verifyLocal: true } },
      { directory },
    );
    const d = policy.onRcptTo({ session: { ip: '192.0.2.1' }, recipient: rcpt('<nobody@acme.com>') });
    assert.equal(d.action, 'tempfail');
    assert.equal(d.reply.code, 451);
    const asked = await createPolicyGatherer({ policy, dns: fakeDns({}).dns }).rcptTo(
      { ip: '192.0.2.1' },
      rcpt('<nobody@acme.com>'),
    );
    assert.equal(asked.decision.reply.code, 550, 'the gatherer asks the wired directory');
  });
  it("message: fetches the authenticated user's address only when SMTPVerifyAuthenticatedSender=1", async () => {
    const asked: string[] = [];
    const { directory } = fakeDirectory(
      {},
      {
        async findInternetAddress(user) {
          asked.push(user);
          return { result: 'found', address: 'John.Doe@acme.com' };
        },
      },
    );
    const policy = policyOf({ verifyAuthenticatedSender: 1 }, { directory });
    const g = createPolicyGatherer({ policy, dns: fakeDns({}).dns });
    const session = { ip: '10.10.1.8', authenticatedUser: 'John Doe/Acme' };
    assert.equal((await g.message(session, { from: ['John@acme.com'] })).decision.action, 'reject');
    assert.equal((await g.message(session, { from: ['john.doe@acme.com'] })).decision.action, 'accept');
    assert.equal((await g.message({ ip: '10.10.1.8' }, { from: ['x@y.example'] })).decision.action, 'accept');
    assert.deepEqual(asked, ['John Doe/Acme', 'John Doe/Acme']);
  });
});

describe('resolvePolicyGroups', () => {
  it('expands group names (nested, cycles cut) through the directory, leaving host names alone', async () => {
    const asked: string[] = [];
    const groups: Record<string, string[]> = {
      'Relay Hosts': ['[10.0.0.1]', 'Inner'],
      Inner: ['partner.example', 'Relay Hosts'],
    };
    const directory: PolicyDirectory = {
      findRecipient: async () => 'not-found',
      async expandGroup(name) {
        asked.push(name);
        return groups[name];
      },
    };
    const config = await resolvePolicyGroups(
      {
        localInternetDomains: ['acme.com'],
        relay: { denyTo: ['*'], exclude: ['Relay Hosts', 'mx.example.net', '[10.9.9.9]'] },
      },
      directory,
    );
    assert.deepEqual(asked, ['Relay Hosts', 'Inner']);
    const { policy, problems } = compilePolicy(config);
    assert.deepEqual(
      problems.map((p) => p.message),
      ['group nesting loops back to "Relay Hosts"'],
      'the loop is reported, the other members kept',
    );
    const code = (ip: string, name?: string) =>
      policy.onRcptTo({
        session: { ip, ...(name ? { ptr: { result: 'found', name, confirmed: true } } : {}) },
        recipient: rcpt('<x@e.example>'),
      }).reply.code;
    assert.equal(code('10.0.0.1'), 250);
    assert.equal(code('192.0.2.1', 'mx.partner.example'), 250);
    assert.equal(code('192.0.2.2'), 554);
  });
});
