import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildRoutingGraph, type DispatchDecision, dispatch, loadDirectory } from '../src/index.js';
import { ALL_THE_INTERNET, gatewayConnection, martinusDirectory } from './martinus.js';

const POSEIDON = 'Poseidon/SRV/Martinus';
const DEMETER = 'Demeter/SRV/Martinus';
const HERMES = 'Hermes/SRV/Martinus';

function load(extra: Parameters<typeof martinusDirectory>[0]) {
  const { directory, problems } = loadDirectory(martinusDirectory(extra));
  assert.deepEqual(problems, []);
  return directory;
}

function one(decisions: DispatchDecision[]): DispatchDecision {
  assert.equal(decisions.length, 1);
  return decisions[0]!;
}

describe('seed 001 scenario 1: every server in the domain sends SMTP mail directly', () => {
  const directory = load({ configurations: [{ server: '*', smtpOutsideLocalInternetDomain: true }] });

  for (const server of [POSEIDON, DEMETER, HERMES]) {
    it(`${server} sends Internet mail itself to the MX of the domain`, () => {
      const graph = buildRoutingGraph(directory, server);
      const d = one(dispatch(directory, graph, ['someone@example.org']));
      assert.equal(d.action, 'smtp');
      assert.ok(d.action === 'smtp');
      assert.equal(d.via, 'mx');
      assert.deepEqual(d.hosts, ['example.org']);
    });
  }

  it('local recipients are still delivered or transferred by Notes routing', () => {
    const graph = buildRoutingGraph(directory, POSEIDON);
    const [anna, bram] = dispatch(directory, graph, [
      'anna@martinus.nl',
      { localPart: 'bram', domain: 'MARTINUS.NL' },
    ]);
    assert.equal(anna!.action, 'deliver');
    assert.ok(anna!.action === 'deliver');
    assert.equal(anna!.mailFile, 'mail/asmit.nsf');
    assert.ok(bram!.action === 'transfer');
    assert.equal(bram!.nextHop, HERMES);
    assert.equal(bram!.transport, 'nrpc');
  });
});

describe('seed 001 scenario 2: all servers send through a relay host', () => {
  const directory = load({
    configurations: [
      {
        server: '*',
        smtpOutsideLocalInternetDomain: true,
        relayHosts: ['mail.delta.nl'],
        relayHostAuthentication: 'required',
      },
    ],
  });

  it('Internet mail goes to the relay host with authentication required', () => {
    const graph = buildRoutingGraph(directory, HERMES);
    const d = one(dispatch(directory, graph, ['ping@mxtoolbox.com']));
    assert.ok(d.action === 'smtp');
    assert.equal(d.via, 'relayHost');
    assert.deepEqual(d.hosts, ['mail.delta.nl']);
    assert.equal(d.authentication, 'required');
    assert.equal(d.domain, 'mxtoolbox.com');
  });

  it('mail to the local Internet domain does not go to the relay host', () => {
    const graph = buildRoutingGraph(directory, HERMES);
    const d = one(dispatch(directory, graph, ['carla@martinus.nl']));
    assert.ok(d.action === 'transfer');
    assert.equal(d.route.destination, DEMETER);
  });
});

describe('seed 001 scenario 3: one Internet gateway via a foreign SMTP domain', () => {
  const config = [
    { server: '*', smtpOutsideLocalInternetDomain: false },
    { server: 'CN=Demeter/OU=SRV/O=Martinus', smtpOutsideLocalInternetDomain: true },
  ];

  it('other servers transfer Internet mail toward the gateway; the gateway sends by SMTP', () => {
    const directory = load({
      configurations: config,
      domains: [ALL_THE_INTERNET],
      connections: [gatewayConnection(DEMETER)],
    });
    const fromHermes = buildRoutingGraph(directory, HERMES);
    const d = one(dispatch(directory, fromHermes, ['ping@mxtoolbox.com']));
    assert.ok(d.action === 'transfer', JSON.stringify(d));
    assert.equal(d.nextHop, POSEIDON);
    assert.deepEqual(d.route.path, [HERMES, POSEIDON, DEMETER, 'all_the_internet']);
    assert.equal(d.route.cost, 3);
    assert.equal(d.route.foreignSmtpDomain?.internetDomain, '*.*');

    const fromDemeter = buildRoutingGraph(directory, DEMETER);
    const g = one(dispatch(directory, fromDemeter, ['ping@mxtoolbox.com']));
    assert.ok(g.action === 'smtp');
    assert.equal(g.via, 'mx');
  });

  it('a gateway without outbound SMTP in its config still sends over its SMTP connection, via its relay host', () => {
    const directory = load({
      configurations: [{ server: '*', smtpOutsideLocalInternetDomain: false }],
      domains: [ALL_THE_INTERNET],
      connections: [gatewayConnection(DEMETER, 1, 'smtp.provider.example')],
    });
    const d = one(dispatch(directory, buildRoutingGraph(directory, DEMETER), ['x@example.com']));
    assert.ok(d.action === 'smtp');
    assert.equal(d.via, 'connectionRelayHost');
    assert.deepEqual(d.hosts, ['smtp.provider.example']);
  });

  it('a second gateway takes over when the hop to the first is down', () => {
    const directory = load({
      configurations: config,
      domains: [ALL_THE_INTERNET],
      connections: [gatewayConnection(DEMETER, 1), gatewayConnection(HERMES, 5)],
    });
    const graph = buildRoutingGraph(directory, POSEIDON);
    const before = graph.route({ internetDomain: 'example.com' });
    assert.ok(before.found);
    assert.deepEqual(before.path, [POSEIDON, DEMETER, 'all_the_internet']);
    const alternatives = graph.alternatives({ internetDomain: 'example.com' });
    assert.deepEqual(
      alternatives.map((a) => [a.rank, a.kind, a.nextHop, a.cost]),
      [
        [1, 'equalCost', DEMETER, 2],
        [2, 'nextCost', HERMES, 6],
      ],
    );
    assert.ok(graph.markDown(POSEIDON, DEMETER) > 0);
    const after = graph.route({ internetDomain: 'example.com' });
    assert.ok(after.found);
    assert.deepEqual(after.path, [POSEIDON, HERMES, 'all_the_internet']);
    assert.equal(after.cost, 6);
    graph.markUp(POSEIDON, DEMETER);
    const back = graph.route({ internetDomain: 'example.com' });
    assert.ok(back.found);
    assert.deepEqual(back.path, before.path);
  });

  it('without any route to the foreign SMTP domain the failure reads as Domino', () => {
    const directory = load({ configurations: config, domains: [ALL_THE_INTERNET] });
    const d = one(dispatch(directory, buildRoutingGraph(directory, HERMES), ['x@example.com']));
    assert.deepEqual(d, {
      action: 'fail',
      recipient: 'x@example.com',
      failure: 'noRoute',
      reason: `No route found to domain example.com from server ${HERMES}`,
    });
  });
});

describe('smart host (Local Internet domain smart host)', () => {
  const directory = load({ configurations: [{ server: '*', smartHost: 'smarthost.martinus.nl' }] });
  const graph = buildRoutingGraph(directory, POSEIDON);

  it('unknown local Internet recipients go to the smart host', () => {
    const d = one(dispatch(directory, graph, ['nobody@martinus.be']));
    assert.ok(d.action === 'smtp');
    assert.equal(d.via, 'smartHost');
    assert.deepEqual(d.hosts, ['smarthost.martinus.nl']);
    assert.equal(d.domain, 'martinus.nl');
  });

  it('unknown Notes names are never sent to the smart host', () => {
    const d = one(dispatch(directory, graph, ['Nobody Here/USR/Martinus']));
    assert.ok(d.action === 'fail');
    assert.equal(d.reason, 'User not listed in Directory');
  });

  it('with "used for all local internet domain recipients", known users go there too', () => {
    const d = one(dispatch(directory, graph, ['anna@martinus.nl'], { smartHostForAllLocalRecipients: true }));
    assert.ok(d.action === 'smtp');
    assert.equal(d.via, 'smartHost');
  });
});

describe('smart host set, "used for all local internet domain recipients" off (the default)', () => {
  const directory = load({ configurations: [{ server: '*', smartHost: 'smarthost.martinus.nl' }] });
  const graph = buildRoutingGraph(directory, POSEIDON);

  it('known local users are still delivered or transferred by Notes routing', () => {
    for (const options of [{}, { smartHostForAllLocalRecipients: false }]) {
      const [anna, bram, alias] = dispatch(
        directory,
        graph,
        ['anna@martinus.nl', 'bram@martinus.nl', 'anna.smit@martinus.be'],
        options,
      );
      assert.ok(anna!.action === 'deliver');
      assert.equal(anna!.mailFile, 'mail/asmit.nsf');
      assert.ok(bram!.action === 'transfer');
      assert.equal(bram!.nextHop, HERMES);
      assert.equal(alias!.action, 'deliver');
    }
  });
});

describe("the server's own address literal and wildcard alias domains stay local (never out through *.*)", () => {
  const withWildcard = {
    ...martinusDirectory({ domains: [ALL_THE_INTERNET], connections: [gatewayConnection(DEMETER)] }),
    globalDomains: [
      {
        name: 'Martinus',
        primaryDomain: 'martinus.nl',
        aliases: ['martinus.be', '*.martinus.nl'],
        isDefault: true,
      },
    ],
  };
  const { directory, problems } = loadDirectory(withWildcard);
  assert.deepEqual(problems, []);
  const graph = buildRoutingGraph(directory, POSEIDON);
  const brief = (d: DispatchDecision) =>
    d.action === 'deliver'
      ? `deliver ${d.mailFile}`
      : d.action === 'fail'
        ? `fail ${d.failure}`
        : `${d.action}`;

  it('user@sales.martinus.nl is a local recipient: delivered, or "User not listed", never transferred toward the Internet', () => {
    const decisions = dispatch(directory, graph, ['anna@sales.martinus.nl', 'nobody@eu.sales.martinus.nl']);
    assert.deepEqual(decisions.map(brief), ['deliver mail/asmit.nsf', 'fail userNotListed']);
    // The same domain without the wildcard would go out through *.* (what the loop looked like).
    const [out] = dispatch(directory, graph, ['anna@martinus.nl.example']);
    assert.ok(out!.action === 'transfer' && out!.route.path.includes('all_the_internet'));
  });

  it('user@[own-ip] is delivered here when the server knows its addresses, sent by MX otherwise', () => {
    const own = { localAddresses: ['192.0.2.25'], smtpOutsideLocalInternetDomain: true };
    const [anna, nobody] = dispatch(directory, graph, ['anna@[192.0.2.25]', 'nobody@[192.0.2.25]'], own);
    assert.equal(brief(anna!), 'deliver mail/asmit.nsf');
    assert.equal(brief(nobody!), 'fail userNotListed');
    const [other] = dispatch(directory, graph, ['anna@[192.0.2.26]'], own);
    assert.ok(other!.action === 'smtp' && other!.via === 'mx');
    const [unknownOwn] = dispatch(directory, graph, ['anna@[192.0.2.25]'], {
      smtpOutsideLocalInternetDomain: true,
    });
    assert.ok(unknownOwn!.action === 'smtp' && unknownOwn!.via === 'mx');
  });
});

describe('alternatives when a Named Network hop is down', () => {
  // Poseidon and Demeter share the Named Network TCPIP-HQ (an implicit cost-1 link); Hermes offers
  // a second way to Demeter at cost 2.
  const directory = load({
    connections: [
      { source: 'Hermes/SRV/Martinus', destination: 'Demeter/SRV/Martinus', type: 'nrpc', cost: 1 },
    ],
  });
  it('drops the Named Network hop from the alternatives and routes through the next one', () => {
    const graph = buildRoutingGraph(directory, POSEIDON);
    const ranks = () => graph.alternatives(DEMETER).map((a) => `${a.rank} ${a.kind} ${a.nextHop} ${a.cost}`);
    assert.deepEqual(ranks(), [`1 equalCost ${DEMETER} 1`, `2 nextCost ${HERMES} 2`]);
    assert.equal(graph.markDown(POSEIDON, DEMETER), 1);
    assert.deepEqual(ranks(), [`1 equalCost ${HERMES} 2`]);
    const [carla] = dispatch(directory, graph, ['carla@martinus.nl']);
    assert.ok(carla!.action === 'transfer');
    assert.equal(carla!.nextHop, HERMES);
    assert.deepEqual(carla!.route.path, [POSEIDON, HERMES, DEMETER]);
    assert.equal(graph.markUp(POSEIDON, DEMETER), 1);
    assert.deepEqual(ranks(), [`1 equalCost ${DEMETER} 1`, `2 nextCost ${HERMES} 2`]);
  });
});
