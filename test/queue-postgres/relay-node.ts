/**
 * What every router node of the multi-node tests shares: the directory (one server that sends
 * Internet mail itself, through the relay host `sink.test`), and a real Router over the
 * PostgreSQL mail.box that transfers with @mailroute/smtp-client to the counting sink on
 * 127.0.0.1. The test process builds a Router from the same parts to submit mail (not started:
 * it only plans and enqueues, like an SMTP front end), the node processes to relay it.
 */
import type { Logger } from '@mailroute/envelope';
import type { PostgresMailBox } from '@mailroute/queue-postgres';
import { createRouter, type Router, type TransferAgent } from '@mailroute/router';
import { buildRoutingGraph, type DirectoryData, loadDirectory } from '@mailroute/routing';
import { createTransferAgent } from '@mailroute/smtp-client';

const THIS_SERVER = 'CN=Relay/O=Test';

/** One server; Internet mail leaves through the relay host (Domino's Configuration Settings). */
function relayDirectory(): DirectoryData {
  return {
    servers: [{ name: THIS_SERVER, domain: 'Test', hostName: 'relay.test.example', smtpListener: true }],
    connections: [],
    domains: [],
    globalDomains: [{ primaryDomain: 'test.example', isDefault: true }],
    persons: [],
    groups: [],
    configurations: [{ server: '*', smtpOutsideLocalInternetDomain: true, relayHosts: ['sink.test'] }],
  } as unknown as DirectoryData;
}

/** A Router node on `box`: transfers to the sink at `sinkPort`, EHLO `<owner>.test`. */
export function relayNode(options: {
  box: PostgresMailBox;
  owner: string;
  sinkPort: number;
  logger?: Logger;
  /** The Router's lease; default 20 s. */
  leaseMs?: number;
  /** The Router's idle poll; default 1 s. */
  pollIntervalMs?: number;
}): { router: Router; agent: TransferAgent } {
  const { directory, problems } = loadDirectory(relayDirectory());
  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) throw new Error(`directory: ${JSON.stringify(errors)}`);
  const agent = createTransferAgent({ heloName: `${options.owner}.test` });
  const router = createRouter({
    mailBox: options.box,
    directory,
    graph: buildRoutingGraph(directory, THIS_SERVER),
    transferAgent: agent,
    // The relay host "sink.test" is the counting sink on loopback.
    hopFor: () => ({ host: '127.0.0.1', port: options.sinkPort }),
    owner: options.owner,
    reportingMta: 'relay.test.example',
    bufferPoolSizeMB: 256,
    // One destination (the relay host): as many transfers to it as threads, so nothing leased
    // waits in memory while its lease runs.
    maxTransferThreads: 8,
    maxConcurrentTransferThreads: 8,
    // Long enough that a transfer on a loaded 2-core machine never runs into the end of its
    // lease (the Router aborts it then and puts the destination in retry); short enough that a
    // killed node's work comes back within the test.
    leaseMs: options.leaseMs ?? 20_000,
    // A transfer that does fail (a PostgreSQL restart in the middle of it) is tried again soon.
    initialTransferRetryIntervalMs: 1000,
    // Wake-ups come by NOTIFY; the poll finds what falls due later (a dead node's expired lease).
    pollIntervalMs: options.pollIntervalMs ?? 1000,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  return { router, agent };
}
