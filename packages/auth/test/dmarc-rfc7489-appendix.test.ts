/**
 * RFC 7489 Appendix B as tests: the identifier alignment examples (B.1: SPF, DKIM, and a name
 * under a public suffix) and the Domain Owner's policy examples (B.2: monitoring only, failure
 * reports, a subdomain with pct= sampling and two aggregate report URIs), evaluated by checkDmarc
 * over the dns package's static transport. B.3/B.4 (what a Mail Receiver does, the SMTP-time
 * rejection) are the gateway's: test/gateway/inbound-auth.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DkimVerification } from '@mailroute/dkim';
import { createResolver, createStaticTransport, type StaticZone } from '@mailroute/dns';
import { aligned, checkDmarc, organizationalDomain, parseDmarcRecord } from '../src/index.js';

const zone: StaticZone = {
  // B.2.1/B.2.2 Entire domain, monitoring only (with failure reports to a third party in B.2.2).
  '_dmarc.example.com': {
    TXT: [
      'v=DMARC1; p=none; rua=mailto:dmarc-feedback@example.com; ruf=mailto:auth-reports@thirdparty.example.net',
    ],
  },
  // B.2.3: the third party accepts reports for example.com.
  'example.com._report._dmarc.thirdparty.example.net': { TXT: ['v=DMARC1'] },
  // B.2.4 Subdomain, sampling, and multiple aggregate report URIs.
  '_dmarc.test.example.com': {
    TXT: [
      'v=DMARC1; p=quarantine; rua=mailto:dmarc-feedback@example.com,mailto:tld-test@thirdparty.example.net!10m; pct=25',
    ],
  },
  // Strict variants of the B.1 examples (aspf=s / adkim=s).
  '_dmarc.strict.example': { TXT: ['v=DMARC1; p=reject; aspf=s; adkim=s'] },
  '_dmarc.example.co.uk': { TXT: ['v=DMARC1; p=reject'] },
};
const resolver = createResolver({ transport: createStaticTransport(zone), retryCount: 1 });
const dkim = (domain: string): DkimVerification => ({ result: 'pass', domain, selector: 's' });

describe('RFC 7489 B.1.1: SPF identifier alignment', () => {
  // [MAIL FROM domain, From domain, relaxed aligned, strict aligned]
  const examples: [string, string, boolean, boolean][] = [
    ['example.com', 'example.com', true, true], // identical: aligned in both modes
    ['child.example.com', 'example.com', true, false], // same organizational domain: relaxed only
    ['example.org', 'example.com', false, false], // different organizational domains
  ];
  for (const [mailFrom, from, relaxed, strict] of examples) {
    it(`MAIL FROM <sender@${mailFrom}>, From: sender@${from}: relaxed ${relaxed}, strict ${strict}`, () => {
      assert.equal(aligned(mailFrom, from, 'r'), relaxed);
      assert.equal(aligned(mailFrom, from, 's'), strict);
    });
  }

  it('the same through checkDmarc: relaxed (example.com) passes, strict (strict.example) does not', async () => {
    const relaxed = await checkDmarc(
      { fromDomain: 'example.com', spf: { result: 'pass', domain: 'child.example.com' } },
      { resolver },
    );
    assert.equal(relaxed.result, 'pass');
    assert.ok(relaxed.spfAligned);
    const strict = await checkDmarc(
      { fromDomain: 'strict.example', spf: { result: 'pass', domain: 'child.strict.example' } },
      { resolver },
    );
    assert.equal(strict.result, 'fail');
    assert.equal(strict.disposition, 'reject');
    const other = await checkDmarc(
      { fromDomain: 'example.com', spf: { result: 'pass', domain: 'example.org' } },
      { resolver },
    );
    assert.equal(other.result, 'fail');
  });
});

describe('RFC 7489 B.1.2: DKIM identifier alignment', () => {
  // [d=, From domain, relaxed aligned, strict aligned]
  const examples: [string, string, boolean, boolean][] = [
    ['example.com', 'example.com', true, true],
    ['example.com', 'child.example.com', true, false],
    ['sample.net', 'child.example.com', false, false],
  ];
  for (const [d, from, relaxed, strict] of examples) {
    it(`d=${d}, From: sender@${from}: relaxed ${relaxed}, strict ${strict}`, () => {
      assert.equal(aligned(d, from, 'r'), relaxed);
      assert.equal(aligned(d, from, 's'), strict);
    });
  }

  it('the same through checkDmarc', async () => {
    const child = await checkDmarc(
      { fromDomain: 'child.example.com', dkim: [dkim('example.com')] },
      { resolver },
    );
    assert.equal(child.result, 'pass');
    assert.equal(child.dkimAlignedDomain, 'example.com');
    const strict = await checkDmarc(
      { fromDomain: 'child.strict.example', dkim: [dkim('strict.example')] },
      { resolver },
    );
    assert.equal(strict.result, 'fail');
    const foreign = await checkDmarc(
      { fromDomain: 'child.example.com', dkim: [dkim('sample.net')] },
      { resolver },
    );
    assert.equal(foreign.result, 'fail');
  });
});

describe('RFC 7489 B.1.3: names under a public suffix', () => {
  it('two registrations under co.uk do not share an organizational domain', async () => {
    assert.equal(organizationalDomain('mail.example.co.uk'), 'example.co.uk');
    assert.equal(aligned('other.co.uk', 'example.co.uk', 'r'), false);
    assert.equal(aligned('bounce.example.co.uk', 'example.co.uk', 'r'), true);
    const v = await checkDmarc(
      { fromDomain: 'example.co.uk', spf: { result: 'pass', domain: 'other.co.uk' } },
      { resolver },
    );
    assert.equal(v.result, 'fail');
    assert.equal(v.recordDomain, 'example.co.uk');
  });
});

describe('RFC 7489 B.2: Domain Owner examples', () => {
  it('B.2.1 monitoring only: a failing message is reported, never acted on (p=none)', async () => {
    const v = await checkDmarc(
      { fromDomain: 'example.com', spf: { result: 'fail', domain: 'example.com' } },
      { resolver },
    );
    assert.equal(v.result, 'fail');
    assert.equal(v.policy, 'none');
    assert.equal(v.disposition, 'none');
    assert.deepEqual(v.record?.rua, ['mailto:dmarc-feedback@example.com']);
  });

  it('B.2.2/B.2.3 per-message failure reports to a third party: ruf= is read; the third party publishes its consent', async () => {
    const v = await checkDmarc({ fromDomain: 'example.com' }, { resolver });
    assert.deepEqual(v.record?.ruf, ['mailto:auth-reports@thirdparty.example.net']);
    assert.deepEqual(await resolver.resolveTxt('example.com._report._dmarc.thirdparty.example.net'), [
      'v=DMARC1',
    ]);
  });

  it('B.2.4 a subdomain with pct=25: quarantine for a quarter of failing mail, two rua URIs (one with a size limit)', async () => {
    const record = parseDmarcRecord(String(zone['_dmarc.test.example.com']!.TXT![0]));
    assert.ok(record.ok);
    assert.equal(record.record.p, 'quarantine');
    assert.equal(record.record.pct, 25);
    assert.deepEqual(record.record.rua, [
      'mailto:dmarc-feedback@example.com',
      'mailto:tld-test@thirdparty.example.net!10m',
    ]);
    const failing = { fromDomain: 'test.example.com', spf: { result: 'fail', domain: 'test.example.com' } };
    // The record at the From domain itself wins over the organizational domain's.
    const sampledIn = await checkDmarc(failing, { resolver, random: () => 0.1 });
    assert.equal(sampledIn.recordDomain, 'test.example.com');
    assert.equal(sampledIn.disposition, 'quarantine');
    assert.equal(sampledIn.sampledOut, false);
    // 75% are left out of the policy: quarantine is lowered one step, to none (section 6.6.4).
    const sampledOut = await checkDmarc(failing, { resolver, random: () => 0.5 });
    assert.equal(sampledOut.disposition, 'none');
    assert.equal(sampledOut.sampledOut, true);
    // Over many messages the share follows pct= (a seeded sequence, not Math.random).
    let seed = 1;
    const random = () => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    };
    let quarantined = 0;
    for (let i = 0; i < 400; i++)
      if ((await checkDmarc(failing, { resolver, random })).disposition === 'quarantine') quarantined++;
    assert.ok(quarantined > 60 && quarantined < 140, `${quarantined} of 400 quarantined`);
  });
});
