/**
 * The gateway's Router: mail.box in `<data>/mail.box` (the router's crash-safe file store), local
 * delivery into the mail-file folders under `<data>/mailfiles/` (the router's folder MailFiles,
 * with the gateway's TNEF settings), transfer over SMTP with `@mailroute/smtp-client` (DNS from the
 * gateway's resolver: the static zone by default), and DKIM signing on the way out with the
 * gateway's `RouterDKIMSigning` / `DKIM_KEY_<domain>` policy. The Router recovers its own store
 * at open: whatever got a 250 is in mail.box and is delivered or transferred after a restart.
 */
import { join } from 'node:path';
import type { DkimSigningPolicy } from '@mailroute/dkim';
import type { MailResolver } from '@mailroute/dns';
import { type Clock, type Logger, systemClock } from '@mailroute/envelope';
import type { PostgresMailBox } from '@mailroute/queue-postgres';
import {
  createFileMailBox,
  createFileRetryState,
  createFolderJournalStore,
  createFolderMailFiles,
  createRouter,
  type FileMailBox,
  type MailRulesWatcher,
  type NextHop,
  type Router,
  routingLogger,
  type SignHook,
  type TransferAgent,
} from '@mailroute/router';
import type { InMemoryDirectory, RoutingGraph } from '@mailroute/routing';
import { createTransferAgent } from '@mailroute/smtp-client';
import { journalFolder } from './config-mail-rules.js';
import type { GatewaySettings } from './config-types.js';
import type { GatewayStats } from './gateway-stats.js';
import { componentLogger } from './log-lines.js';
import { mailFilesRoot } from './mail-store.js';
import { openPostgresQueue } from './queue-store.js';

/** Where mail.box lives. */
export function mailBoxRoot(dataDir: string): string {
  return join(dataDir, 'mail.box');
}

/** The Router and what it owns. */
export interface GatewayRouter {
  readonly router: Router;
  /** The file store under the data directory, or PostgreSQL (`router.queue` / `--queue`). */
  readonly mailBox: FileMailBox | PostgresMailBox;
  /** Stops the Router, closes the transfer agent and mail.box. */
  close(): Promise<void>;
}

/**
 * The DKIM hook: signs by the From address's domain when `RouterDKIMSigning` is on and keys for
 * the domain are in the credential store; otherwise the message goes unsigned (and the missing
 * or unusable keys are logged). The Router calls it only for mail an authenticated user sent and
 * for its own reports: signing what an anonymous client claims would lend it our signature.
 */
export function dkimSignHook(policy: DkimSigningPolicy, stats: GatewayStats, logger: Logger): SignHook {
  return async (message, from) => {
    const at = from?.lastIndexOf('@') ?? -1;
    const domain = from !== undefined && at > 0 ? from.slice(at + 1) : undefined;
    if (domain === undefined) return message;
    const { signer, missing, unusable } = policy.signerFor(domain);
    if (missing.length > 0)
      logger.warn({}, `dkim: no key in the credential store for ${domain} selector(s) ${missing.join(', ')}`);
    for (const u of unusable)
      logger.warn({}, `dkim: key ${u.selector} of ${domain} cannot sign: ${u.reason}`);
    if (signer === undefined) return message;
    const signatures = await signer.sign(message);
    stats.signed++;
    return Buffer.concat([Buffer.from(signatures.map((s) => s.header).join(''), 'latin1'), message]);
  };
}

/** What {@link openGatewayRouter} is built from. */
export interface GatewayRouterOptions {
  readonly dataDir: string;
  readonly settings: GatewaySettings;
  readonly directory: InMemoryDirectory;
  readonly graph: RoutingGraph;
  readonly resolver: MailResolver;
  readonly dkim: DkimSigningPolicy;
  readonly stats: GatewayStats;
  /** The gateway's logger; the Router, the transfer agent and mail.box log through children of it. */
  readonly logger: Logger;
  /** The Router's clock (DeliveredDate, retries); default the system's. */
  readonly clock?: Clock;
  /** The transfer agent; default one of `@mailroute/smtp-client` over `resolver`. */
  readonly transferAgent?: TransferAgent;
  /** The server mail rules being watched (closed with the Router); none: no rules. */
  readonly rules?: MailRulesWatcher;
}

/** Opens mail.box and builds the Router (not started). */
export async function openGatewayRouter(options: GatewayRouterOptions): Promise<GatewayRouter> {
  const { settings, logger } = options;
  const r = settings.router;
  const mailBox =
    r.queue === undefined
      ? await createFileMailBox({ directory: mailBoxRoot(options.dataDir) })
      : await openPostgresQueue(r.queue, r.queueSchema, logger);
  const recovery = 'stats' in mailBox ? mailBox.stats().recovery : undefined;
  if (recovery !== undefined && (recovery.tornBytes > 0 || recovery.missingBodies > 0))
    logger.warn(
      {},
      `mail.box recovery: ${recovery.frames} frame(s) read, ${recovery.tornBytes} torn byte(s) dropped (never acknowledged)`,
    );
  // Log_MailRouting and DebugRouter decide which of the Router's records reach the log.
  const routerLogger = routingLogger(logger.child({ component: 'router' }), settings.operator.routingLog);
  const agent: TransferAgent =
    options.transferAgent ??
    createTransferAgent({
      resolver: options.resolver,
      heloName: settings.hostname,
      mxPort: r.mxPort,
      fallbackNonTls: r.fallbackNonTls,
      pipelineData: r.pipelineData,
      logger: componentLogger(logger, 'smtp-client'),
    });
  const hopFor = (host: string): NextHop => {
    const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(host);
    const name = (m?.[1] ?? host).replace(/^\[(.*)\]$/, '$1');
    const port = m ? Number(m[2]) : (r.smtpPorts[name.toLowerCase()] ?? 25);
    return { host: name, port };
  };
  const router = createRouter({
    mailBox,
    directory: options.directory,
    graph: options.graph,
    mailFiles: createFolderMailFiles(mailFilesRoot(options.dataDir), {
      parse: {
        tnef: {
          enableConversion: settings.tnef.enableConversion,
          keepAttachment: settings.tnef.keepAttachment,
          attachRtf: settings.tnef.attachRtf,
        },
      },
    }),
    transferAgent: agent,
    sign: dkimSignHook(options.dkim, options.stats, logger),
    hopFor,
    initialTransferRetryIntervalMs: r.initialTransferRetryIntervalMs,
    expiryMs: r.expiryMs,
    ...(r.maxTransferThreads === undefined ? {} : { maxTransferThreads: r.maxTransferThreads }),
    ...(r.maxConcurrentTransferThreads === undefined
      ? {}
      : { maxConcurrentTransferThreads: r.maxConcurrentTransferThreads }),
    ...(r.maxDeliveryThreads === undefined ? {} : { maxDeliveryThreads: r.maxDeliveryThreads }),
    dsn: r.dsn,
    routerDSNForNULLReversePath: r.routerDSNForNULLReversePath,
    reportingMta: settings.hostname,
    clock: options.clock ?? systemClock,
    logger: routerLogger,
    ...(options.rules === undefined ? {} : { rules: options.rules }),
    // "Journal this message" copies (Router/SMTP - Advanced - Journaling, mailjrn.nsf).
    journal: createFolderJournalStore(journalFolder(options.dataDir, settings.operator.journaling)),
    // Destinations in retry and hops marked down, kept beside mail.box across a restart.
    retryState: createFileRetryState(join(options.dataDir, 'router-retry.json'), routerLogger),
  });
  let closing: Promise<void> | undefined;
  return {
    router,
    mailBox,
    close() {
      closing ??= (async () => {
        options.rules?.close();
        await router.stop();
        await agent.close();
        await mailBox.close();
      })();
      return closing;
    },
  };
}
