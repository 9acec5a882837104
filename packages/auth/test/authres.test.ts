import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type AuthenticationResults,
  formatAuthenticationResults,
  parseAuthenticationResults,
  removeOwnAuthenticationResults,
} from '../src/index.js';

function parsed(text: string): AuthenticationResults {
  const r = parseAuthenticationResults(text);
  assert.ok(r.ok, r.ok ? '' : r.reason.message);
  return r.value;
}

describe('Authentication-Results: parse (RFC 8601 Appendix B examples)', () => {
  it('B.2: nothing done', () => {
    assert.deepEqual(parsed(' example.org 1; none'), { authservId: 'example.org', version: 1, results: [] });
  });

  it('B.3: SPF with a comment', () => {
    const v = parsed(' example.com;\r\n   spf=pass smtp.mailfrom=example.net (sender IP is 192.0.2.1)');
    assert.deepEqual(v.results, [
      {
        method: 'spf',
        result: 'pass',
        properties: [{ ptype: 'smtp', property: 'mailfrom', value: 'example.net' }],
      },
    ]);
  });

  it('B.4: several methods, a method version, a reason and quoted values', () => {
    const v = parsed(
      ' example.com;\r\n\tauth=pass (cram-md5) smtp.auth=sender@example.net;\r\n\tdkim/1=fail reason="bad sig" header.d="example.org" header.b=AbC;\r\n\tspf=pass smtp.mailfrom=sender@example.net',
    );
    assert.equal(v.results.length, 3);
    assert.equal(v.results[1]!.version, 1);
    assert.equal(v.results[1]!.reason, 'bad sig');
    assert.deepEqual(v.results[1]!.properties[0], { ptype: 'header', property: 'd', value: 'example.org' });
    assert.equal(v.results[2]!.properties[0]!.value, 'sender@example.net');
  });

  it('a quoted authserv-id and a trailing semicolon', () => {
    assert.equal(parsed('"mx (1).example";').authservId, 'mx (1).example');
  });

  const bad = [
    '',
    ';spf=pass',
    'example.com; spf',
    'example.com; spf=',
    'example.com; spf=pass smtp',
    'example.com; spf=pass smtp.mailfrom',
    'example.com; spf=pass (unclosed',
    'example.com; spf=pass smtp.mailfrom="open',
    'example.com; none; spf=pass',
    'example.com; -bad=pass',
    'example.com spf=pass',
    'x'.repeat(70_000),
  ];
  for (const text of bad)
    it(`refuses ${JSON.stringify(text.slice(0, 40))}`, () => {
      const r = parseAuthenticationResults(text);
      assert.equal(r.ok, false);
      if (!r.ok) assert.equal(r.reason.code, 'AUTHRES_SYNTAX');
    });
});

describe('Authentication-Results: write', () => {
  it('writes one result per folded line and reads back the same', () => {
    const ar: AuthenticationResults = {
      authservId: 'mx.example.org',
      results: [
        {
          method: 'spf',
          result: 'pass',
          properties: [{ ptype: 'smtp', property: 'mailfrom', value: 'a@example.com' }],
        },
        {
          method: 'dkim',
          result: 'fail',
          reason: 'signature "did not" verify',
          properties: [{ ptype: 'header', property: 'd', value: 'example.com' }],
        },
        {
          method: 'dmarc',
          result: 'pass',
          properties: [{ ptype: 'header', property: 'from', value: 'example.com' }],
        },
      ],
    };
    const text = formatAuthenticationResults(ar);
    assert.equal(
      text,
      'mx.example.org;\r\n\tspf=pass smtp.mailfrom=a@example.com;\r\n\tdkim=fail reason="signature \\"did not\\" verify" header.d=example.com;\r\n\tdmarc=pass header.from=example.com',
    );
    assert.deepEqual(parsed(text), ar);
  });

  it('writes none when nothing was checked', () => {
    assert.equal(
      formatAuthenticationResults({ authservId: 'mx.example.org', results: [] }),
      'mx.example.org; none',
    );
  });
});

describe('Authentication-Results: incoming claims of our authserv-id are removed (RFC 8601 section 5)', () => {
  const block = [
    'Received: from a by b',
    'Authentication-Results: MX.example.org;',
    '\tspf=pass smtp.mailfrom=forged.example',
    'Authentication-Results: other.example; spf=fail smtp.mailfrom=x.example',
    'authentication-results : mx.example.org (garbage; ((',
    'Subject: hi',
    '',
    '',
  ].join('\r\n');

  it('removes ours (folded, any case, even unparseable), keeps others byte for byte', () => {
    const r = removeOwnAuthenticationResults(block, 'mx.example.org');
    assert.equal(r.removed, 2);
    assert.equal(
      r.headers,
      'Received: from a by b\r\nAuthentication-Results: other.example; spf=fail smtp.mailfrom=x.example\r\nSubject: hi\r\n\r\n',
    );
  });

  it('removes nothing when no field claims our id', () => {
    const r = removeOwnAuthenticationResults(block, 'elsewhere.example');
    assert.equal(r.removed, 0);
    assert.equal(r.headers, block);
  });
});
