/** The package README's example, run through the published entry point: it must keep working. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildRoutingGraph, dispatch, loadDirectory } from '@mailroute/routing';

describe('README example', () => {
  it('delivers, transfers toward the gateway and explains as documented', () => {
    const { directory, problems } = loadDirectory({
      servers: [
        { name: 'CN=Demeter/OU=SRV/O=Martinus', domain: 'Martinus', namedNetwork: 'HQ', smtpListener: true },
        { name: 'CN=Poseidon/OU=SRV/O=Martinus', domain: 'Martinus', namedNetwork: 'HQ' },
      ],
      connections: [
        {
          source: 'Demeter/SRV/Martinus',
          destination: 'ALL-INTERNET-HOSTS',
          destinationDomain: 'all_the_internet',
          type: 'smtp',
          cost: 1,
        },
      ],
      domains: [{ type: 'foreignSmtp', internetDomain: '*.*', routeToDomain: 'all_the_internet' }],
      globalDomains: [{ primaryDomain: 'martinus.nl', aliases: ['martinus.be'], isDefault: true }],
      persons: [
        {
          fullNames: ['CN=Anna Smit/O=Martinus'],
          internetAddress: 'anna@martinus.nl',
          mailServer: 'CN=Poseidon/OU=SRV/O=Martinus',
          mailFile: 'mail/asmit.nsf',
        },
      ],
    });
    assert.deepEqual(problems, []);
    const graph = buildRoutingGraph(directory, 'Poseidon/SRV/Martinus');
    const [anna, ping] = dispatch(directory, graph, [
      'anna@martinus.be',
      { localPart: 'ping', domain: 'mxtoolbox.com' },
    ]);
    assert.ok(anna?.action === 'deliver');
    assert.equal(anna.mailFile, 'mail/asmit.nsf');
    assert.ok(ping?.action === 'transfer');
    assert.equal(ping.nextHop, 'Demeter/SRV/Martinus');
    assert.equal(ping.transport, 'nrpc');
    assert.equal(ping.route.cost, 2);
    assert.deepEqual(ping.route.path, ['Poseidon/SRV/Martinus', 'Demeter/SRV/Martinus', 'all_the_internet']);
    assert.equal(
      graph.explain({ internetDomain: 'mxtoolbox.com' }),
      [
        'Router: Routing from Poseidon/SRV/Martinus to Internet domain mxtoolbox.com',
        'Router: Foreign SMTP Domain document *.* routes it to all_the_internet',
        'Router: Least cost route to all_the_internet: cost 2, 2 hop(s)',
        'Router:   1. Poseidon/SRV/Martinus -> Demeter/SRV/Martinus  cost 1  (same Notes Named Network)',
        'Router:   2. Demeter/SRV/Martinus -> all_the_internet  cost 1  (SMTP Connection document #0)',
        'Router: Next hop Demeter/SRV/Martinus',
        'Router: Alternatives by next hop (= equal cost, + next cost):',
        'Router:   1 = Demeter/SRV/Martinus  cost 2  Poseidon/SRV/Martinus -> Demeter/SRV/Martinus -> all_the_internet',
      ].join('\n'),
    );
  });
});
