// The openspf RFC 7208 suite through checkSpf over the dns package's resolver and static transport.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkSpf } from '@mailroute/auth';
import { createResolver } from '@mailroute/dns';
import { loadSuite, type SuiteScenario, type SuiteTest, suitePath, suiteTransport } from './spf-suite.js';

const EXPECTED_TESTS = 203;
/**
 * Tests we do not pass, and why: none. macro-mania-in-domain expands to a name with two spaces in a
 * label ("macro%percent  space%20url-space.example.com"); DNS labels may carry any octet and RFC 7208
 * section 4.8 queries the expansion as-is, so check_host asks @mailroute/dns with `rawName: true`,
 * which accepts spaces for that lookup only (every other caller keeps refusing whitespace).
 */
const KNOWN: Readonly<Record<string, string>> = {};

async function run(s: SuiteScenario, t: SuiteTest) {
  // A TIMEOUT name never answers; one short attempt keeps the temperror cases quick.
  const resolver = createResolver({
    transport: suiteTransport(s),
    retryCount: 1,
    retryBaseWaitMs: 50,
    noHitCacheTtlSeconds: 0,
  });
  try {
    return await checkSpf(
      { ip: t.host, mailFrom: t.mailfrom, helo: t.helo },
      // The suite's drivers explain a fail with DEFAULT when the domain gives no explanation.
      { resolver, receiver: 'receiver.example', timeoutMs: 5000, defaultExplanation: 'DEFAULT' },
    );
  } finally {
    resolver.close();
  }
}

describe('SPF: the openspf RFC 7208 test suite', {
  skip: suitePath ? false : 'shared fixtures absent (../shared/fixtures/spf)',
}, () => {
  const scenarios = suitePath ? loadSuite(suitePath) : [];
  const failures: string[] = [];
  let passed = 0;
  let total = 0;

  for (const s of scenarios) {
    describe(s.description, () => {
      for (const t of s.tests) {
        it(t.name, { todo: KNOWN[t.name] ?? false }, async () => {
          total++;
          const v = await run(s, t);
          const okResult = t.results.includes(v.result);
          const okExp = t.explanation === undefined || v.result !== 'fail' || v.explanation === t.explanation;
          if (okResult && okExp) passed++;
          else
            failures.push(
              `${t.name}: got ${v.result}${v.explanation ? ` "${v.explanation}"` : ''} (${v.problem?.message ?? v.mechanism ?? ''}), want ${t.results.join('|')}${t.explanation ? ` "${t.explanation}"` : ''}`,
            );
          assert.ok(
            okResult,
            `${t.name}: got ${v.result}, want ${t.results.join(' or ')}: ${v.problem?.message ?? ''}`,
          );
          assert.ok(
            okExp,
            `${t.name}: explanation ${JSON.stringify(v.explanation)}, want ${JSON.stringify(t.explanation)}`,
          );
        });
      }
    });
  }

  it('passes every test of the suite, counted', () => {
    console.log(`RFC 7208 suite: ${passed} of ${total} passed`);
    for (const f of failures) console.log(`  ${f}`);
    assert.equal(total, EXPECTED_TESTS);
    assert.equal(passed, total - Object.keys(KNOWN).length);
    assert.deepEqual(
      failures.map((f) => f.slice(0, f.indexOf(':'))),
      Object.keys(KNOWN),
    );
  });
});
