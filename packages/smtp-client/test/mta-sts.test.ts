/** MTA-STS (RFC 8461): the policy format, the TXT record, MX patterns, the cache by max_age. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Clock, silentLogger } from '@mailroute/envelope';
import { createMtaSts, mxMatches, parseMtaStsPolicy, parseMtaStsTxt } from '../src/index.js';

const POLICY =
  'version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmax_age: 86400\r\n';

describe('MTA-STS', () => {
  it('parses a policy and refuses broken ones', () => {
    assert.deepEqual(parseMtaStsPolicy(POLICY), {
      mode: 'enforce',
      mx: ['mail.example.com', '*.example.net'],
      maxAgeSeconds: 86400,
    });
    assert.equal(parseMtaStsPolicy('version: STSv2\nmode: enforce\nmx: a\nmax_age: 1\n'), undefined);
    assert.equal(parseMtaStsPolicy('version: STSv1\nmode: enforce\nmax_age: 1\n'), undefined);
    assert.equal(parseMtaStsPolicy('version: STSv1\nmode: loud\nmx: a\nmax_age: 1\n'), undefined);
    assert.equal(parseMtaStsPolicy('version: STSv1\nmode: enforce\nmx: a\n'), undefined);
    assert.equal(parseMtaStsPolicy('garbage'), undefined);
  });

  it('reads the TXT id', () => {
    assert.equal(parseMtaStsTxt(['v=STSv1; id=20160831085700Z;']), '20160831085700Z');
    assert.equal(parseMtaStsTxt(['v=spf1 -all']), undefined);
    assert.equal(parseMtaStsTxt(['v=STSv1; id=a', 'v=STSv1; id=b']), undefined);
  });

  it('matches MX patterns: a wildcard covers exactly one label', () => {
    assert.ok(mxMatches('mail.example.com', 'MAIL.example.com.'));
    assert.ok(mxMatches('*.example.net', 'mx1.example.net'));
    assert.ok(!mxMatches('*.example.net', 'a.b.example.net'));
    assert.ok(!mxMatches('*.example.net', 'example.net'));
  });

  it('caches the policy for max_age, refetches when the id changes, keeps a valid policy when the fetch fails', async () => {
    let now = 1_000_000;
    const clock: Clock = { now: () => now, setTimeout: () => 0, clearTimeout: () => {} };
    let id = 'one';
    let fetches = 0;
    let fail = false;
    const sts = createMtaSts({
      clock,
      logger: silentLogger,
      resolveTxt: async () => [`v=STSv1; id=${id}`],
      fetch: async (url) => {
        fetches++;
        assert.equal(url, 'https://mta-sts.example.com/.well-known/mta-sts.txt');
        if (fail) throw new Error('no route');
        return { status: 200, contentType: 'text/plain; charset=utf-8', body: POLICY };
      },
    });
    assert.equal((await sts.policyFor('example.com'))?.mode, 'enforce');
    await sts.policyFor('example.com');
    assert.equal(fetches, 1);
    id = 'two';
    fail = true;
    assert.equal(
      (await sts.policyFor('example.com'))?.mode,
      'enforce',
      'the cached policy stays while valid',
    );
    assert.equal(fetches, 2);
    now += 86_401_000;
    assert.equal(await sts.policyFor('example.com'), undefined, 'expired and no fresh one');
  });
});
