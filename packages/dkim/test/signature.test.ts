import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSignature } from '../src/index.js';
import { withoutSignatureValue } from '../src/signature.js';

const BH = 'bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=';
const good = `v=1; a=rsa-sha256; d=example.com; s=sel; h=from:to; ${BH}; b=AAAA`;

describe('DKIM-Signature parsing', () => {
  it('reads a minimal signature with the defaults', () => {
    const r = parseSignature(good);
    assert.ok(r.ok);
    assert.equal(r.value.headerCanonicalization, 'simple');
    assert.equal(r.value.bodyCanonicalization, 'simple');
    assert.equal(r.value.identity, '@example.com');
    assert.deepEqual(r.value.signedHeaders, ['from', 'to']);
  });

  it('reads c=relaxed as relaxed/simple and folded b=', () => {
    const r = parseSignature(
      `${good.replace('b=AAAA', 'b=AA\r\n AA')}; c=relaxed; l=10; t=5; x=9; i=joe@sub.example.com`,
    );
    assert.ok(r.ok);
    assert.equal(r.value.headerCanonicalization, 'relaxed');
    assert.equal(r.value.bodyCanonicalization, 'simple');
    assert.equal(r.value.signatureBase64, 'AAAA');
    assert.equal(r.value.bodyLength, 10);
  });

  const cases: [string, string, RegExp][] = [
    ['missing v', good.replace('v=1; ', ''), /missing required tag v=/],
    ['missing bh', good.replace(`${BH}; `, ''), /missing required tag bh=/],
    ['version 2', good.replace('v=1', 'v=2'), /unsupported version/],
    ['rsa-sha1', good.replace('rsa-sha256', 'rsa-sha1'), /RFC 8301/],
    ['unknown algorithm', good.replace('rsa-sha256', 'dsa-sha256'), /unsupported algorithm/],
    ['bad b', good.replace('b=AAAA', 'b=A*A'), /b= is not valid base64/],
    ['short bh', good.replace(BH, 'bh=AAAA'), /bh= is not a base64 SHA-256/],
    ['bad c', `${good}; c=fancy/simple`, /unsupported canonicalization/],
    ['bad d', good.replace('d=example.com', 'd=exa mple..com'), /d= is not a domain/],
    ['no From in h', good.replace('h=from:to', 'h=to:subject'), /does not include From/],
    ['foreign i', `${good}; i=joe@example.org`, /i= domain/],
    ['i without @', `${good}; i=example.com`, /i= domain/],
    ['bad l', `${good}; l=ten`, /l= is not a number/],
    ['bad t', `${good}; t=soon`, /t= is not a number/],
    ['x before t', `${good}; t=100; x=50`, /x= is not after t=/],
    ['x equal to t (RFC 6376 3.5: x MUST be greater)', `${good}; t=100; x=100`, /x= is not after t=/],
    ['q without dns/txt', `${good}; q=http`, /q= does not offer dns\/txt/],
    ['duplicate', `${good}; d=example.com`, /duplicate tag d=/],
  ];
  for (const [name, text, why] of cases) {
    it(`gives a reason for ${name}`, () => {
      const r = parseSignature(text);
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.reason.message, why);
    });
  }

  it('keeps d= and s= of a malformed signature for the report', () => {
    const r = parseSignature(good.replace('v=1', 'v=9'));
    assert.ok(!r.ok);
    assert.equal(r.reason.partial.domain, 'example.com');
    assert.equal(r.reason.partial.selector, 'sel');
  });

  it('empties b= but not bh=, keeping every other byte', () => {
    assert.equal(withoutSignatureValue(' bh=xyz; b=ab\r\n cd; s=x'), ' bh=xyz; b=; s=x');
    assert.equal(withoutSignatureValue(' a=1;\r\n b = ab\r\n cd'), ' a=1;\r\n b =');
  });
});
