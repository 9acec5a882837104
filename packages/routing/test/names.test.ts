import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prng } from '@mailroute/testing';
import { matchesDomainPattern, normalizeDomain, parseInternetAddress } from '../src/index.js';
import { parseMailbox, plainMailbox } from '../src/names.js';

// Notes names and Notes addresses are tested with their module, packages/envelope/test/notes-name.test.ts.
describe('addresses', () => {
  it('normalizes domains to lower-case A-labels', () => {
    assert.equal(normalizeDomain('Example.COM.'), 'example.com');
    assert.equal(normalizeDomain('bücher.Example'), 'xn--bcher-kva.example');
    assert.equal(normalizeDomain('[192.0.2.1]'), '[192.0.2.1]');
    for (const bad of ['', '.', 'a..b', '.a', '-a.b', 'a b.c', 'x'.repeat(300)]) {
      assert.equal(normalizeDomain(bad), undefined, bad);
    }
  });

  it('reads Internet addresses with the envelope parser: quotes removed, literals canonical', () => {
    assert.deepEqual(parseInternetAddress('"a@b"@Example.com'), { localPart: 'a@b', domain: 'example.com' });
    assert.deepEqual(parseInternetAddress('"kim"@acme.com'), { localPart: 'kim', domain: 'acme.com' });
    assert.deepEqual(parseInternetAddress('<x@[192.000.002.010]>'), {
      localPart: 'x',
      domain: '[192.0.2.10]',
    });
    assert.equal(parseInternetAddress('@x.com'), undefined);
    assert.equal(parseInternetAddress('x@'), undefined);
    assert.equal(parseInternetAddress('nodomain'), undefined);
    assert.equal(parseInternetAddress('user@remote.test@acme.com'), undefined);
    assert.equal(parseInternetAddress('John Doe@acme.com'), undefined);
    assert.equal(normalizeDomain('[IPv6:2001:DB8:0:0:0:0:0:1]'), '[IPv6:2001:db8::1]');
    assert.equal(normalizeDomain('[300.1.1.1]'), undefined);
  });

  it('matches Foreign SMTP Domain patterns', () => {
    assert.ok(matchesDomainPattern('*.*', 'example.org'));
    assert.ok(!matchesDomainPattern('*.*', 'localhost'));
    assert.ok(matchesDomainPattern('*.acme.com', 'eu.acme.com'));
    assert.ok(!matchesDomainPattern('*.acme.com', 'acme.com'));
    assert.ok(matchesDomainPattern('ACME.com', 'acme.com'));
    assert.ok(matchesDomainPattern('a*c*e.com', 'abcde.com'));
    assert.ok(!matchesDomainPattern('a*c*e.com', 'abde.com'));
  });
});

describe('fuzz: address parsers', () => {
  it('never throw, and keep their invariants, on 20,000 random strings', () => {
    const rand = prng(1352);
    const alphabet = [
      'a',
      'Z',
      '0',
      '.',
      '-',
      '@',
      '/',
      '=',
      ' ',
      '"',
      '*',
      '[',
      ']',
      'ü',
      'CN=',
      'OU=',
      'O=',
      'C=',
      '\u0000',
      '\uD800',
    ];
    for (let i = 0; i < 20_000; i++) {
      let s = '';
      const n = Math.floor(rand() * 24);
      for (let k = 0; k < n; k++) s += alphabet[Math.floor(rand() * alphabet.length)];
      const d = normalizeDomain(s);
      if (d !== undefined)
        assert.equal(normalizeDomain(d), d, `normalizeDomain is idempotent for ${JSON.stringify(s)}`);
      const inet = parseInternetAddress(s);
      if (inet !== undefined) assert.ok(inet.localPart.length > 0 && inet.domain.length > 0);
      matchesDomainPattern(s, 'example.org');
    }
  });
});

describe('the plain-address fast path', () => {
  it('agrees with the envelope parser on random text (seeded)', () => {
    const rand = prng(12345);
    const alphabet = [
      'a',
      'B',
      '0',
      '.',
      '-',
      '@',
      '"',
      ' ',
      '_',
      '+',
      'x',
      'n',
      '--',
      'xn--',
      'é',
      '[',
      ']',
      '\\',
      '.com',
    ];
    let plainCount = 0;
    for (let k = 0; k < 20_000; k++) {
      let s = '';
      const len = 1 + Math.floor(rand() * 24);
      for (let i = 0; i < len; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
      if (rand() < 0.5) s = `user${k}@${s}`;
      if (rand() < 0.05) s = `${'a'.repeat(60 + Math.floor(rand() * 10))}@example.com`;
      const plain = plainMailbox(s);
      if (plain === undefined) continue;
      plainCount++;
      const mailbox = parseMailbox(s);
      assert.ok(
        mailbox !== undefined,
        `the fast path accepted what the envelope refuses: ${JSON.stringify(s)}`,
      );
      assert.deepEqual(
        plain,
        { localPart: mailbox.localPart, domain: mailbox.domain.ascii },
        JSON.stringify(s),
      );
    }
    assert.ok(plainCount > 300, `the fast path was exercised (${plainCount})`);
    for (const s of [
      'A.B@X.COM',
      'a@b-.com',
      'a@-b.com',
      'a@xn--bcher-kva.example',
      'a@xn--zz.com',
      'a..b@x.com',
      '.a@x.com',
      'a@x.com.',
      'a@x',
      `${'a'.repeat(65)}@x.com`,
      'ü@x.com',
      'a@b_c.com',
    ]) {
      const plain = plainMailbox(s);
      const mailbox = parseMailbox(s);
      if (plain !== undefined)
        assert.deepEqual(plain, { localPart: mailbox?.localPart, domain: mailbox?.domain.ascii }, s);
    }
    assert.deepEqual(plainMailbox('A.B@X.COM'), { localPart: 'A.B', domain: 'x.com' });
  });
});
