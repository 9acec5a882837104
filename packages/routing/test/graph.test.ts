import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildRoutingGraph, dispatch, loadDirectory } from '../src/index.js';

function graphOf(json: Record<string, unknown>, from: string) {
  const { directory, problems } = loadDirectory(json);
  return { graph: buildRoutingGraph(directory, from), problems, directory };
}

const diamond = {
  servers: ['A', 'B', 'C', 'D', 'E'].map((s) => ({ name: `CN=${s}/O=Org`, domain: 'Org' })),
  connections: [
    { source: 'A/Org', destination: 'C/Org', cost: 1 },
    { source: 'A/Org', destination: 'B/Org', cost: 1 },
    { source: 'B/Org', destination: 'D/Org', cost: 1 },
    { source: 'C/Org', destination: 'D/Org', cost: 1 },
    { source: 'A/Org', destination: 'E/Org', cost: 1 },
    { source: 'E/Org', destination: 'D/Org', cost: 5 },
  ],
};

describe('least-cost route and tie-break', () => {
  it('breaks equal-cost ties by the lowest server name, whatever the document order', () => {
    const { graph } = graphOf(diamond, 'A/Org');
    const r = graph.route('CN=D/O=Org');
    assert.ok(r.found);
    assert.deepEqual(r.path, ['A/Org', 'B/Org', 'D/Org']);
    assert.equal(r.nextHop, 'B/Org');
    assert.equal(r.cost, 2);
    assert.deepEqual(r.hops[0], {
      from: 'A/Org',
      to: 'B/Org',
      cost: 1,
      via: 'connection',
      type: 'nrpc',
      connection: 1,
    });
  });

  it('prefers fewer hops among equal costs', () => {
    const { graph } = graphOf(
      {
        servers: ['A', 'B', 'Z'].map((s) => ({ name: `${s}/Org`, domain: 'Org' })),
        connections: [
          { source: 'A/Org', destination: 'B/Org', cost: 1 },
          { source: 'B/Org', destination: 'Z/Org', cost: 1 },
          { source: 'A/Org', destination: 'Z/Org', cost: 2 },
        ],
      },
      'A/Org',
    );
    const r = graph.route('Z/Org');
    assert.ok(r.found);
    assert.deepEqual(r.path, ['A/Org', 'Z/Org']);
  });

  it('ranks alternatives by next hop: equal cost first, then next cost', () => {
    const { graph } = graphOf(diamond, 'A/Org');
    assert.deepEqual(
      graph
        .alternatives('D/Org')
        .map((a) => `${a.rank} ${a.kind} ${a.nextHop} ${a.cost} ${a.path.join('>')}`),
      [
        '1 equalCost B/Org 2 A/Org>B/Org>D/Org',
        '2 equalCost C/Org 2 A/Org>C/Org>D/Org',
        '3 nextCost E/Org 6 A/Org>E/Org>D/Org',
      ],
    );
  });

  it('routes to this server with no hops', () => {
    const { graph } = graphOf(diamond, 'A/Org');
    const r = graph.route('A/Org');
    assert.ok(r.found);
    assert.equal(r.cost, 0);
    assert.equal(r.nextHop, undefined);
    assert.deepEqual(graph.alternatives('A/Org'), []);
  });

  it('recomputes only when a hop on the tree goes down, and caches routes', () => {
    const { graph } = graphOf(diamond, 'A/Org');
    const first = graph.route('D/Org');
    assert.equal(graph.route('D/Org'), first, 'cached object');
    assert.equal(graph.recomputations, 1);
    assert.equal(graph.markDown('E/Org', 'D/Org'), 1); // not on the tree
    assert.equal(graph.route('D/Org'), first);
    assert.equal(graph.recomputations, 1);
    assert.equal(graph.markDown('A/Org', 'B/Org'), 1); // on the tree
    const r = graph.route('D/Org');
    assert.ok(r.found);
    assert.deepEqual(r.path, ['A/Org', 'C/Org', 'D/Org']);
    assert.equal(graph.recomputations, 2);
    assert.equal(graph.markDown('A/Org', 'B/Org'), 0, 'already down');
    assert.equal(graph.markDown('Nope/Org', 'B/Org'), 0, 'unknown server');
    assert.deepEqual(graph.downHops(), [
      ['A/Org', 'B/Org'],
      ['E/Org', 'D/Org'],
    ]);
    graph.markUp('A/Org', 'B/Org');
    const back = graph.route('D/Org');
    assert.ok(back.found);
    assert.deepEqual(back.path, first.found ? first.path : []);
  });

  it('named networks link their servers both ways, and their hops can go down', () => {
    const { graph } = graphOf(
      {
        servers: [
          { name: 'A/Org', domain: 'Org', namedNetwork: 'N1' },
          { name: 'B/Org', domain: 'Org', namedNetwork: 'n1' },
          { name: 'C/Org', domain: 'Org', namedNetwork: 'N1' },
          { name: 'X/Other', domain: 'Other', namedNetwork: 'N1' },
        ],
      },
      'A/Org',
    );
    const r = graph.route('C/Org');
    assert.ok(r.found);
    assert.equal(r.hops[0]!.via, 'namedNetwork');
    assert.equal(graph.route('X/Other').found, false, 'a named network does not cross Notes domains');
    graph.markDown('A/Org', 'C/Org');
    const around = graph.route('C/Org');
    assert.ok(around.found);
    assert.deepEqual(around.path, ['A/Org', 'B/Org', 'C/Org']);
  });
});

describe('Notes domains', () => {
  const json = {
    servers: [
      { name: 'Hub/Acme', domain: 'Acme' },
      { name: 'Mail/Acme', domain: 'Acme' },
    ],
    connections: [
      { source: 'Mail/Acme', destination: 'Hub/Acme', cost: 1 },
      { source: 'Hub/Acme', destination: 'Gate/Partner', destinationDomain: 'Partner', cost: 2 },
    ],
    domains: [
      { type: 'adjacent', name: 'Partner' },
      { type: 'nonAdjacent', name: 'Far', via: 'Partner' },
      { type: 'nonAdjacent', name: 'Loop1', via: 'Loop2' },
      { type: 'nonAdjacent', name: 'Loop2', via: 'Loop1' },
    ],
  };

  it('routes to an adjacent domain through its server, and to a non-adjacent one through it', () => {
    const { graph } = graphOf(json, 'Mail/Acme');
    const partner = graph.route({ domain: 'partner' });
    assert.ok(partner.found);
    assert.deepEqual(partner.path, ['Mail/Acme', 'Hub/Acme', 'Gate/Partner', 'Partner']);
    assert.equal(partner.cost, 3);
    const far = graph.route('Far');
    assert.ok(far.found);
    assert.deepEqual(far.path, ['Mail/Acme', 'Hub/Acme', 'Gate/Partner', 'Partner', 'Far']);
    assert.equal(far.hops.at(-1)!.via, 'nonAdjacentDomain');
  });

  it('names a cycle of non-adjacent domains and answers "no route" without hanging', () => {
    const { graph, problems } = graphOf(json, 'Mail/Acme');
    assert.ok(problems.some((p) => /cycle of non-adjacent domains: Loop1 -> Loop2 -> Loop1/.test(p.message)));
    const r = graph.route('Loop1');
    assert.deepEqual(r, {
      found: false,
      destination: 'Loop1',
      reason: 'No route found to domain Loop1 from server Mail/Acme',
    });
    assert.equal(graph.route('Unknown').found, false);
    assert.match(
      (graph.route({ server: 'Ghost/Acme' }) as { reason: string }).reason,
      /No route found to server Ghost\/Acme/,
    );
  });

  it('explains a route the way DebugRouter=2 does, with alternatives and down hops', () => {
    const { graph } = graphOf(json, 'Mail/Acme');
    graph.markDown('Hub/Acme', 'Gate/Partner');
    assert.equal(
      graph.explain('Partner'),
      [
        'Router: Routing from Mail/Acme to Partner',
        'Router: No route found to domain Partner from server Mail/Acme',
        'Router: Hop marked down: Hub/Acme -> Gate/Partner',
      ].join('\n'),
    );
    graph.markUp('Hub/Acme', 'Gate/Partner');
    const text = graph.explain({ domain: 'Partner' });
    assert.equal(
      text,
      [
        'Router: Routing from Mail/Acme to domain Partner',
        'Router: Least cost route to Partner: cost 3, 3 hop(s)',
        'Router:   1. Mail/Acme -> Hub/Acme  cost 1  (NRPC Connection document #0)',
        'Router:   2. Hub/Acme -> Gate/Partner  cost 2  (NRPC Connection document #1)',
        'Router:   3. Gate/Partner -> Partner  cost 0  (server of domain Partner)',
        'Router: Next hop Hub/Acme',
        'Router: Alternatives by next hop (= equal cost, + next cost):',
        'Router:   1 = Hub/Acme  cost 3  Mail/Acme -> Hub/Acme -> Gate/Partner -> Partner',
      ].join('\n'),
    );
  });

  it('dumps the routing table', () => {
    const { graph } = graphOf(json, 'Mail/Acme');
    const table = graph.routingTable().split('\n');
    assert.match(table[0]!, /Routing table for Mail\/Acme in domain Acme: 3 servers, 4 domains, \d+ edges/);
    assert.ok(table.some((l) => /Hub\/Acme\s+server\s+1\s+Hub\/Acme\s+Mail\/Acme -> Hub\/Acme/.test(l)));
    assert.ok(table.some((l) => l.includes('Unreachable: Loop1, Loop2')));
  });
});

describe('bad topology', () => {
  it('an unknown own server gives no routes and one problem, never a throw', () => {
    const { graph } = graphOf(diamond, 'Nowhere/Org');
    assert.equal(graph.problems.length, 1);
    assert.match(graph.problems[0]!.message, /not in the directory/);
    assert.equal(graph.route('A/Org').found, false);
    assert.deepEqual(graph.alternatives('A/Org'), []);
    assert.match(graph.explain('A/Org'), /No route found/);
    assert.match(graph.routingTable(), /Unreachable/);
  });

  it('dangling and unknown-source connections are named and left out', () => {
    const { graph, problems } = graphOf(
      {
        servers: [{ name: 'A/Org', domain: 'Org' }],
        connections: [
          { source: 'A/Org', destination: 'Ghost/Org', cost: 1 },
          { source: 'Ghost/Org', destination: 'A/Org', cost: 1 },
          { source: 'A/Org', destination: 'A/Org', cost: -3 },
        ],
      },
      'A/Org',
    );
    assert.deepEqual(
      problems.map((p) => p.path),
      ['connections[2].cost', 'connections[0].destination', 'connections[1].source'],
    );
    assert.deepEqual(
      graph.problems.map((p) => p.path),
      ['connections[0].destination', 'connections[1].source'],
    );
    assert.equal(graph.edgeCount, 0);
  });
});

describe('untyped callers', () => {
  it('answers nonsense destinations and recipients with a reason, never a throw', () => {
    const { graph, directory } = graphOf(diamond, 'A/Org');
    for (const bad of [null, undefined, 42, {}, { server: 7 }, []] as never[]) {
      const r = graph.route(bad);
      assert.equal(r.found, false);
      assert.deepEqual(graph.alternatives(bad), []);
      assert.match(graph.explain(bad), /No route found/);
    }
    const decisions = dispatch(directory, graph, [null, 42, { localPart: 1 }, { address: null }] as never[]);
    assert.deepEqual(
      decisions.map((d) => d.action === 'fail' && d.failure),
      ['invalidAddress', 'invalidAddress', 'invalidAddress', 'invalidAddress'],
    );
    assert.equal(buildRoutingGraph(directory, undefined as never).route('A/Org').found, false);
  });
});
