import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type AddressLookupMode,
  loadDirectory,
  type RecipientResolution,
  type ResolveOptions,
  resolveRecipient,
} from '../src/index.js';
import { martinusDirectory } from './martinus.js';

/** Seed 000 "Inbound Internet Recipients Resolving": acme.com with the alias acme.de. */
function acme() {
  const { directory, problems } = loadDirectory({
    globalDomains: [{ primaryDomain: 'acme.com', aliases: ['acme.de'], isDefault: true }],
    servers: [{ name: 'CN=Mail1/O=Acme', domain: 'Acme' }],
    persons: [
      {
        fullNames: ['CN=John Doe/OU=Sales/O=Acme/C=US', 'John Doe'],
        shortNames: ['jdoe'],
        internetAddress: 'john@acme.com',
        mailServer: 'CN=Mail1/O=Acme',
        mailFile: 'mail/jdoe.nsf',
      },
      {
        fullNames: ['CN=Jane Roe/O=Acme', 'jane.roe@acme.de'],
        shortNames: ['jroe', 'js'],
        internetAddress: 'jane@acme.com',
        mailServer: 'CN=Mail1/O=Acme',
      },
      { fullNames: ['CN=Jim Smith/O=Acme'], shortNames: ['js'], mailServer: 'CN=Mail1/O=Acme' },
    ],
  });
  assert.deepEqual(problems, []);
  return directory;
}

function who(r: RecipientResolution): string {
  if (r.outcome === 'person') return `person:${r.person.fullNames[0]}:${r.matchedBy}`;
  return r.outcome;
}

describe('Internet addresses are read by the envelope parser (one parser)', () => {
  const directory = acme();
  it('unquotes a quoted local part: "john"@acme.com is john@acme.com', () => {
    assert.equal(
      who(resolveRecipient(directory, '"john"@acme.com')),
      'person:CN=John Doe/OU=Sales/O=Acme/C=US:internetAddress',
    );
    assert.equal(
      who(resolveRecipient(directory, '<"JDOE"@acme.de>')),
      'person:CN=John Doe/OU=Sales/O=Acme/C=US:localPart',
    );
  });
  it('user@remote.test@acme.com is not a Notes domain path', () => {
    const r = resolveRecipient(directory, 'user@remote.test@acme.com', { localDomain: 'Acme' });
    assert.equal(r.outcome, 'invalid');
    assert.equal(resolveRecipient(directory, 'John Doe@acme.com').outcome, 'invalid');
  });
  it('keeps Notes names and single-label Notes domains apart from Internet addresses', () => {
    assert.equal(
      who(resolveRecipient(directory, 'John Doe/Sales/Acme/US@Acme', { localDomain: 'Acme' })),
      'person:CN=John Doe/OU=Sales/O=Acme/C=US:name',
    );
    const path = resolveRecipient(directory, 'jdoe@Other@Acme', { localDomain: 'Acme' });
    assert.ok(path.outcome === 'notesDomain');
    assert.deepEqual(path.domainPath, ['Other']);
  });
  it('a quoted Internet address in a Person document is found by its value', () => {
    const { directory: d, problems } = loadDirectory({
      globalDomains: [{ primaryDomain: 'acme.com' }],
      persons: [{ fullNames: ['Kim Lee/Acme'], internetAddress: '"kim lee"@acme.com' }],
    });
    assert.deepEqual(problems, []);
    assert.equal(
      who(resolveRecipient(d, '<"Kim Lee"@acme.com>', { addressLookup: 'fullnameOnly' })),
      'person:Kim Lee/Acme:internetAddress',
    );
  });
});

describe("the server's own addresses: user@[own-ip] is local", () => {
  const directory = acme();
  const own = { localAddresses: ['192.0.2.1', '[IPv6:2001:db8::25]'] };
  it('is looked up in the default Global Domain, in any spelling of the literal', () => {
    const john = 'person:CN=John Doe/OU=Sales/O=Acme/C=US';
    const cases: [string, string][] = [
      ['john@[192.0.2.1]', `${john}:primaryDomain`],
      ['jdoe@[192.000.002.001]', `${john}:localPart`],
      ['JOHN@[IPv6:2001:DB8:0:0:0:0:0:25]', `${john}:primaryDomain`],
      ['john@[IPv6:::ffff:192.0.2.1]', `${john}:primaryDomain`],
    ];
    for (const [address, expected] of cases)
      assert.equal(who(resolveRecipient(directory, address, own)), expected, address);
    const unknown = resolveRecipient(directory, 'nobody@[192.0.2.1]', own);
    assert.ok(unknown.outcome === 'notFound');
    assert.equal(unknown.localInternetDomain, 'acme.com');
  });
  it('another literal, or no own addresses given, is an external recipient', () => {
    assert.equal(resolveRecipient(directory, 'john@[192.0.2.99]', own).outcome, 'internet');
    assert.equal(resolveRecipient(directory, 'john@[192.0.2.1]').outcome, 'internet');
  });
});

describe('wildcard alias domains (*.acme.com): every subdomain is local', () => {
  const { directory, problems } = loadDirectory({
    globalDomains: [{ primaryDomain: 'acme.com', aliases: ['*.acme.com', '*.Acme.DE'], isDefault: true }],
    servers: [{ name: 'CN=Mail1/O=Acme', domain: 'Acme' }],
    persons: [
      {
        fullNames: ['CN=John Doe/O=Acme'],
        shortNames: ['jdoe'],
        internetAddress: 'john@acme.com',
        mailServer: 'CN=Mail1/O=Acme',
        mailFile: 'mail/jdoe.nsf',
      },
    ],
  });
  it('loads without problems and resolves subdomains through the primary domain', () => {
    assert.deepEqual(problems, []);
    assert.equal(
      who(resolveRecipient(directory, 'john@sales.acme.com')),
      'person:CN=John Doe/O=Acme:primaryDomain',
    );
    assert.equal(who(resolveRecipient(directory, 'jdoe@a.b.acme.de')), 'person:CN=John Doe/O=Acme:localPart');
    const r = resolveRecipient(directory, 'nobody@eu.acme.com');
    assert.ok(r.outcome === 'notFound');
    assert.equal(r.localInternetDomain, 'acme.com');
  });
  it('the wildcard covers subdomains only, and not look-alike names', () => {
    assert.equal(resolveRecipient(directory, 'x@acme.de').outcome, 'internet');
    assert.equal(resolveRecipient(directory, 'x@notacme.com').outcome, 'internet');
    assert.equal(resolveRecipient(directory, 'x@acme.com.evil.example').outcome, 'internet');
  });
  it('a malformed wildcard is still refused', () => {
    const bad = loadDirectory({
      globalDomains: [
        { primaryDomain: 'acme.com', aliases: ['*acme.com', '*.', 'a.*.com', '*.[192.0.2.1]'] },
      ],
    });
    assert.deepEqual(
      bad.problems.map((p) => p.path),
      [0, 1, 2, 3].map((i) => `globalDomains[0].aliases[${i}]`),
    );
  });
});

describe('inbound lookup of john@acme.de when acme.de is an alias of acme.com', () => {
  const directory = acme();
  const cases: [AddressLookupMode, string, string][] = [
    ['fullnameOnly', 'john@acme.de', 'person:CN=John Doe/OU=Sales/O=Acme/C=US:primaryDomain'],
    ['fullnameOnly', 'john@acme.com', 'person:CN=John Doe/OU=Sales/O=Acme/C=US:internetAddress'],
    ['fullnameOnly', 'jdoe@acme.de', 'notFound'],
    ['fullnameThenLocalPart', 'john@acme.de', 'person:CN=John Doe/OU=Sales/O=Acme/C=US:primaryDomain'],
    ['fullnameThenLocalPart', 'jdoe@acme.de', 'person:CN=John Doe/OU=Sales/O=Acme/C=US:localPart'],
    ['fullnameThenLocalPart', 'nobody@acme.de', 'notFound'],
    ['localPartOnly', 'john@acme.de', 'person:CN=John Doe/OU=Sales/O=Acme/C=US:localPart'],
    ['localPartOnly', 'JDOE@ACME.COM', 'person:CN=John Doe/OU=Sales/O=Acme/C=US:localPart'],
    ['localPartOnly', 'js@acme.com', 'ambiguous'],
    ['fullnameOnly', 'jane.roe@acme.de', 'person:CN=Jane Roe/O=Acme:internetAddress'],
  ];
  for (const [mode, address, expected] of cases) {
    it(`${mode}: ${address} -> ${expected}`, () => {
      assert.equal(who(resolveRecipient(directory, address, { addressLookup: mode })), expected);
    });
  }

  it('the not-found answer names the primary domain so a smart host can take it', () => {
    const r = resolveRecipient(directory, 'nobody@ACME.DE', { addressLookup: 'fullnameOnly' });
    assert.deepEqual(r, {
      outcome: 'notFound',
      address: 'nobody@ACME.DE',
      reason: 'User not listed in Directory',
      localInternetDomain: 'acme.com',
    });
  });

  it('a domain outside every GDD is an external Internet recipient', () => {
    const r = resolveRecipient(directory, { localPart: 'Ann', domain: 'Example.ORG' });
    assert.deepEqual(r, {
      outcome: 'internet',
      address: 'Ann@Example.ORG',
      localPart: 'Ann',
      domain: 'example.org',
    });
  });

  it('IDN domains compare in A-label form', () => {
    const { directory: d } = loadDirectory({
      globalDomains: [{ primaryDomain: 'bücher.example', aliases: [] }],
      persons: [{ fullNames: ['CN=Bea/O=B'], internetAddress: 'bea@xn--bcher-kva.example' }],
    });
    assert.equal(who(resolveRecipient(d, 'BEA@Bücher.example')), 'person:CN=Bea/O=B:internetAddress');
  });

  it('exhaustive lookup searches every directory and requires a unique answer', () => {
    const second = loadDirectory({
      globalDomains: [{ primaryDomain: 'acme.com', aliases: ['acme.de'] }],
      persons: [{ fullNames: ['CN=John Other/O=Elsewhere'], internetAddress: 'john@acme.com' }],
    }).directory;
    assert.equal(
      who(resolveRecipient([directory, second], 'john@acme.com', { exhaustiveLookup: false })),
      'person:CN=John Doe/OU=Sales/O=Acme/C=US:internetAddress',
    );
    const r = resolveRecipient([directory, second], 'john@acme.com', { exhaustiveLookup: true });
    assert.equal(r.outcome, 'ambiguous');
    assert.ok(r.outcome === 'ambiguous');
    assert.equal(r.candidates.length, 2);
  });
});

describe('Notes names and domain paths', () => {
  const directory = acme();
  for (const name of [
    'CN=John Doe/OU=Sales/O=Acme/C=US',
    'cn=john doe/ou=sales/o=acme/c=us',
    'John Doe/Sales/Acme/US',
    'John Doe',
    'John Doe/Sales/Acme/US@Acme',
    'jdoe',
  ]) {
    it(`${name} resolves to John Doe`, () => {
      const r = resolveRecipient(directory, name, { localDomain: 'Acme' });
      assert.equal(r.outcome, 'person');
    });
  }

  it('user@DomainB@DomainA routes via DomainA, then DomainB', () => {
    const r = resolveRecipient(directory, 'Pat Lee/Other@DomainB@DomainA', { localDomain: 'Acme' });
    assert.deepEqual(r, {
      outcome: 'notesDomain',
      address: 'Pat Lee/Other@DomainB@DomainA',
      name: 'Pat Lee/Other',
      domainPath: ['DomainA', 'DomainB'],
    });
  });

  it('a trailing local domain is dropped from the path', () => {
    const r = resolveRecipient(directory, 'Pat Lee/Other@DomainB@acme', { localDomain: 'Acme' });
    assert.ok(r.outcome === 'notesDomain');
    assert.deepEqual(r.domainPath, ['DomainB']);
  });

  it('an unknown Notes name is not listed; empty names are invalid', () => {
    assert.equal(resolveRecipient(directory, 'Nobody/Acme').outcome, 'notFound');
    assert.equal(resolveRecipient(directory, '').outcome, 'invalid');
    assert.equal(resolveRecipient(directory, '@Acme').outcome, 'invalid');
    assert.equal(resolveRecipient(directory, 'a@@b').outcome, 'invalid');
    assert.equal(resolveRecipient(directory, { localPart: '', domain: 'acme.com' }).outcome, 'invalid');
    assert.equal(resolveRecipient(directory, { localPart: 'x', domain: 'a..b' }).outcome, 'invalid');
  });
});

describe('groups', () => {
  const { directory } = loadDirectory(martinusDirectory({}));

  it('expands nested groups once each, detects the cycle and removes duplicates', () => {
    const r = resolveRecipient(directory, 'Sales');
    assert.ok(r.outcome === 'group');
    assert.equal(r.expanded, true);
    assert.deepEqual(
      r.members.map((m) => (m.outcome === 'person' ? m.person.fullNames[0] : `${m.outcome}:${m.address}`)),
      [
        'CN=Anna Smit/OU=USR/O=Martinus',
        'CN=Bram de Vries/OU=USR/O=Martinus',
        'internet:partner@example.org',
      ],
    );
    assert.deepEqual(r.cycles, [['Sales', 'Team B', 'Sales']]);
  });

  it('$ExpandGroups (a Notes client setting) does not stop the Router expanding a group', () => {
    for (const level of [0, 1, 2, 3]) {
      // A caller still carrying the old field (say, from a notes.ini dump) gets the expansion.
      const r = resolveRecipient(directory, 'Sales', { expandGroups: level } as ResolveOptions);
      assert.ok(r.outcome === 'group');
      assert.equal(r.expanded, true, `$ExpandGroups=${level}`);
      assert.ok(r.members.length > 0);
    }
  });

  it('Disable_BCC_group_expansion leaves a BCC group unexpanded, but not a To group', () => {
    const bcc = resolveRecipient(directory, 'Sales', { field: 'bcc', disableBccGroupExpansion: true });
    assert.ok(bcc.outcome === 'group' && !bcc.expanded);
    const to = resolveRecipient(directory, 'Sales', { field: 'to', disableBccGroupExpansion: true });
    assert.ok(to.outcome === 'group' && to.expanded);
  });

  it('RouterDisableMailToGroups turns mail to a group into a policy failure', () => {
    const r = resolveRecipient(directory, 'Sales', { routerDisableMailToGroups: true });
    assert.equal(r.outcome, 'policy');
  });

  it('an access-control-only group cannot receive mail', () => {
    const r = resolveRecipient(directory, 'Admins');
    assert.ok(r.outcome === 'policy');
    assert.match(r.reason, /not a mail group/);
  });

  it('a long chain of nested groups expands without recursion', () => {
    const groups = Array.from({ length: 5000 }, (_, i) => ({
      name: `G${i}`,
      members: i < 4999 ? [`G${i + 1}`, `user${i}@example.org`] : ['Anna Smit'],
    }));
    const { directory: deep } = loadDirectory(martinusDirectory({ groups }));
    const r = resolveRecipient(deep, 'G0');
    assert.ok(r.outcome === 'group');
    assert.equal(r.members.length, 5000);
  });
});
