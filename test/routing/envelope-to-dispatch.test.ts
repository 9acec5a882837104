/**
 * Cross-package: RCPT TO paths parsed by @mailroute/envelope (as the SMTP server hands them over,
 * local part plus A-label domain) go straight into @mailroute/routing's dispatch, through the
 * published package entry points.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseForwardPath } from '@mailroute/envelope';
import { buildRoutingGraph, type DispatchDecision, dispatch, loadDirectory } from '@mailroute/routing';

const directoryJson = JSON.stringify({
  servers: [
    { name: 'CN=Mail1/O=Acme', domain: 'Acme', namedNetwork: 'LAN', smtpListener: true },
    { name: 'CN=Mail2/O=Acme', domain: 'Acme', namedNetwork: 'LAN' },
    { name: 'CN=Gateway/O=Acme', domain: 'Acme', namedNetwork: 'DMZ', smtpListener: true },
  ],
  connections: [
    { source: 'Mail1/Acme', destination: 'Gateway/Acme', cost: 1 },
    { source: 'Mail2/Acme', destination: 'Gateway/Acme', cost: 1 },
    { source: 'Gateway/Acme', destination: 'Mail1/Acme', cost: 1 },
    {
      source: 'Gateway/Acme',
      destination: 'ALL-INTERNET-HOSTS',
      destinationDomain: 'all_the_internet',
      type: 'smtp',
      cost: 1,
    },
  ],
  domains: [{ type: 'foreignSmtp', internetDomain: '*.*', routeToDomain: 'all_the_internet' }],
  globalDomains: [{ primaryDomain: 'acme.com', aliases: ['acme.de', 'bücher-acme.de'], isDefault: true }],
  configurations: [
    { server: '*', addressLookup: 'fullnameOnly' },
    { server: 'Gateway/Acme', smtpOutsideLocalInternetDomain: true, addressLookup: 'fullnameOnly' },
  ],
  persons: [
    {
      fullNames: ['CN=John Doe/O=Acme', 'John Doe'],
      internetAddress: 'john@acme.com',
      mailServer: 'CN=Mail2/O=Acme',
      mailFile: 'mail/jdoe.nsf',
    },
  ],
});

function recipientsOf(paths: string[]) {
  return paths.map((p) => {
    const parsed = parseForwardPath(p, { smtputf8: true });
    assert.ok(parsed.ok, `envelope refused ${p}`);
    const path = parsed.value;
    assert.ok(path.kind === 'mailbox');
    const domain = path.mailbox.domain;
    assert.ok(domain.kind === 'domain');
    return { localPart: path.mailbox.localPart, domain: domain.ascii };
  });
}

function brief(d: DispatchDecision): string {
  if (d.action === 'transfer') return `transfer ${d.nextHop} (${d.route.path.join(' > ')})`;
  if (d.action === 'smtp') return `smtp ${d.via} ${d.hosts.join(',')}`;
  if (d.action === 'deliver') return `deliver ${d.mailFile}`;
  return d.action === 'fail' ? `fail ${d.reason}` : d.action;
}

describe('envelope RCPT TO paths into routing dispatch', () => {
  const { directory, problems } = loadDirectory(directoryJson);

  it('loads the directory text without problems', () => {
    assert.deepEqual(problems, []);
  });

  it('routes inbound mail on the gateway to the home server, alias and IDN domains included', () => {
    const graph = buildRoutingGraph(directory, 'CN=Gateway/O=Acme');
    const decisions = dispatch(
      directory,
      graph,
      recipientsOf([
        '<john@acme.de>',
        '<JOHN@Acme.Com>',
        '<john@bücher-acme.de>',
        '<jane@acme.com>',
        '<x@example.org>',
      ]),
    );
    assert.deepEqual(decisions.map(brief), [
      'transfer Mail1/Acme (Gateway/Acme > Mail1/Acme > Mail2/Acme)',
      'transfer Mail1/Acme (Gateway/Acme > Mail1/Acme > Mail2/Acme)',
      'transfer Mail1/Acme (Gateway/Acme > Mail1/Acme > Mail2/Acme)',
      'fail User not listed in Directory',
      'smtp mx example.org',
    ]);
  });

  it("fails with Domino's reason when the only connection back is down", () => {
    const graph = buildRoutingGraph(directory, 'CN=Gateway/O=Acme');
    graph.markDown('Gateway/Acme', 'Mail1/Acme');
    assert.deepEqual(dispatch(directory, graph, recipientsOf(['<john@acme.com>'])).map(brief), [
      'fail No route found to server Mail2/Acme from server Gateway/Acme',
    ]);
  });

  it('routes Internet mail from a mail server to the gateway, which then sends it', () => {
    const graph = buildRoutingGraph(directory, 'Mail2/Acme');
    assert.deepEqual(dispatch(directory, graph, recipientsOf(['<ping@mxtoolbox.com>'])).map(brief), [
      'transfer Gateway/Acme (Mail2/Acme > Gateway/Acme > all_the_internet)',
    ]);
    assert.deepEqual(dispatch(directory, graph, recipientsOf(['<john@acme.de>'])).map(brief), [
      'deliver mail/jdoe.nsf',
    ]);
  });
});
