import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prng } from '@mailroute/testing';
import { buildRoutingGraph, dispatch, loadDirectory, resolveRecipient } from '../src/index.js';

function paths(json: unknown): string[] {
  return loadDirectory(json).problems.map((p) => p.path);
}

describe('loadDirectory validation', () => {
  it('accepts JSON text and parsed values alike', () => {
    const json = { servers: [{ name: 'A/Org', domain: 'Org' }] };
    assert.deepEqual(loadDirectory(JSON.stringify(json)).problems, []);
    assert.equal(loadDirectory(json).directory.servers().length, 1);
  });

  it('reports text that is not JSON, and a root that is not an object', () => {
    assert.match(loadDirectory('{"persons": [').problems[0]!.message, /not valid JSON/);
    assert.deepEqual(paths([]), ['']);
    assert.deepEqual(paths(null), ['']);
    assert.deepEqual(paths('42'), ['']);
  });

  it('names every bad field by its path', () => {
    const problems = paths({
      persons: [
        { fullNames: ['CN=Ok/O=Org'], internetAddress: 'ok@org.example' },
        'not a document',
        { fullNames: [] },
        {
          fullNames: ['CN=X/O=Org', 7],
          internetAddress: 'no-at-sign',
          formatPreference: 'fax',
          mailServer: 5,
        },
      ],
      groups: [{ members: ['a'] }, { name: 'G', type: 'party', members: 'Solo', scope: 'global' }],
      servers: [
        { name: 'S/Org' },
        { name: 'T/Org', domain: 'Org', smtpListener: 'yes', hostName: 'bad host' },
      ],
      connections: [
        { source: 'T/Org', destination: 'T2/Org', cost: Number.NaN },
        { destination: 'x', type: 'x400' },
      ],
      domains: [
        { type: 'weird' },
        { type: 'foreignSmtp', internetDomain: '*.*' },
        { type: 'nonAdjacent', name: 'A', via: 'a' },
      ],
      globalDomains: [{ primaryDomain: 'a..b' }, { primaryDomain: 'ok.example', aliases: ['-bad'] }],
      configurations: [
        {
          server: '*',
          expandGroups: 7,
          addressLookup: 'magic',
          relayHosts: ['ok.example', 'bad host'],
          smtpOutsideLocalInternetDomain: 1,
        },
      ],
      extra: [],
    });
    assert.deepEqual(problems, [
      'persons[1]',
      'persons[2].fullNames',
      'persons[3].fullNames[1]',
      'persons[3].formatPreference',
      'persons[3].internetAddress',
      'persons[3].mailServer',
      'servers[0].domain',
      'servers[1].smtpListener',
      'servers[1].hostName',
      'connections[0].cost',
      'connections[1].source',
      'connections[1].type',
      'domains[0].type',
      'domains[1].routeToDomain',
      'domains[2].via',
      'globalDomains[0].primaryDomain',
      'globalDomains[1].aliases[0]',
      'configurations[0].smtpOutsideLocalInternetDomain',
      'configurations[0].addressLookup',
      'configurations[0].relayHosts[1]',
      'configurations[0].expandGroups',
      'groups[0].name',
      'groups[1].type',
      'groups[1].scope',
      'extra',
    ]);
  });

  it('warns when the first full name is an Internet address rather than the canonical name', () => {
    const { problems } = loadDirectory({ persons: [{ fullNames: ['john@acme.com', 'CN=John/O=Acme'] }] });
    assert.deepEqual(
      problems.map((p) => [p.path, p.severity]),
      [['persons[0].fullNames[0]', 'warning']],
    );
  });

  it('keeps the list of problems bounded', () => {
    const persons = Array.from({ length: 5000 }, () => ({ fullNames: [] }));
    const { problems } = loadDirectory({ persons });
    assert.equal(problems.length, 1001);
    assert.equal(problems.at(-1)!.message, '4000 more problems not listed');
  });

  it('uses the Configuration Settings document of the server, else the * one, else Domino defaults', () => {
    const { directory } = loadDirectory({
      servers: [
        { name: 'A/Org', domain: 'Org' },
        { name: 'B/Org', domain: 'Org' },
      ],
      configurations: [
        { server: '*', smtpOutsideLocalInternetDomain: true, relayHosts: ['relay.example'] },
        { server: 'CN=B/O=Org', addressLookup: 'fullnameOnly' },
      ],
    });
    assert.equal(directory.configuration('A/Org').smtpOutsideLocalInternetDomain, true);
    assert.deepEqual(directory.configuration('a/org').relayHosts, ['relay.example']);
    assert.equal(directory.configuration('B/Org').smtpOutsideLocalInternetDomain, false);
    assert.equal(directory.configuration('B/Org').addressLookup, 'fullnameOnly');
    assert.equal(directory.configuration('B/Org').localServersReachableViaSmtp, 'sameNamedNetwork');
  });
});

describe('fuzz: random documents and addresses never throw or hang', () => {
  it('survives 2,000 random directories and their routing', () => {
    const rand = prng(4242);
    const atoms: unknown[] = [
      null,
      0,
      -1,
      1.5,
      Number.NaN,
      true,
      '',
      ' ',
      'A/Org',
      'CN=B/O=Org',
      'x@y.example',
      '*.*',
      'Org',
      'Other',
      '@',
      'a@@b',
      '"q@x"@y.z',
      'bücher.example',
      '[1.2.3.4]',
      [],
      {},
      ['A/Org'],
      'smtp',
      'nrpc',
      'foreignSmtp',
      'nonAdjacent',
      'adjacent',
      'all_the_internet',
      'Loop',
    ];
    const pick = () => atoms[Math.floor(rand() * atoms.length)];
    const fields = [
      'name',
      'domain',
      'source',
      'destination',
      'destinationDomain',
      'cost',
      'type',
      'via',
      'internetDomain',
      'routeToDomain',
      'routeToHost',
      'members',
      'fullNames',
      'internetAddress',
      'mailServer',
      'namedNetwork',
      'primaryDomain',
      'aliases',
      'server',
      'relayHosts',
      'expandGroups',
      'smartHost',
      'enabled',
    ];
    const doc = () => {
      const o: Record<string, unknown> = {};
      const k = Math.floor(rand() * 6);
      for (let i = 0; i < k; i++) o[fields[Math.floor(rand() * fields.length)]!] = pick();
      return rand() < 0.1 ? pick() : o;
    };
    const lists = [
      'persons',
      'groups',
      'servers',
      'connections',
      'domains',
      'globalDomains',
      'configurations',
    ];
    for (let i = 0; i < 2000; i++) {
      const json: Record<string, unknown> = {};
      for (const l of lists)
        json[l] = rand() < 0.1 ? pick() : Array.from({ length: Math.floor(rand() * 5) }, doc);
      const { directory, problems } = loadDirectory(
        rand() < 0.2 ? JSON.stringify(json).slice(0, Math.floor(rand() * 200)) : json,
      );
      assert.ok(Array.isArray(problems));
      const graph = buildRoutingGraph(directory, String(pick()));
      for (const dest of ['A/Org', 'Org', 'Other', 'Loop', { internetDomain: String(pick()) }]) {
        graph.route(dest);
        graph.alternatives(dest);
      }
      graph.routingTable();
      const recipients = [
        String(pick()),
        String(pick()),
        { localPart: String(pick()), domain: String(pick()) },
      ];
      for (const r of recipients) resolveRecipient(directory, r);
      assert.equal(dispatch(directory, graph, recipients).length, 3);
    }
  });
});
