import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildRoutingGraph,
  type DispatchDecision,
  type DispatchOptions,
  dispatch,
  loadDirectory,
} from '../src/index.js';
import { martinusDirectory } from './martinus.js';

const POSEIDON = 'Poseidon/SRV/Martinus';
const HERMES = 'Hermes/SRV/Martinus';
const DEMETER = 'Demeter/SRV/Martinus';

function summary(d: DispatchDecision): string {
  switch (d.action) {
    case 'deliver':
      return `deliver ${d.mailFile}`;
    case 'transfer':
      return `transfer ${d.nextHop} ${d.transport} cost ${d.route.cost}`;
    case 'smtp':
      return `smtp ${d.via} ${d.hosts.join(',')}`;
    case 'group':
      return `group ${d.group} [${d.members.map(summary).join('; ')}]`;
    case 'fail':
      return `fail ${d.failure}: ${d.reason}`;
  }
}

describe('dispatch', () => {
  const extra = {
    servers: [{ name: 'CN=Gate/O=Partner', domain: 'Partner' }],
    connections: [
      { source: 'Demeter/SRV/Martinus', destination: 'Gate/Partner', destinationDomain: 'Partner', cost: 3 },
    ],
    persons: [
      { fullNames: ['CN=Twin/O=Martinus'], shortNames: ['twin'], mailServer: 'Poseidon/SRV/Martinus' },
      { fullNames: ['CN=Twin/OU=Other/O=Martinus'], mailServer: 'Poseidon/SRV/Martinus' },
      { fullNames: ['CN=Paul/O=Partner'], mailServer: 'Gate/Partner', mailDomain: 'Partner' },
      { fullNames: ['CN=Homeless/O=Martinus'] },
      { fullNames: ['CN=Fileless/O=Martinus'], mailServer: 'Poseidon/SRV/Martinus' },
    ],
  };
  const { directory, problems } = loadDirectory(martinusDirectory(extra));
  assert.deepEqual(problems, []);
  const graph = buildRoutingGraph(directory, POSEIDON);

  it('returns one decision per recipient, in order', () => {
    const decisions = dispatch(directory, graph, [
      'Anna Smit/USR/Martinus',
      'bram@martinus.be',
      'CN=Carla Jansen/OU=USR/O=Martinus',
      'Twin',
      'Pat@Partner',
      'Pat@Nowhere',
      'CN=Paul/O=Partner',
      'Homeless',
      'Fileless',
      'nobody@martinus.nl',
      'someone@example.org',
      'a@@b',
      { address: 'Sales', field: 'bcc' },
    ]);
    assert.deepEqual(decisions.map(summary), [
      'deliver mail/asmit.nsf',
      'transfer Hermes/SRV/Martinus nrpc cost 1',
      'transfer Demeter/SRV/Martinus nrpc cost 1',
      'fail ambiguous: Ambiguous name: 2 entries match Twin',
      'transfer Demeter/SRV/Martinus nrpc cost 4',
      `fail noRoute: No route found to domain Nowhere from server ${POSEIDON}`,
      'transfer Demeter/SRV/Martinus nrpc cost 4',
      'fail noRoute: No mail server in the Person document of CN=Homeless/O=Martinus',
      'fail noRoute: No mail file in the Person document of CN=Fileless/O=Martinus',
      'fail userNotListed: User not listed in Directory',
      `fail noRoute: No route found to domain example.org from server ${POSEIDON}`,
      'fail invalidAddress: Not a valid address: a@@b',
      `group Sales [deliver mail/asmit.nsf; transfer ${HERMES} nrpc cost 1; fail noRoute: No route found to domain example.org from server ${POSEIDON}]`,
    ]);
  });

  it('applies Disable_BCC_group_expansion and RouterDisableMailToGroups', () => {
    const [bcc, to] = dispatch(directory, graph, [{ address: 'Sales', field: 'bcc' }, 'Sales'], {
      disableBccGroupExpansion: true,
    });
    assert.equal(
      summary(bcc!),
      'fail notExpanded: Group Sales in BCC not expanded (Disable_BCC_group_expansion)',
    );
    assert.equal(to!.action, 'group');
    const [blocked] = dispatch(directory, graph, ['Sales'], { routerDisableMailToGroups: true });
    assert.equal(
      summary(blocked!),
      'fail policy: Mail to group Sales is not allowed (RouterDisableMailToGroups)',
    );
  });

  it('expands groups whatever $ExpandGroups says: only RouterDisableMailToGroups=1 refuses group mail', () => {
    const expected = `group Sales [deliver mail/asmit.nsf; transfer ${HERMES} nrpc cost 1; fail noRoute: No route found to domain example.org from server ${POSEIDON}]`;
    for (const expandGroups of [0, 1, 2, 3]) {
      // The old field, as a caller reading notes.ini might still pass it, changes nothing.
      const [d] = dispatch(directory, graph, ['Sales'], { expandGroups } as DispatchOptions);
      assert.equal(summary(d!), expected, `$ExpandGroups=${expandGroups}`);
    }
  });

  it('transfers by SMTP inside the local Internet domain only when the config allows it', () => {
    const to = ['carla@martinus.nl', 'bram@martinus.nl'];
    assert.deepEqual(dispatch(directory, graph, to).map(summary), [
      'transfer Demeter/SRV/Martinus nrpc cost 1',
      'transfer Hermes/SRV/Martinus nrpc cost 1',
    ]);
    const sameNnn = dispatch(directory, graph, to, { smtpWithinLocalInternetDomain: true });
    assert.deepEqual(sameNnn.map(summary), [
      'transfer Demeter/SRV/Martinus smtp cost 1',
      'transfer Hermes/SRV/Martinus nrpc cost 1',
    ]);
    const always = dispatch(directory, graph, to, {
      smtpWithinLocalInternetDomain: true,
      localServersReachableViaSmtp: 'always',
    });
    assert.deepEqual(always.map(summary), [
      'transfer Demeter/SRV/Martinus smtp cost 1',
      'transfer Hermes/SRV/Martinus smtp cost 1',
    ]);
    const never = dispatch(directory, graph, to, {
      smtpWithinLocalInternetDomain: true,
      localServersReachableViaSmtp: 'never',
    });
    assert.equal(never[0]!.action === 'transfer' && never[0]!.transport, 'nrpc');
  });

  it('fails over along the alternatives when the next hop is down', () => {
    const g = buildRoutingGraph(directory, HERMES);
    assert.equal(
      summary(dispatch(directory, g, ['carla@martinus.nl'])[0]!),
      'transfer Poseidon/SRV/Martinus nrpc cost 2',
    );
    g.markDown(HERMES, POSEIDON);
    assert.equal(
      summary(dispatch(directory, g, ['carla@martinus.nl'])[0]!),
      `fail noRoute: No route found to server ${DEMETER} from server ${HERMES}`,
    );
  });

  it('searches more directories after the first (Directory Assistance)', () => {
    const second = loadDirectory({
      globalDomains: [{ primaryDomain: 'martinus.nl' }],
      persons: [
        {
          fullNames: ['CN=Extra/O=Martinus'],
          internetAddress: 'extra@martinus.nl',
          mailServer: POSEIDON,
          mailFile: 'mail/extra.nsf',
        },
      ],
    }).directory;
    const [d] = dispatch(directory, graph, ['extra@martinus.nl'], { moreDirectories: [second] });
    assert.equal(d!.action, 'deliver');
  });

  it('sends to a Foreign SMTP Domain document that names an Internet host', () => {
    const { directory: dir } = loadDirectory(
      martinusDirectory({
        domains: [
          { type: 'foreignSmtp', internetDomain: '*.partner.example', routeToHost: 'mx.partner.example' },
        ],
      }),
    );
    const [d] = dispatch(dir, buildRoutingGraph(dir, POSEIDON), ['x@eu.partner.example']);
    assert.equal(summary(d!), 'smtp foreignDomainHost mx.partner.example');
  });
});
