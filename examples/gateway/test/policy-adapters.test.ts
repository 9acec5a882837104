import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createResolver, createStaticTransport } from '@mailroute/dns';
import { loadDirectory } from '@mailroute/routing';
import { createPolicyDirectory } from '../src/policy-directory.js';
import { createPolicyDns } from '../src/policy-dns.js';

const zone = createStaticTransport({
  '1.2.0.192.in-addr.arpa': { PTR: ['mail.example.org'] },
  'mail.example.org': { A: ['192.0.2.1'], AAAA: ['2001:db8::1'] },
  'example.org': { MX: [{ preference: 10, exchange: 'mail.example.org' }] },
  'only-a.example': { A: ['192.0.2.9'] },
  'nomail.example': { MX: [{ preference: 0, exchange: '.' }] },
  'broken.example': { fail: 'SERVFAIL' },
  '2.0.0.127.bl.test': { A: ['127.0.0.2', '127.0.0.4'] },
  '3.0.0.127.bl.test': { fail: 'SERVFAIL' },
});
const dns = createPolicyDns(
  createResolver({ transport: zone, retryCount: 1, retryBaseWaitMs: 50, noHitCacheTtlSeconds: 0 }),
);

describe('PolicyDns over @mailroute/dns', () => {
  it('PTR and forward lookups: found, none, temperror', async () => {
    assert.deepEqual(await dns.lookupPtr('192.0.2.1'), { result: 'found', names: ['mail.example.org'] });
    assert.deepEqual(await dns.lookupPtr('192.0.2.77'), { result: 'none' });
    assert.deepEqual(await dns.lookupAddresses('mail.example.org'), {
      result: 'found',
      addresses: ['192.0.2.1', '2001:db8::1'],
    });
    assert.deepEqual(await dns.lookupAddresses('missing.example'), { result: 'none' });
    assert.deepEqual(await dns.lookupAddresses('broken.example'), { result: 'temperror' });
  });

  it('sender domain existence: MX, implicit A, null MX, NXDOMAIN, failure', async () => {
    assert.equal(await dns.domainExists('example.org', 1000), 'found');
    assert.equal(await dns.domainExists('only-a.example', 1000), 'found');
    assert.equal(await dns.domainExists('nomail.example', 1000), 'none');
    assert.equal(await dns.domainExists('missing.example', 1000), 'none');
    assert.equal(await dns.domainExists('broken.example', 1000), 'temperror');
  });

  it('DNS lists: listed with codes, not listed, failure', async () => {
    assert.deepEqual(await dns.queryDnsList('127.0.0.2', 'bl.test'), {
      site: 'bl.test',
      result: 'listed',
      codes: ['127.0.0.2', '127.0.0.4'],
    });
    assert.deepEqual(await dns.queryDnsList('127.0.0.9', 'bl.test'), { site: 'bl.test', result: 'none' });
    assert.deepEqual(await dns.queryDnsList('127.0.0.3', 'bl.test'), {
      site: 'bl.test',
      result: 'temperror',
    });
  });
});

describe('PolicyDirectory over the routing directory', () => {
  const { directory } = loadDirectory({
    servers: [{ name: 'CN=Mail1/O=Acme', domain: 'Acme' }],
    globalDomains: [{ primaryDomain: 'acme.example', aliases: ['acme-corp.example'] }],
    persons: [
      {
        fullNames: ['CN=Jane Doe/O=Acme'],
        shortNames: ['jdoe'],
        internetAddress: 'jane@acme.example',
        mailServer: 'CN=Mail1/O=Acme',
        mailFile: 'mail/jdoe.nsf',
      },
      { fullNames: ['CN=Jan Two/O=Acme'], shortNames: ['jan'], internetAddress: 'jan@other.example' },
      { fullNames: ['CN=Jan Three/O=Acme'], shortNames: ['jan'], internetAddress: 'jan3@other.example' },
      { fullNames: ['CN=No Address/O=Acme'], shortNames: ['noaddr'] },
    ],
    groups: [{ name: 'Sales', internetAddress: 'sales@acme.example', members: ['CN=Jane Doe/O=Acme'] }],
  });
  const pd = createPolicyDirectory(directory, directory.configuration('CN=Mail1/O=Acme'), 'Acme');

  it('answers found (also through the alias domain), not-found, ambiguous and group', async () => {
    assert.equal(await pd.findRecipient('jane@acme.example'), 'found');
    assert.equal(await pd.findRecipient('jane@acme-corp.example'), 'found');
    assert.equal(await pd.findRecipient('jdoe@acme.example'), 'found');
    assert.equal(await pd.findRecipient('nobody@acme.example'), 'not-found');
    assert.equal(await pd.findRecipient('jan@acme.example'), 'ambiguous');
    assert.equal(await pd.findRecipient('sales@acme.example'), 'group');
    assert.equal(await pd.findRecipient('not an address'), 'not-found');
  });

  it("gives the authenticated user's Internet address, and the members of groups", async () => {
    assert.deepEqual(await pd.findInternetAddress!('jdoe'), {
      result: 'found',
      address: 'jane@acme.example',
    });
    assert.deepEqual(await pd.findInternetAddress!('noaddr'), { result: 'none' });
    assert.deepEqual(await pd.findInternetAddress!('jan'), { result: 'none' });
    assert.deepEqual(await pd.expandGroup!('Sales'), ['CN=Jane Doe/O=Acme']);
    assert.equal(await pd.expandGroup!('Nobody'), undefined);
  });
});
