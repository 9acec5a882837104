import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DkimVerification } from '@mailroute/dkim';
import { createResolver, createStaticTransport, type StaticZone } from '@mailroute/dns';
import {
  checkDmarc,
  dmarcReportRecord,
  headerFromDomain,
  mergeReportRecords,
  organizationalDomain,
  parseDmarcRecord,
} from '../src/index.js';

function resolverFor(zone: StaticZone) {
  return createResolver({ transport: createStaticTransport(zone), retryCount: 1, retryBaseWaitMs: 30 });
}

describe('DMARC: organizational domain (the PSL test list, checkPublicSuffix cases)', () => {
  // [name, registrable domain or null when the name is itself a public suffix]
  const cases: [string, string | null][] = [
    ['COM', null],
    ['example.COM', 'example.com'],
    ['WwW.example.COM', 'example.com'],
    ['example.local', 'example.local'],
    ['b.example.local', 'example.local'],
    ['biz', null],
    ['domain.biz', 'domain.biz'],
    ['b.domain.biz', 'domain.biz'],
    ['uk.com', null],
    ['example.uk.com', 'example.uk.com'],
    ['a.b.example.uk.com', 'example.uk.com'],
    ['test.ac', 'test.ac'],
    ['mm', null],
    ['c.mm', null],
    ['b.c.mm', 'b.c.mm'],
    ['a.b.c.mm', 'b.c.mm'],
    ['jp', null],
    ['test.jp', 'test.jp'],
    ['www.test.jp', 'test.jp'],
    ['ac.jp', null],
    ['test.ac.jp', 'test.ac.jp'],
    ['kyoto.jp', null],
    ['test.kyoto.jp', 'test.kyoto.jp'],
    ['ide.kyoto.jp', null],
    ['b.ide.kyoto.jp', 'b.ide.kyoto.jp'],
    ['a.b.ide.kyoto.jp', 'b.ide.kyoto.jp'],
    ['c.kobe.jp', null],
    ['b.c.kobe.jp', 'b.c.kobe.jp'],
    ['a.b.c.kobe.jp', 'b.c.kobe.jp'],
    ['city.kobe.jp', 'city.kobe.jp'],
    ['www.city.kobe.jp', 'city.kobe.jp'],
    ['ck', null],
    ['test.ck', null],
    ['b.test.ck', 'b.test.ck'],
    ['www.ck', 'www.ck'],
    ['www.www.ck', 'www.ck'],
    ['us', null],
    ['test.us', 'test.us'],
    ['www.test.us', 'test.us'],
    ['ak.us', null],
    ['test.ak.us', 'test.ak.us'],
    ['k12.ak.us', null],
    ['test.k12.ak.us', 'test.k12.ak.us'],
    ['xn--85x722f.com.cn', 'xn--85x722f.com.cn'],
    ['www.xn--85x722f.xn--55qx5d.cn', 'xn--85x722f.xn--55qx5d.cn'],
  ];
  for (const [name, want] of cases)
    it(`${name} -> ${want ?? '(a public suffix: itself)'}`, () => {
      assert.equal(organizationalDomain(name), want ?? name.toLowerCase());
    });
});

describe('DMARC: the record', () => {
  it('reads every tag with defaults', () => {
    const r = parseDmarcRecord(
      'v=DMARC1; p=quarantine; rua=mailto:a@example.com,mailto:b@example.net!10m; pct=50; adkim=s',
    );
    assert.ok(r.ok);
    assert.deepEqual(r.record, {
      p: 'quarantine',
      sp: 'quarantine',
      adkim: 's',
      aspf: 'r',
      pct: 50,
      rua: ['mailto:a@example.com', 'mailto:b@example.net!10m'],
      ruf: [],
      fo: '0',
      ri: 86400,
    });
  });
  it('a bad p= with a rua= reads as p=none (section 6.6.3)', () => {
    const r = parseDmarcRecord('v=DMARC1; p=bogus; rua=mailto:a@example.com');
    assert.ok(r.ok && r.record.p === 'none');
  });
  for (const bad of [
    'v=DMARC1',
    'v=DMARC1; p=bogus',
    'v=DMARC1; p=none; pct=101',
    'v=DMARC1; p=none; adkim=x',
    'v=DMARC1; p=none; p=reject',
    'v=DMARC1; p=none; =x',
    'v=spf1 -all',
    'p=none; v=DMARC1',
  ])
    it(`refuses ${JSON.stringify(bad)}`, () => assert.equal(parseDmarcRecord(bad).ok, false));
});

describe('DMARC: From domain', () => {
  it('reads the author domain', () => {
    const r = headerFromDomain(' "Alice, A." <alice@Mail.Example.COM> (work)');
    assert.ok(r.ok && r.value === 'mail.example.com');
  });
  it('several domains, none, or garbage are DMARC_FROM', () => {
    for (const v of ['a@x.example, b@y.example', 'undisclosed-recipients:;', 'alice', '<a@bad..domain>']) {
      const r = headerFromDomain(v);
      assert.ok(!r.ok && r.reason.code === 'DMARC_FROM', v);
    }
  });
});

const zone: StaticZone = {
  '_dmarc.example.com': { TXT: ['v=DMARC1; p=reject; sp=quarantine; rua=mailto:dmarc@example.com'] },
  '_dmarc.strict.example': { TXT: ['v=DMARC1; p=reject; aspf=s; adkim=s'] },
  '_dmarc.half.example': { TXT: ['v=DMARC1; p=reject; pct=50'] },
  '_dmarc.two.example': { TXT: ['v=DMARC1; p=reject', 'v=DMARC1; p=none'] },
  '_dmarc.slow.example': { fail: 'TIMEOUT' },
};
const dkimPass = (domain: string): DkimVerification => ({ result: 'pass', domain, selector: 's1' });

describe('DMARC: evaluation', () => {
  const resolver = resolverFor(zone);

  it('relaxed SPF alignment across subdomains passes', async () => {
    const v = await checkDmarc(
      { fromDomain: 'example.com', spf: { result: 'pass', domain: 'bounces.example.com' } },
      { resolver },
    );
    assert.equal(v.result, 'pass');
    assert.equal(v.disposition, 'none');
    assert.ok(v.spfAligned);
  });

  it('a subdomain without a record uses the organizational record and its sp=', async () => {
    const v = await checkDmarc(
      { fromDomain: 'news.example.com', dkim: [dkimPass('other.example')] },
      { resolver },
    );
    assert.equal(v.result, 'fail');
    assert.equal(v.recordDomain, 'example.com');
    assert.equal(v.policy, 'quarantine');
    assert.equal(v.disposition, 'quarantine');
  });

  it('strict alignment needs the exact name', async () => {
    const sub = await checkDmarc(
      {
        fromDomain: 'strict.example',
        spf: { result: 'pass', domain: 'mail.strict.example' },
        dkim: [dkimPass('mail.strict.example')],
      },
      { resolver },
    );
    assert.equal(sub.result, 'fail');
    assert.equal(sub.disposition, 'reject');
    const exact = await checkDmarc(
      { fromDomain: 'strict.example', dkim: [dkimPass('STRICT.example')] },
      { resolver },
    );
    assert.equal(exact.result, 'pass');
    assert.equal(exact.dkimAlignedDomain, 'strict.example');
  });

  it('SPF fail or DKIM fail does not align', async () => {
    const v = await checkDmarc(
      {
        fromDomain: 'example.com',
        spf: { result: 'softfail', domain: 'example.com' },
        dkim: [{ result: 'fail', domain: 'example.com' }],
      },
      { resolver },
    );
    assert.equal(v.result, 'fail');
    assert.equal(v.disposition, 'reject');
  });

  it('pct= samples with the injected random and lowers the policy one step', async () => {
    const inSample = await checkDmarc({ fromDomain: 'half.example' }, { resolver, random: () => 0.2 });
    assert.equal(inSample.disposition, 'reject');
    const out = await checkDmarc({ fromDomain: 'half.example' }, { resolver, random: () => 0.7 });
    assert.equal(out.disposition, 'quarantine');
    assert.ok(out.sampledOut);
  });

  it('no record, or two records, is none', async () => {
    assert.equal((await checkDmarc({ fromDomain: 'nothing.example' }, { resolver })).result, 'none');
    const two = await checkDmarc({ fromDomain: 'two.example' }, { resolver });
    assert.equal(two.result, 'none');
    assert.match(two.problem?.message ?? '', /2 DMARC records/);
  });

  it('a DNS timeout is temperror', async () => {
    const v = await checkDmarc({ fromDomain: 'slow.example' }, { resolver });
    assert.equal(v.result, 'temperror');
    assert.equal(v.problem?.temporary, true);
  });

  it('aggregate report records, merged with counts', async () => {
    const spf = { result: 'pass', domain: 'example.com' } as const;
    const dkim = [dkimPass('example.com')];
    const v = await checkDmarc({ fromDomain: 'example.com', spf, dkim }, { resolver });
    const rec = dmarcReportRecord(v, { sourceIp: '192.0.2.1', spf, dkim });
    assert.ok(rec);
    assert.deepEqual(rec.rua, ['mailto:dmarc@example.com']);
    assert.deepEqual(rec.row.policy_evaluated, { disposition: 'none', dkim: 'pass', spf: 'pass' });
    assert.deepEqual(rec.auth_results.spf, [{ domain: 'example.com', scope: 'mailfrom', result: 'pass' }]);
    const merged = mergeReportRecords([rec, rec, { ...rec, row: { ...rec.row, source_ip: '192.0.2.2' } }]);
    assert.deepEqual(
      merged.map((m) => [m.row.source_ip, m.row.count]),
      [
        ['192.0.2.1', 2],
        ['192.0.2.2', 1],
      ],
    );
    assert.equal(rec.row.count, 1);
  });
});
