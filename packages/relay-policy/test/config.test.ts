/** Bad configuration gives problems naming the field and the entry; the linter's findings. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ConfigProblem,
  compilePolicy,
  type LintFinding,
  lintPolicy,
  type PolicyConfig,
} from '../src/index.js';
import { host, rcptDecision } from './helpers.js';

function problemsOf(config: unknown): readonly ConfigProblem[] {
  return compilePolicy(config as PolicyConfig).problems;
}

describe('bad configuration', () => {
  const cases: [string, unknown, Partial<ConfigProblem>][] = [
    [
      'unbalanced bracket',
      { relay: { allowFrom: ['[10.0.0.1'] } },
      { field: 'relay.allowFrom', entry: '[10.0.0.1', index: 0, severity: 'error' },
    ],
    [
      'closing bracket only',
      { relay: { denyFrom: ['10.0.0.1]'] } },
      { field: 'relay.denyFrom', entry: '10.0.0.1]', severity: 'error' },
    ],
    [
      'bad CIDR length',
      { relay: { exclude: ['[10.0.0.0/33]'] } },
      { field: 'relay.exclude', entry: '[10.0.0.0/33]', severity: 'error' },
    ],
    [
      'bad CIDR text',
      { relay: { exclude: ['[10.0.0.0/x]'] } },
      { field: 'relay.exclude', severity: 'error' },
    ],
    [
      'bad IPv6 CIDR',
      { relay: { exclude: ['[2001:db8::/129]'] } },
      { field: 'relay.exclude', severity: 'error' },
    ],
    [
      'host bits set',
      { relay: { exclude: ['[10.0.0.1/8]'] } },
      { field: 'relay.exclude', code: 'host-bits-set', severity: 'warning' },
    ],
    [
      'reversed octet range',
      { relay: { exclude: ['[10.0.0.9-3]'] } },
      { field: 'relay.exclude', entry: '[10.0.0.9-3]', severity: 'error' },
    ],
    [
      'range too wide',
      { relay: { exclude: ['[10.0-255.0-255.0-3]'] } },
      { field: 'relay.exclude', severity: 'error' },
    ],
    [
      'range with CIDR',
      { relay: { exclude: ['[10.0.0.1-5/24]'] } },
      { field: 'relay.exclude', severity: 'error' },
    ],
    [
      'Notes domain entry',
      { relay: { allowTo: ['%AcmeEast'] } },
      { field: 'relay.allowTo', entry: '%AcmeEast', severity: 'warning' },
    ],
    [
      'bad octet',
      { connection: { deny: ['[192.168.1.256]'] } },
      { field: 'connection.deny', severity: 'error' },
    ],
    [
      'partial wildcard octet',
      { connection: { deny: ['[192.168.1.1*]'] } },
      { field: 'connection.deny', severity: 'error' },
    ],
    [
      'empty entry',
      { relay: { denyTo: ['  '] } },
      { field: 'relay.denyTo', index: 0, message: 'empty entry' },
    ],
    ['empty brackets', { relay: { denyTo: ['[]'] } }, { field: 'relay.denyTo', message: 'empty brackets' }],
    [
      'IP without brackets',
      { relay: { allowFrom: ['192.168.1.*'] } },
      { field: 'relay.allowFrom', code: 'ip-without-brackets', severity: 'warning' },
    ],
    [
      'bad host name',
      { relay: { allowFrom: ['bad_host!.example'] } },
      { field: 'relay.allowFrom', severity: 'error' },
    ],
    [
      'star inside a name',
      { relay: { denyTo: ['ev*l.example'] } },
      { field: 'relay.denyTo', severity: 'error' },
    ],
    [
      'star as local domain',
      { localInternetDomains: ['*'] },
      { field: 'localInternetDomains', severity: 'error' },
    ],
    [
      'unknown enforcement',
      { relay: { enforcement: 'sometimes' } },
      { field: 'relay.enforcement', code: 'bad-setting' },
    ],
    ['unknown precedence', { relay: { precedence: 2 } }, { field: 'relay.precedence' }],
    ['unknown DNSBL action', { dnsBlacklist: { action: 'drop' } }, { field: 'dnsBlacklist.action' }],
    ['error limit 0', { connection: { errorLimit: 0 } }, { field: 'connection.errorLimit' }],
    ['error limit as string', { connection: { errorLimit: '10' } }, { field: 'connection.errorLimit' }],
    [
      'timeout NaN',
      { sender: { verifyDomainTimeoutSeconds: Number.NaN } },
      { field: 'sender.verifyDomainTimeoutSeconds' },
    ],
    ['three %s', { dnsBlacklist: { rejectText: '%s %s %s' } }, { field: 'dnsBlacklist.rejectText' }],
    [
      'CRLF in reject text',
      { dnsBlacklist: { rejectText: 'bad\r\n250 ok' } },
      { field: 'dnsBlacklist.rejectText' },
    ],
    [
      'bad DNSBL zone',
      { dnsBlacklist: { sites: ['bad..zone'] } },
      { field: 'dnsBlacklist.sites', entry: 'bad..zone' },
    ],
    [
      'bad DNSBL code',
      { dnsBlacklist: { sites: ['zen.example=127.0.0.x'] } },
      { field: 'dnsBlacklist.sites' },
    ],
    ['list is not an array', { relay: { denyTo: 'lotus.com' } }, { field: 'relay.denyTo' }],
    ['entry is not a string', { relay: { denyTo: [42] } }, { field: 'relay.denyTo', entry: '42' }],
    ['section is not an object', { relay: 'closed' }, { field: 'relay' }],
    [
      'wildcard inside local part',
      { sender: { deny: ['j*n@example.com'] } },
      { field: 'sender.deny', entry: 'j*n@example.com' },
    ],
    ['IP in an address list', { sender: { deny: ['[192.0.2.1]'] } }, { field: 'sender.deny' }],
    [
      'group loop',
      { relay: { exclude: ['A'] }, groups: { A: ['B'], B: ['A'] } },
      { field: 'relay.exclude', severity: 'error' },
    ],
    ['group members not strings', { groups: { A: [1] } }, { field: 'groups', entry: 'A' }],
    ['unknown domain match mode', { domainMatch: 'regex' }, { field: 'domainMatch' }],
  ];
  for (const [name, config, expected] of cases) {
    it(`${name}: a problem names ${expected.field}${expected.entry ? ` and "${expected.entry}"` : ''}`, () => {
      const problems = problemsOf(config);
      const found = problems.find((p) =>
        Object.entries(expected).every(([k, v]) => p[k as keyof ConfigProblem] === v),
      );
      assert.ok(found, `expected ${JSON.stringify(expected)} in ${JSON.stringify(problems)}`);
      assert.ok(found.message.length > 0);
    });
  }
  it('a bad entry is dropped, the good ones still work, and deciding never throws', () => {
    const { policy, problems } = compilePolicy({
      localInternetDomains: ['acme.com'],
      relay: { denyTo: ['[bad', 'lotus.com'], enforcement: 'bogus' as never },
    });
    assert.equal(problems.length, 2);
    assert.equal(rcptDecision(policy, host('198.51.100.1'), '<a@lotus.com>').reply.code, 554);
    assert.equal(rcptDecision(policy, host('198.51.100.1'), '<a@ok.example>').reply.code, 250);
  });
  it('nested groups reached many times are expanded once (no exponential blow-up)', () => {
    const groups: Record<string, string[]> = {};
    for (let level = 0; level < 7; level++)
      groups[`G${level}`] = Array.from({ length: 10 }, () => `G${level + 1}`);
    groups.G7 = Array.from({ length: 10 }, (_, i) => `[10.0.0.${i}]`);
    const started = process.hrtime.bigint();
    const { policy, problems } = compilePolicy({
      localInternetDomains: ['acme.com'],
      relay: { denyTo: ['*'], exclude: ['G0', 'G0'] },
      groups,
    });
    assert.ok(Number(process.hrtime.bigint() - started) / 1e6 < 1000, 'compiles quickly');
    assert.deepEqual(problems, []);
    assert.equal(rcptDecision(policy, host('10.0.0.7'), '<a@x.example>').reply.code, 250);
    assert.equal(rcptDecision(policy, host('10.0.0.17'), '<a@x.example>').reply.code, 554);
  });
  it('a config whose getters throw gives the defaults and a problem, not a throw', () => {
    const hostile = {
      get relay(): never {
        throw new Error('boom');
      },
    };
    const { policy, problems } = compilePolicy(hostile as PolicyConfig);
    assert.match(problems[0]?.message ?? '', /could not be read \(boom\)/);
    assert.equal(rcptDecision(policy, host('192.0.2.1'), '<a@x.example>').reply.code, 554);
    assert.ok(lintPolicy(hostile as PolicyConfig).some((f) => /could not be read/.test(f.message)));
  });
  it('null, arrays and primitives as the whole config give problems, not throws', () => {
    for (const config of [null, [], 7, 'x', undefined]) {
      const { policy } = compilePolicy(config as never);
      assert.equal(typeof policy.onConnect({ ip: '192.0.2.1' }).action, 'string');
    }
  });
});

function has(findings: LintFinding[], code: LintFinding['code'], field?: string): boolean {
  return findings.some((f) => f.code === code && (field === undefined || f.field === field));
}

describe('lintPolicy', () => {
  it('reports open relays: enforcement None, "*" in allow-from, wide allow-from with empty deny-to', () => {
    assert.ok(has(lintPolicy({ relay: { enforcement: 'none' } }), 'open-relay', 'relay.enforcement'));
    assert.ok(has(lintPolicy({ relay: { allowFrom: ['*'] } }), 'open-relay', 'relay.allowFrom'));
    assert.ok(has(lintPolicy({ relay: { allowFrom: ['[10.0.0.0/8]'] } }), 'open-relay', 'relay.allowFrom'));
    assert.ok(has(lintPolicy({ relay: { allowFrom: ['com'] } }), 'open-relay', 'relay.allowFrom'));
    assert.ok(
      !has(
        lintPolicy({
          localInternetDomains: ['acme.com'],
          relay: { allowFrom: ['[192.168.1.*]'], denyTo: ['*'] },
        }),
        'open-relay',
      ),
    );
  });
  it('reports IP entries without brackets and bad entries (the compile problems)', () => {
    const f = lintPolicy({ relay: { exclude: ['10.1.1.1', '[10.1.1'] } });
    assert.ok(has(f, 'ip-without-brackets', 'relay.exclude'));
    assert.ok(f.some((x) => x.code === 'bad-entry' && x.entry === '[10.1.1' && x.severity === 'error'));
  });
  it('reports entries that can never match', () => {
    const f = lintPolicy({
      localInternetDomains: ['acme.com'],
      relay: { denyTo: ['acme.com'], enforcement: 'none', exclude: ['[10.0.0.1]'] },
      recipient: { deny: ['someone@elsewhere.example'], allow: ['x@acme.com'] },
      connection: { deny: ['[192.0.2.1]'], allowOnly: ['partner.example'] },
    });
    assert.ok(
      f.some((x) => x.code === 'never-matches' && x.field === 'relay.denyTo' && x.entry === 'acme.com'),
    );
    assert.ok(
      f.some(
        (x) =>
          x.code === 'never-matches' &&
          x.field === 'recipient.deny' &&
          x.entry === 'someone@elsewhere.example',
      ),
    );
    assert.ok(has(f, 'never-matches', 'relay.exclude'));
    assert.ok(has(f, 'allow-list-ignored', 'recipient.allow'));
    assert.ok(has(f, 'allow-list-ignored', 'connection.allowOnly'));
  });
  it('reports entries covered by wider ones', () => {
    const f = lintPolicy({ relay: { denyTo: ['ibm.com', 'us.ibm.com'] } });
    assert.ok(f.some((x) => x.code === 'redundant-entry' && x.entry === 'us.ibm.com'));
    assert.ok(
      lintPolicy({ relay: { denyTo: ['*', 'x.example'] } }).some(
        (x) => x.code === 'redundant-entry' && x.entry === 'x.example',
      ),
    );
  });
  it('reports conflicts the precedence resolves, saying which way', () => {
    const zero = lintPolicy({
      localInternetDomains: ['acme.com'],
      relay: { denyTo: ['lotus.com'], allowFrom: ['mail.ibm.com'] },
    });
    assert.ok(zero.some((x) => x.code === 'precedence-conflict' && /Allow wins/.test(x.message)));
    const one = lintPolicy({
      localInternetDomains: ['acme.com'],
      relay: { denyTo: ['lotus.com'], allowFrom: ['mail.ibm.com'], precedence: 1 },
    });
    assert.ok(one.some((x) => x.code === 'precedence-conflict' && /Deny wins/.test(x.message)));
    const same = lintPolicy({
      localInternetDomains: ['acme.com'],
      relay: { allowTo: ['partner.example'], denyTo: ['*'] },
    });
    assert.ok(
      same.some(
        (x) =>
          x.code === 'precedence-conflict' && x.field === 'relay.allowTo' && x.entry === 'partner.example',
      ),
    );
    const ips = lintPolicy({
      localInternetDomains: ['acme.com'],
      relay: { allowFrom: ['[10.1.1.1]'], denyFrom: ['[10.1.0.0/16]'] },
    });
    assert.ok(ips.some((x) => x.code === 'precedence-conflict' && x.field === 'relay.allowFrom'));
  });
  it('reports settings that need another one, and the closed default', () => {
    assert.ok(has(lintPolicy({ recipient: { denyNotUnique: 1 } }), 'needs-verify-local'));
    assert.ok(has(lintPolicy({ recipient: { denyMailToGroups: 2 } }), 'needs-verify-local'));
    assert.ok(has(lintPolicy({ dnsBlacklist: { enabled: true } }), 'dns-list-setup'));
    assert.ok(has(lintPolicy({ localInternetDomains: ['acme.com'] }), 'relay-closed-by-default'));
    assert.ok(has(lintPolicy({}), 'never-matches', 'localInternetDomains'));
  });
  it('a sound configuration lints without warnings', () => {
    const f = lintPolicy({
      localInternetDomains: ['acme.com'],
      relay: { denyTo: ['*'], allowFrom: ['[192.168.1.*]'] },
      recipient: { verifyLocal: true },
    });
    assert.deepEqual(
      f.filter((x) => x.severity !== 'info'),
      [],
    );
  });
});
