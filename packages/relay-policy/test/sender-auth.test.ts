/**
 * Inbound Sender Domain Authentication Controls: the SPF action at MAIL FROM (none / Log / Log and
 * tag `Received_SPF` / reject on a hard fail, with exception hosts), DKIM Log / Log and tag
 * `DKIM_Signature`, DMARC off / report / apply (reject, quarantine as a hold), on results handed in;
 * and the gatherer asking a fake `PolicyAuthentication` only what the policy reads.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  compilePolicy,
  createPolicyGatherer,
  type DkimFact,
  type DmarcFact,
  explainDecision,
  lintPolicy,
  type MessageQuestion,
  POLICY_AUTHENTICATION_MISSING,
  type PolicyAuthentication,
  type PolicyDns,
  policyProblems,
  type SpfFact,
  type SpfQuestion,
} from '../src/index.js';
import { host, mailFrom, policyOf } from './helpers.js';

const spf = (result: SpfFact['result'], extra: Partial<SpfFact> = {}): SpfFact => ({
  result,
  identity: 'mailfrom',
  domain: 'sender.example',
  receivedSpf: `${result} (test) client-ip=192.0.2.9;`,
  ...extra,
});
const outside = host('192.0.2.9', 'mx.sender.example');
const from = mailFrom('<jane@sender.example>');

describe('senderAuthentication.spf at MAIL FROM', () => {
  for (const result of ['pass', 'fail', 'softfail'] as const) {
    it(`${result}: none ignores, log traces, tag adds Received_SPF, reject refuses only a fail`, () => {
      const none = policyOf({}).onMailFrom({ session: outside, sender: from, spf: spf(result) });
      assert.equal(none.action, 'accept');
      assert.ok(!none.trace.some((s) => s.rule === 'senderAuthentication.spf'));

      const log = policyOf({ senderAuthentication: { spf: 'log' } });
      const logged = log.onMailFrom({ session: outside, sender: from, spf: spf(result) });
      assert.equal(logged.action, 'accept');
      assert.deepEqual(logged.items, []);
      const step = logged.trace.find((s) => s.rule === 'senderAuthentication.spf');
      assert.equal(step?.outcome, result);
      assert.equal(step?.subject, 'mailfrom sender.example');

      const tag = policyOf({ senderAuthentication: { spf: 'tag' } });
      const tagged = tag.onMailFrom({ session: outside, sender: from, spf: spf(result) });
      assert.equal(tagged.action, 'tag');
      assert.deepEqual(tagged.items, [
        { name: 'Received_SPF', value: `${result} (test) client-ip=192.0.2.9;` },
      ]);

      const reject = policyOf({ senderAuthentication: { spf: 'reject' } });
      const d = reject.onMailFrom({ session: outside, sender: from, spf: spf(result) });
      if (result === 'fail') {
        assert.equal(d.action, 'reject');
        assert.equal(d.reply.code, 550);
        assert.equal(d.reply.enhanced, '5.7.23');
      } else assert.equal(d.action, 'accept');
    });
  }

  it("puts the domain's explanation in the refusal, without line breaks and bounded", () => {
    const policy = policyOf({ senderAuthentication: { spf: 'reject' } });
    const explanation = `not ours\r\n250 OK ${'x'.repeat(500)}`;
    const d = policy.onMailFrom({ session: outside, sender: from, spf: spf('fail', { explanation }) });
    assert.equal(d.reply.lines.length, 1);
    assert.ok(d.reply.lines[0]!.startsWith('SPF check failed for sender.example: not ours 250 OK'));
    assert.ok(d.reply.lines[0]!.length < 300);
  });

  it('skips exception hosts (by IP or trusted PTR name) and authenticated sessions', () => {
    const policy = policyOf({
      senderAuthentication: { spf: 'reject', spfExceptions: ['[198.51.100.0/24]', 'forwarder.example'] },
    });
    for (const session of [
      host('198.51.100.7'),
      host('203.0.113.5', 'relay.forwarder.example'),
      host('192.0.2.9', undefined, { authenticatedUser: 'jdoe' }),
    ]) {
      assert.equal(policy.spfApplies(session), false);
      const d = policy.onMailFrom({ session, sender: from, spf: spf('fail') });
      assert.equal(d.action, 'accept', explainDecision(d).join('\n'));
      assert.equal(d.trace.find((s) => s.rule === 'senderAuthentication.spf')?.outcome, 'skipped');
    }
    // An unconfirmed PTR name cannot claim an exception.
    const claimed = { ip: '203.0.113.5', ptr: { result: 'found', name: 'relay.forwarder.example' } } as const;
    assert.equal(policy.spfApplies(claimed), true);
    assert.equal(policy.onMailFrom({ session: claimed, sender: from, spf: spf('fail') }).action, 'reject');
  });

  it('accepts when no result was given, and a sender-control refusal stays first', () => {
    const policy = policyOf({
      senderAuthentication: { spf: 'reject' },
      sender: { deny: ['*@sender.example'] },
    });
    const d = policy.onMailFrom({ session: outside, sender: mailFrom('<a@other.example>') });
    assert.equal(d.action, 'accept');
    assert.equal(d.trace.at(-1)?.outcome, 'temperror');
    const denied = policy.onMailFrom({ session: outside, sender: from, spf: spf('pass') });
    assert.equal(denied.action, 'reject');
    assert.equal(denied.reply.enhanced, '5.7.1');
  });

  it('lint: reject without exception hosts is a warning; exceptions with SPF off an info', () => {
    const codes = (config: Parameters<typeof lintPolicy>[0]) =>
      lintPolicy({ localInternetDomains: ['acme.example'], ...config })
        .filter((f) => f.code === 'sender-authentication')
        .map((f) => `${f.severity} ${f.field}`);
    assert.deepEqual(codes({ senderAuthentication: { spf: 'reject' } }), [
      'warning senderAuthentication.spfExceptions',
    ]);
    assert.deepEqual(codes({ senderAuthentication: { spf: 'reject', spfExceptions: ['[192.0.2.1]'] } }), []);
    assert.deepEqual(codes({ senderAuthentication: { spfExceptions: ['[192.0.2.1]'] } }), [
      'info senderAuthentication.spf',
    ]);
  });

  it('reports bad settings as problems and uses the defaults', () => {
    const problems = policyProblems({
      senderAuthentication: { spf: 'Log' as never, dkim: 'reject' as never, dmarc: 'on' as never },
    });
    assert.deepEqual(
      problems.map((p) => p.field),
      ['senderAuthentication.spf', 'senderAuthentication.dkim', 'senderAuthentication.dmarc'],
    );
  });
});

const dmarcFail = (disposition: DmarcFact['disposition'], extra: Partial<DmarcFact> = {}): DmarcFact => ({
  result: 'fail',
  fromDomain: 'sender.example',
  policy: disposition,
  disposition,
  ...extra,
});
const signed: DkimFact[] = [
  { result: 'pass', domain: 'sender.example', selector: 's1' },
  { result: 'fail', domain: 'other.example', selector: 's2', reason: 'body hash\r\ndid not verify' },
];

describe('senderAuthentication.dkim and .dmarc at the end of DATA', () => {
  it('DKIM log traces every signature; tag adds DKIM_Signature', () => {
    const log = policyOf({ senderAuthentication: { dkim: 'log' } }).onMessage({
      session: outside,
      dkim: signed,
    });
    assert.equal(log.action, 'accept');
    assert.deepEqual(
      log.trace.filter((s) => s.rule === 'senderAuthentication.dkim').map((s) => [s.outcome, s.subject]),
      [
        ['pass', 'd=sender.example s=s1'],
        ['fail', 'd=other.example s=s2'],
      ],
    );
    const tag = policyOf({ senderAuthentication: { dkim: 'tag' } });
    const tagged = tag.onMessage({ session: outside, dkim: signed });
    assert.equal(tagged.action, 'tag');
    assert.deepEqual(tagged.items, [
      {
        name: 'DKIM_Signature',
        value: 'pass d=sender.example s=s1; fail d=other.example s=s2 (body hash did not verify)',
      },
    ]);
    assert.deepEqual(tag.onMessage({ session: outside, dkim: [{ result: 'none' }] }).items, [
      { name: 'DKIM_Signature', value: 'none' },
    ]);
  });

  it('DMARC apply: p=reject refuses with 550 5.7.1, p=quarantine holds, pass and none go on', () => {
    const policy = policyOf({ senderAuthentication: { dmarc: 'apply' } });
    const rejected = policy.onMessage({ session: outside, dkim: [], dmarc: dmarcFail('reject') });
    assert.equal(rejected.action, 'reject');
    assert.equal(rejected.reply.code, 550);
    assert.equal(rejected.reply.enhanced, '5.7.1');
    assert.match(rejected.reply.lines[0]!, /DMARC policy of sender\.example/);

    const held = policy.onMessage({ session: outside, dkim: [], dmarc: dmarcFail('quarantine') });
    assert.equal(held.action, 'accept');
    assert.match(held.hold?.reason ?? '', /DMARC quarantine/);

    // pct= sampling lowered reject to quarantine: held, not refused.
    const sampled = policy.onMessage({
      session: outside,
      dkim: [],
      dmarc: dmarcFail('quarantine', { policy: 'reject', sampledOut: true }),
    });
    assert.equal(sampled.action, 'accept');
    assert.ok(sampled.hold !== undefined);

    for (const dmarc of [
      { ...dmarcFail('none'), policy: 'none' as const },
      { result: 'pass', fromDomain: 'sender.example', policy: 'reject', disposition: 'none' } as const,
      { result: 'temperror', fromDomain: 'sender.example', policy: 'none', disposition: 'none' } as const,
    ]) {
      const d = policy.onMessage({ session: outside, dkim: [], dmarc });
      assert.equal(d.action, 'accept');
      assert.equal(d.hold, undefined);
    }
  });

  it('DMARC report never acts; exception hosts and authenticated sessions are not refused', () => {
    const report = policyOf({ senderAuthentication: { dmarc: 'report' } });
    const d = report.onMessage({ session: outside, dkim: [], dmarc: dmarcFail('reject') });
    assert.equal(d.action, 'accept');
    const step = d.trace.find((s) => s.rule === 'senderAuthentication.dmarc');
    assert.equal(step?.outcome, 'fail');
    assert.match(step?.note ?? '', /report only/);

    const apply = policyOf({
      senderAuthentication: { dmarc: 'apply', spfExceptions: ['[198.51.100.7]'] },
    });
    const exempt = apply.onMessage({ session: host('198.51.100.7'), dkim: [], dmarc: dmarcFail('reject') });
    assert.equal(exempt.action, 'accept');
    const user = apply.onMessage({
      session: host('192.0.2.9', undefined, { authenticatedUser: 'jdoe' }),
      dmarc: dmarcFail('reject'),
    });
    assert.equal(user.action, 'accept');
  });

  it('explains the decision line by line', () => {
    const policy = policyOf({ senderAuthentication: { dkim: 'tag', dmarc: 'apply' } });
    const lines = explainDecision(
      policy.onMessage({ session: outside, dkim: signed, dmarc: dmarcFail('reject') }),
    );
    assert.match(lines[0]!, /^message: reject -> 550 5\.7\.1/);
    assert.ok(lines.some((l) => l.includes('senderAuthentication.dmarc: fail [sender.example]')));
    assert.ok(lines.some((l) => l.startsWith('  item DKIM_Signature = pass d=sender.example')));
  });
});

const quietDns: PolicyDns = {
  lookupPtr: async () => ({ result: 'none' }),
  lookupAddresses: async () => ({ result: 'none' }),
  domainExists: async () => 'found',
  queryDnsList: async (_ip, zone) => ({ site: zone, result: 'none' }),
};

/** A fake check set that records what it was asked. */
function fakeAuthentication(spfResult: SpfFact['result'] | 'throw') {
  const asked: string[] = [];
  const authentication: PolicyAuthentication = {
    async checkSpf(q: SpfQuestion) {
      asked.push(`spf ${q.ip} ${q.helo} ${q.mailFrom}`);
      if (spfResult === 'throw') throw new Error('resolver gone');
      return spf(spfResult);
    },
    async checkMessage(q: MessageQuestion) {
      asked.push(`message dkim=${q.dkim} dmarc=${q.dmarc} spf=${q.spf?.result}`);
      return { dkim: signed, dmarc: dmarcFail('quarantine') };
    },
  };
  return { authentication, asked };
}

describe('the gatherer and PolicyAuthentication', () => {
  it('refuses a policy that turns a check on without the checks', () => {
    const { policy } = compilePolicy({ senderAuthentication: { dkim: 'log' } });
    assert.throws(() => createPolicyGatherer({ policy, dns: quietDns }), {
      code: POLICY_AUTHENTICATION_MISSING,
    });
    assert.doesNotThrow(() => createPolicyGatherer({ policy: compilePolicy({}).policy, dns: quietDns }));
  });

  it('asks SPF at MAIL FROM (HELO identity for <>), then DKIM and DMARC with that result', async () => {
    const { authentication, asked } = fakeAuthentication('fail');
    const policy = policyOf({ senderAuthentication: { spf: 'tag', dkim: 'log', dmarc: 'apply' } });
    const gatherer = createPolicyGatherer({ policy, dns: quietDns, authentication });
    const session = { ...outside, helo: 'mx.sender.example' };
    const mail = await gatherer.mailFrom(session, from);
    assert.equal(mail.facts.spf?.result, 'fail');
    assert.equal(mail.decision.action, 'tag');
    const bounce = await gatherer.mailFrom(session, mailFrom('<>'));
    assert.equal(bounce.facts.spf?.result, 'fail');
    const message = await gatherer.message(
      session,
      {},
      { message: Buffer.from('From: a@sender.example\r\n\r\nhi\r\n'), spf: mail.facts.spf! },
    );
    assert.ok(message.decision.hold !== undefined);
    assert.deepEqual(asked, [
      'spf 192.0.2.9 mx.sender.example jane@sender.example',
      'spf 192.0.2.9 mx.sender.example ',
      'message dkim=true dmarc=true spf=fail',
    ]);
  });

  it('asks nothing for exception hosts and authenticated sessions; a throwing check is a temperror', async () => {
    const { authentication, asked } = fakeAuthentication('throw');
    const policy = policyOf({
      senderAuthentication: { spf: 'reject', dkim: 'log', spfExceptions: ['[198.51.100.7]'] },
    });
    const gatherer = createPolicyGatherer({ policy, dns: quietDns, authentication });
    await gatherer.mailFrom(host('198.51.100.7'), from);
    const user = host('192.0.2.9', undefined, { authenticatedUser: 'jdoe' });
    await gatherer.mailFrom(user, from);
    await gatherer.message(user, {}, { message: Buffer.from('\r\n') });
    assert.deepEqual(asked, []);
    const broken = await gatherer.mailFrom(outside, from);
    assert.equal(broken.facts.spf?.result, 'temperror');
    assert.equal(broken.decision.action, 'accept');
  });
});

describe('sender authentication: bounded fuzz', () => {
  it('random settings and results, junk included: never a throw, replies fit actions (3,000 rounds)', () => {
    let seed = 20261202;
    const next = () => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    };
    const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
    const results = ['pass', 'fail', 'softfail', 'neutral', 'none', 'temperror', 'permerror', 'junk', ''];
    const text = () =>
      pick(['sender.example', '', 'a\r\nb', 'x'.repeat(400), '%s', '(', 42 as never, null as never]);
    for (let round = 0; round < 3000; round++) {
      const { policy } = compilePolicy({
        senderAuthentication: {
          spf: pick(['none', 'log', 'tag', 'reject', 'Log', undefined]) as never,
          dkim: pick(['none', 'log', 'tag', 7, undefined]) as never,
          dmarc: pick(['off', 'report', 'apply', null, undefined]) as never,
          spfExceptions: pick([
            [],
            ['[192.0.2.0/24]'],
            ['forwarder.example'],
            'junk' as never,
            ['[999.1.1.1]'],
          ]),
        },
      });
      const session = pick([
        outside,
        host('192.0.2.200'),
        host('192.0.2.9', undefined, { authenticatedUser: 'u' }),
      ]);
      const spfFact = pick([
        undefined,
        null as never,
        {
          result: pick(results),
          identity: pick(['mailfrom', 'helo']),
          domain: text(),
          explanation: text(),
        } as never,
      ]);
      const mail = policy.onMailFrom({ session, sender: from, spf: spfFact });
      const dkim = pick([
        undefined,
        'junk' as never,
        [],
        [{ result: pick(results), domain: text(), selector: text(), reason: text() } as never],
        [null as never, 3 as never],
      ]);
      const dmarc = pick([
        undefined,
        null as never,
        {
          result: pick(results),
          fromDomain: text(),
          policy: pick(['none', 'quarantine', 'reject', 'junk']),
          disposition: pick(['none', 'quarantine', 'reject', 'junk']),
        } as never,
      ]);
      const message = policy.onMessage({ session, dkim, dmarc });
      for (const d of [mail, message]) {
        const cls = Math.floor(d.reply.code / 100);
        if (d.action === 'reject') assert.equal(cls, 5);
        else if (d.action === 'tempfail') assert.equal(cls, 4);
        else assert.equal(cls, 2);
        for (const line of d.reply.lines) assert.ok(!/[\r\n]/.test(line) && line.length < 600);
        for (const item of d.items) assert.equal(typeof item.value, 'string');
        // guarded() turns a throw into a tempfail with a `policy` step: none may happen here.
        assert.ok(!d.trace.some((s) => s.rule === 'policy'), JSON.stringify(d.trace));
      }
      if (message.hold !== undefined) assert.notEqual(message.action, 'reject');
    }
  });
});
