// Notes names: the one module both callers use. The itemizer reads a name into its parts and
// makes Domino's fallback Internet address; routing abbreviates, canonicalizes, keys and splits
// Notes addresses for directory lookups. Both callers' cases are here, and a seeded check that
// the two readings of an abbreviated name agree.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prng } from '@mailroute/testing';
import {
  abbreviateName,
  canonicalizeName,
  commonName,
  internetToNotes,
  isCanonicalName,
  isNotesName,
  nameKey,
  notesToInternet,
  parseNotesAddress,
  parseNotesName,
  toAbbreviated,
  toCanonical,
} from '../src/notes-name.js';

describe('Notes names read into parts (the itemizer)', () => {
  it('reads an abbreviated name with a country and a Domino domain', () => {
    const n = parseNotesName('Daniel Nashed/NashCom/DE@NashCom');
    assert.deepEqual(n, { cn: 'Daniel Nashed', ou: [], o: 'NashCom', c: 'DE', domains: ['NashCom'] });
    assert.equal(toCanonical(n), 'CN=Daniel Nashed/O=NashCom/C=DE@NashCom');
  });

  it('reads a canonical name with organizational units', () => {
    const n = parseNotesName('CN=Jane Doe/OU=Sales/OU=East/O=Acme');
    assert.deepEqual(n, { cn: 'Jane Doe', ou: ['Sales', 'East'], o: 'Acme', c: '', domains: [] });
    assert.equal(toAbbreviated(n), 'Jane Doe/Sales/East/Acme');
  });

  it('reads blanks around attributes and drops X.400 attributes', () => {
    assert.deepEqual(parseNotesName(' cn = Mail1 / G=Pat / o = Acme '), {
      cn: 'Mail1',
      ou: [],
      o: 'Acme',
      c: '',
      domains: [],
    });
  });

  it('keeps @Domain paths in order', () => {
    assert.deepEqual(parseNotesName('John Doe/Acme@ACME@Partner').domains, ['ACME', 'Partner']);
  });

  it('tells Notes names from Internet addresses', () => {
    assert.equal(isNotesName('Daniel Nashed/NashCom/DE@NashCom'), true);
    assert.equal(isNotesName('CN=Daniel Nashed/O=NashCom'), true);
    assert.equal(isNotesName('"Daniel Nashed" <nsh@nashcom.de>'), false);
    assert.equal(isNotesName('nsh@nashcom.de'), false);
  });

  it("converts to Domino's fallback Internet address and back", () => {
    const n = parseNotesName('John Doe/Acme@ACME');
    const inet = notesToInternet(n, 'acme.com');
    assert.deepEqual(inet, { name: 'John Doe', address: 'John_Doe/Acme%ACME@acme.com' });
    const back = internetToNotes(inet.address);
    assert.ok(back !== undefined);
    assert.equal(toAbbreviated(back), 'John Doe/Acme@ACME');
    assert.equal(internetToNotes('plain@acme.com'), undefined);
  });
});

describe('Notes names as lookup keys (routing)', () => {
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
    assert.equal(isCanonicalName(' CN=x/O=y'), true);
    assert.equal(isCanonicalName('x/y'), false);
  });

  it('canonical and abbreviated forms share one key, case ignored', () => {
    assert.equal(nameKey('CN=Mail1/O=Acme'), nameKey('mail1/ACME'));
    assert.equal(commonName('CN=John Doe/O=Acme'), 'John Doe');
  });

  it('reads Notes domain paths nearest first', () => {
    assert.deepEqual(parseNotesAddress('Pat/Org@B@A'), { name: 'Pat/Org', domainPath: ['A', 'B'] });
    assert.deepEqual(parseNotesAddress('"x@y"@A'), { name: '"x@y"', domainPath: ['A'] });
    assert.equal(parseNotesAddress('"unterminated@A'), undefined);
    assert.equal(parseNotesAddress('a@ @b'), undefined);
  });
});

describe('fuzz: the Notes name functions', () => {
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
    'ü',
    'DE',
    'CN=',
    'OU=',
    'O=',
    'C=',
    '\u0000',
  ];
  const randomText = (rand: () => number): string => {
    let s = '';
    const n = Math.floor(rand() * 24);
    for (let k = 0; k < n; k++) s += alphabet[Math.floor(rand() * alphabet.length)];
    return s;
  };

  it('never throw, and keep their invariants, on 20,000 random strings (seeded)', () => {
    const rand = prng(1352);
    for (let i = 0; i < 20_000; i++) {
      const s = randomText(rand);
      const key = nameKey(s);
      // A value that itself reads as an attribute (`CN=C=x`) loses one prefix per pass, as in Domino.
      if (!s.includes('=')) {
        assert.equal(nameKey(key), key, `nameKey is idempotent for ${JSON.stringify(s)}`);
        assert.equal(nameKey(canonicalizeName(s)), key, `canonical round trip of ${JSON.stringify(s)}`);
      }
      const notes = parseNotesAddress(s);
      if (notes !== undefined) {
        assert.ok(notes.name.length > 0);
        assert.ok(notes.domainPath.every((p) => p.length > 0));
      }
      commonName(s);
      isNotesName(s);
      const parts = parseNotesName(s);
      assert.ok(parts.domains.every((d) => d.length > 0));
      internetToNotes(s);
    }
  });

  it('reads an abbreviated name the same way in both callers (seeded)', () => {
    const rand = prng(77);
    let compared = 0;
    for (let i = 0; i < 20_000; i++) {
      const s = randomText(rand).replace(/[=@]/g, '');
      // A name with an empty component has no empty part to write back (toCanonical drops an empty O=).
      if (s.split('/').some((part) => part.trim() === '')) continue;
      compared++;
      assert.equal(toCanonical(parseNotesName(s)), canonicalizeName(s), JSON.stringify(s));
      const canonical = canonicalizeName(s);
      assert.equal(toAbbreviated(parseNotesName(canonical)), abbreviateName(canonical), JSON.stringify(s));
    }
    assert.ok(compared > 5_000, `compared ${compared} names`);
  });
});
