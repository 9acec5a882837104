/**
 * The gateway's SMTP backend wired to its parts: policy, routing, itemizer, mail files, spool
 * and DKIM over one data directory. `startGateway` and the unit tests both build it here, so the
 * tests exercise the same wiring the program runs; only the clock differs.
 */
import { DnsListStatistics } from '@mailroute/relay-policy';
import type { Backend } from '@mailroute/smtp-server';
import { createGatewayBackend } from './backend.js';
import { composeCore, type GatewayCore } from './compose.js';
import type { GatewayConfig } from './config-types.js';
import { type DkimSetup, openDkim } from './dkim-keys.js';
import { GatewayStats } from './gateway-stats.js';
import { MessageBudget } from './message-budget.js';

/** What {@link composeBackend} needs beyond the configuration. */
export interface ComposeBackendOptions {
  /** Use the system resolver instead of the configuration's static zone. */
  readonly systemDns?: boolean;
  /** Where log lines go. */
  readonly log: (line: string) => void;
  /** The clock deliveries are stamped with (DeliveredDate). */
  readonly now: () => Date;
}

/** The backend and the parts the rest of the program (status, explain, close) reads. */
export interface ComposedBackend {
  readonly backend: Backend;
  readonly core: GatewayCore;
  readonly dkim: DkimSetup;
  readonly stats: GatewayStats;
  readonly dnsLists: DnsListStatistics;
}

/** Builds the backend for `config` over `dataDir`. */
export async function composeBackend(
  config: GatewayConfig,
  dataDir: string,
  options: ComposeBackendOptions,
): Promise<ComposedBackend> {
  const core = await composeCore(config, { systemDns: options.systemDns === true });
  const dkim = await openDkim(dataDir, config.dkim, options.log);
  const stats = new GatewayStats();
  const dnsLists = new DnsListStatistics({ expandPerIp: core.policy.settings.expandDnsblStatistics });
  const g = config.gateway;
  const backend = createGatewayBackend({
    gatherer: core.gatherer,
    dnsLists,
    settings: g,
    budget: new MessageBudget(g.maxBufferedBytes),
    delivery: {
      dataDir,
      directory: core.directory,
      graph: core.graph,
      dkim: dkim.policy,
      stats,
      log: options.log,
      now: options.now,
      knownFolders: new Set(),
    },
  });
  return { backend, core, dkim, stats, dnsLists };
}
