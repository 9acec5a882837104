// RFC 5322 address lists (3.4) and dates (3.3 and the obsolete forms of 4.3).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatMailbox, parseAddressList, parseMailDate } from '../src/index.js';

describe('address lists', () => {
  it('reads mailboxes with quoted names, comments and bare addresses', () => {
    const r = parseAddressList('"Nashed, Daniel" <nsh@nashcom.de>, bob@example.com (Bob Smith), <x@y.z>');
    assert.deepEqual(r.mailboxes, [
      { name: 'Nashed, Daniel', address: 'nsh@nashcom.de' },
      { name: 'Bob Smith', address: 'bob@example.com' },
      { name: '', address: 'x@y.z' },
    ]);
    assert.equal(r.clean, true);
  });

  it('reads groups, including empty ones', () => {
    const r = parseAddressList('Team: a@x.org, "B" <b@x.org>;, undisclosed-recipients:;, c@x.org');
    assert.deepEqual(r.mailboxes, [
      { name: '', address: 'a@x.org', group: 'Team' },
      { name: 'B', address: 'b@x.org', group: 'Team' },
      { name: '', address: 'c@x.org' },
    ]);
  });

  it('drops an obsolete source route and keeps nested comments out of addresses', () => {
    const r = parseAddressList('Joe (the (great)) <@relay1,@relay2:joe@example.com>');
    assert.deepEqual(r.mailboxes, [{ name: 'Joe', address: 'joe@example.com' }]);
  });

  it('keeps a quoted local part quoted', () => {
    assert.equal(parseAddressList('"john doe"@example.com').mailboxes[0]?.address, '"john doe"@example.com');
  });

  it('flags broken lists but returns what it could read', () => {
    const r = parseAddressList('"unterminated <a@b.c>, d@e.f');
    assert.equal(r.clean, false);
    const r2 = parseAddressList('not an address');
    assert.equal(r2.clean, false);
    assert.deepEqual(
      r2.mailboxes.map((m) => m.address),
      ['notanaddress'],
    );
  });

  it('formats a mailbox, quoting names with specials', () => {
    assert.equal(formatMailbox({ name: 'Nashed, Daniel', address: 'a@b.c' }), '"Nashed, Daniel" <a@b.c>');
    assert.equal(formatMailbox({ name: 'Daniel Nashed', address: 'a@b.c' }), 'Daniel Nashed <a@b.c>');
    assert.equal(formatMailbox({ name: '', address: 'a@b.c' }), 'a@b.c');
  });
});

describe('dates', () => {
  const iso = (s: string): string | undefined => parseMailDate(s)?.toISOString();
  it('reads RFC 5322 dates with numeric zones', () => {
    assert.equal(iso('Thu, 4 Jan 2007 12:14:08 +0100'), '2007-01-04T11:14:08.000Z');
    assert.equal(iso('4 Jan 2007 12:14 -0230'), '2007-01-04T14:44:00.000Z');
  });
  it('reads obsolete forms: two- and three-digit years, named and military zones, comments', () => {
    assert.equal(iso('Wed, 17 May 00 19:32:47 EDT'), '2000-05-17T23:32:47.000Z');
    assert.equal(iso('Mon, 1 Jan 99 00:00:00 GMT'), '1999-01-01T00:00:00.000Z');
    assert.equal(iso('1 Jan 103 00:00:00 +0000'), '2003-01-01T00:00:00.000Z');
    assert.equal(iso('Fri, 21 Nov 1997 09:55:06 -0600 (MDT)'), '1997-11-21T15:55:06.000Z');
    assert.equal(iso('21 Nov 1997 09:55:06 Z'), '1997-11-21T09:55:06.000Z');
    assert.equal(iso('21 Nov 1997 09:55:06 A'), '1997-11-21T09:55:06.000Z');
  });
  it('reads the asctime-like order', () => {
    assert.equal(iso('Thu Jan  4 12:14:08 2007'), '2007-01-04T12:14:08.000Z');
  });
  it('rejects what is not a date', () => {
    for (const bad of [
      '',
      'yesterday',
      '32 Jan 2007 10:00:00 +0000',
      '1 Foo 2007 10:00:00',
      '1 Jan 2007 25:00:00 +0000',
    ]) {
      assert.equal(parseMailDate(bad), undefined, bad);
    }
  });
});

describe('address list regressions from fuzzing', () => {
  it('skips a stray closing parenthesis instead of looping', () => {
    const r = parseAddressList('b@y.org, G: c@z.o)g;');
    assert.equal(r.clean, false);
    assert.deepEqual(
      r.mailboxes.map((m) => m.address),
      ['b@y.org', 'c@z.og'],
    );
  });
});
