/**
 * The gateway's SMTP backend wired to its parts: policy, routing, itemizer and the Router (mail.box,
 * mail files, transfer, DKIM) over one data directory. `startGateway` and the unit tests both build it here, so the
 * tests exercise the same wiring the program runs; only the clock differs.
 */
import type { Clock, Logger } from '@mailroute/envelope';
import { DnsListStatistics } from '@mailroute/relay-policy';
import type { MailRulesWatcher, TransferAgent } from '@mailroute/router';
import type { Backend } from '@mailroute/smtp-server';
import { createGatewayBackend } from './backend.js';
import { composeCore, type GatewayCore } from './compose.js';
import type { GatewayConfig } from './config-types.js';
import { type DkimSetup, openDkim } from './dkim-keys.js';
import { GatewayStats } from './gateway-stats.js';
import { openMailRules } from './mail-rules-setup.js';
import { MessageBudget } from './message-budget.js';
import { type GatewayRouter, openGatewayRouter } from './router-setup.js';

/** What {@link composeBackend} needs beyond the configuration. */
export interface ComposeBackendOptions {
  /** Use the system resolver instead of the configuration's static zone. */
  readonly systemDns?: boolean;
  /** Use these DNS servers instead (a test's real DNS server); see `DnsChoice.servers`. */
  readonly dnsServers?: readonly string[];
  /** The gateway's logger (envelope's `Logger`); each part logs through a child naming it. */
  readonly logger: Logger;
  /** The Router's clock (DeliveredDate, retry times); default the system's. */
  readonly clock?: Clock;
  /** The transfer agent; default `createTransferAgent` of `@mailroute/smtp-client` (unit tests pass a recorder). */
  readonly transferAgent?: TransferAgent;
}

/** The backend and the parts the rest of the program (status, explain, close) reads. */
export interface ComposedBackend {
  readonly backend: Backend;
  readonly core: GatewayCore;
  readonly dkim: DkimSetup;
  readonly stats: GatewayStats;
  readonly dnsLists: DnsListStatistics;
  /** The Router (not started) and its mail.box. */
  readonly router: GatewayRouter;
  /** The server mail rules being watched (closed with the Router); undefined without a rules file. */
  readonly rules: MailRulesWatcher | undefined;
}

/** Builds the backend for `config` over `dataDir`. */
export async function composeBackend(
  config: GatewayConfig,
  dataDir: string,
  options: ComposeBackendOptions,
): Promise<ComposedBackend> {
  const core = await composeCore(config, {
    systemDns: options.systemDns === true,
    ...(options.dnsServers === undefined ? {} : { servers: options.dnsServers }),
  });
  const dkim = await openDkim(dataDir, config.dkim, options.logger);
  const stats = new GatewayStats();
  const dnsLists = new DnsListStatistics({ expandPerIp: core.policy.settings.expandDnsblStatistics });
  const g = config.gateway;
  const rules = await openMailRules(config.dir, g.operator, options.logger);
  const router = await openGatewayRouter({
    dataDir,
    settings: g,
    directory: core.directory,
    graph: core.graph,
    resolver: core.resolver,
    dkim: dkim.policy,
    stats,
    logger: options.logger,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.transferAgent === undefined ? {} : { transferAgent: options.transferAgent }),
    ...(rules === undefined ? {} : { rules }),
  }).catch((error: unknown) => {
    rules?.close();
    throw error;
  });
  const backend = createGatewayBackend({
    gatherer: core.gatherer,
    dnsLists,
    settings: g,
    budget: new MessageBudget(g.maxBufferedBytes),
    delivery: {
      router: router.router,
      directory: core.directory,
      graph: core.graph,
      stats,
      logger: options.logger,
    },
  });
  return { backend, core, dkim, stats, dnsLists, router, rules };
}
