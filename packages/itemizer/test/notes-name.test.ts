// Notes names and their conversion to and from Internet addresses.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  internetToNotes,
  isNotesName,
  notesToInternet,
  parseNotesName,
  toAbbreviated,
  toCanonical,
} from '../src/index.js';

describe('Notes names', () => {
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
    assert.equal(
      toAbbreviated(internetToNotes(inet.address) as ReturnType<typeof parseNotesName>),
      'John Doe/Acme@ACME',
    );
    assert.equal(internetToNotes('plain@acme.com'), undefined);
  });
});
