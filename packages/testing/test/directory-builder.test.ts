import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseForwardPath } from '@mailroute/envelope';
import { compilePolicy, createPolicyGatherer } from '@mailroute/relay-policy';
import { dispatch } from '@mailroute/routing';
import { assertRelayDecision, createFakeZone, DirectoryBuildError, directoryBuilder } from '../src/index.js';

const acme = () =>
  directoryBuilder({ domain: 'Acme' })
    .server('CN=Hub/O=Acme', { smtp: true, hostName: 'hub.acme.example' })
    .server('CN=Mail1/O=Acme')
    .network('HQ', ['CN=Hub/O=Acme', 'CN=Mail1/O=Acme'])
    .internetVia('Hub/Acme')
    .globalDomain('acme.example', ['acme.example.net'])
    .person('CN=Jane Doe/O=Acme', {
      email: 'jane.doe@acme.example',
      shortNames: ['jdoe'],
      server: 'CN=Mail1/O=Acme',
    })
    .person('CN=John Roe/O=Acme', { email: 'john.roe@acme.example' })
    .group('Sales', ['CN=Jane Doe/O=Acme', 'CN=John Roe/O=Acme'], { email: 'sales@acme.example' })
    .build();

describe('directory builder', () => {
  it('writes the documents routing loads: delivery on the home server, transfer to the Internet via the hub', () => {
    const built = acme();
    assert.deepEqual(built.warnings, []);
    assert.equal(built.data.servers.length, 2);
    assert.deepEqual(built.localInternetDomains, ['acme.example', 'acme.example.net']);
    const graph = built.graph('Mail1/Acme');
    const [jane, outside] = dispatch(built.directory, graph, [
      'jane.doe@acme.example.net',
      'someone@elsewhere.example',
    ]);
    assert.equal(jane?.action, 'deliver');
    assert.equal(jane?.action === 'deliver' ? jane.mailFile : '', 'mail/jdoe.nsf');
    assert.equal(outside?.action, 'transfer');
    assert.match(graph.explain({ internetDomain: 'elsewhere.example' }), /Hub\/Acme/);
  });

  it('answers relay-policy’s directory questions: person, group, unknown; Internet address of a user', async () => {
    const dir = acme().policyDirectory();
    assert.equal(await dir.findRecipient('jane.doe@acme.example'), 'found');
    assert.equal(await dir.findRecipient('sales@acme.example'), 'group');
    assert.equal(await dir.findRecipient('nobody@acme.example'), 'not-found');
    assert.deepEqual(await dir.findInternetAddress?.('CN=Jane Doe/O=Acme'), {
      result: 'found',
      address: 'jane.doe@acme.example',
    });
    assert.deepEqual(await dir.findInternetAddress?.('CN=Nobody/O=Acme'), { result: 'none' });
    assert.deepEqual(await dir.expandGroup?.('Sales'), ['CN=Jane Doe/O=Acme', 'CN=John Roe/O=Acme']);
  });

  it('with a fake zone, feeds the policy gatherer end to end (verify local recipients)', async () => {
    const built = acme();
    const { policy } = compilePolicy(
      { localInternetDomains: built.localInternetDomains, recipient: { verifyLocal: true } },
      { directory: built.policyDirectory() },
    );
    const gatherer = createPolicyGatherer({ policy, dns: createFakeZone({}).policyDns() });
    const { facts } = await gatherer.connect({ ip: '192.0.2.1' });
    const to = (a: string) => {
      const p = parseForwardPath(`<${a}>`);
      if (!p.ok) throw new Error(a);
      return p.value;
    };
    assertRelayDecision((await gatherer.rcptTo(facts, to('jane.doe@acme.example'))).decision, 'accept');
    assertRelayDecision(
      (await gatherer.rcptTo(facts, to('nobody@acme.example'))).decision,
      'reject',
      550,
      '5.1.1',
    );
  });

  it('refuses a directory the loader refuses, naming the field', () => {
    assert.throws(
      () =>
        directoryBuilder()
          .server('CN=Hub/O=Acme')
          .person('CN=Bad/O=Acme', { email: 'not an address' })
          .build(),
      (e: unknown) =>
        e instanceof DirectoryBuildError &&
        e.code === 'TESTING_BAD_DIRECTORY' &&
        /persons\[0\]\.internetAddress/.test(e.message),
    );
    assert.throws(
      () => directoryBuilder().network('HQ', ['CN=Ghost/O=Acme']),
      /server CN=Ghost\/O=Acme is not declared/,
    );
  });
});
