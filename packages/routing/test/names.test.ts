import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  abbreviateName,
  canonicalizeName,
  commonName,
  matchesDomainPattern,
  nameKey,
  normalizeDomain,
  parseInternetAddress,
  parseNotesAddress,
} from '../src/index.js';

describe('Notes names', () => {
  it('abbreviates canonical names', () => {
    assert.equal(abbreviateName('CN=John Doe/OU=Sales/O=Acme/C=US'), 'John Doe/Sales/Acme/US');
    assert.equal(abbreviateName(' cn = Mail1 / o = Acme '), 'Mail1/Acme');
    assert.equal(abbreviateName('John Doe'), 'John Doe');
  });

  it('canonicalizes abbreviated names with Domino heuristics (two letters at the end is a country)', () => {
    assert.equal(canonicalizeName('John Doe/Sales/Acme/US'), 'CN=John Doe/OU=Sales/O=Acme/C=US');
    assert.equal(canonicalizeName('Mail1/Acme'), 'CN=Mail1/O=Acme');
    assert.equal(canonicalizeName('Demeter/SRV/Martinus'), 'CN=Demeter/OU=SRV/O=Martinus');
    assert.equal(canonicalizeName('cn=a/o=b'), 'CN=a/O=b');
    assert.equal(canonicalizeName('Flat'), 'Flat');
  });

  it('canonical and abbreviated forms share one key, case ignored', () => {
    assert.equal(nameKey('CN=Mail1/O=Acme'), nameKey('mail1/ACME'));
    assert.equal(commonName('CN=John Doe/O=Acme'), 'John Doe');
  });
});

describe('addresses', () => {
  it('normalizes domains to lower-case A-labels', () => {
    assert.equal(normalizeDomain('Example.COM.'), 'example.com');
    assert.equal(normalizeDomain('bücher.Example'), 'xn--bcher-kva.example');
    assert.equal(normalizeDomain('[192.0.2.1]'), '[192.0.2.1]');
    for (const bad of ['', '.', 'a..b', '.a', '-a.b', 'a b.c', 'x'.repeat(300)]) {
      assert.equal(normalizeDomain(bad), undefined, bad);
    }
  });

  it('splits Internet addresses at the last @', () => {
    assert.deepEqual(parseInternetAddress('"a@b"@Example.com'), {
      localPart: '"a@b"',
      domain: 'example.com',
    });
    assert.equal(parseInternetAddress('@x.com'), undefined);
    assert.equal(parseInternetAddress('x@'), undefined);
    assert.equal(parseInternetAddress('nodomain'), undefined);
  });

  it('reads Notes domain paths nearest first', () => {
    assert.deepEqual(parseNotesAddress('Pat/Org@B@A'), { name: 'Pat/Org', domainPath: ['A', 'B'] });
    assert.deepEqual(parseNotesAddress('"x@y"@A'), { name: '"x@y"', domainPath: ['A'] });
    assert.equal(parseNotesAddress('"unterminated@A'), undefined);
    assert.equal(parseNotesAddress('a@ @b'), undefined);
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
