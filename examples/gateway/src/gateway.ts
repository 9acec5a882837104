/**
 * The running gateway: the composed core, the DKIM signing policy from the credential store, the
 * Router over mail.box, the backend and the SMTP listener, the example's capture sink, plus the
 * status file. `start()` takes the data directory's lock, starts the sink, opens mail.box (which
 * recovers itself), the listeners and the Router, and returns their addresses; `close()` shuts
 * down gracefully (sessions in a transaction finish, the Router's running work finishes) and
 * writes the final status.
 */

import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { type Logger, MailrouteError, silentLogger, systemClock } from '@mailroute/envelope';
import type { MailRulesWatcher } from '@mailroute/router';
import { createSmtpServer, type ListeningAddress, type SmtpServer } from '@mailroute/smtp-server';
import { type CaptureSink, sinkRoot, startCaptureSink } from './capture-sink.js';
import type { GatewayCore } from './compose.js';
import { composeBackend } from './compose-backend.js';
import { readTlsMaterial } from './config-tls.js';
import type { GatewayConfig } from './config-types.js';
import { createControlHandler } from './control-handlers.js';
import { type ControlServer, startControlServer } from './control-socket.js';
import { type DataLock, lockDataDirectory } from './data-lock.js';
import { developmentCertificate } from './dev-certificate.js';
import type { DkimSetup } from './dkim-keys.js';
import { ensureFolder, removeUnfinished } from './durable-write.js';
import type { GatewayStats } from './gateway-stats.js';
import { componentLogger } from './log-lines.js';
import { mailFilesRoot } from './mail-store.js';
import type { GatewayRouter } from './router-setup.js';
import { type GatewayStatus, routerView, writeStatus } from './status-file.js';

export { formatLogLine, gatewayLineLogger } from './log-lines.js';

/** Options of {@link startGateway}. */
export interface GatewayOptions {
  readonly config: GatewayConfig;
  /** Mail files, spool, credential store and status live here. */
  readonly dataDir: string;
  /** Overrides gateway.json's port (0 picks a free one). */
  readonly port?: number;
  /** Overrides gateway.json's submission port (0 picks a free one, null turns it off). */
  readonly submissionPort?: number | null;
  /** Overrides gateway.json's listener address. */
  readonly host?: string;
  /** Overrides gateway.json's capture sink port (0 picks a free one, null turns the sink off). */
  readonly sinkPort?: number | null;
  /** Use the system resolver instead of the static zone. */
  readonly systemDns?: boolean;
  /** Use these DNS servers (`127.0.0.1:5353`) instead of the static zone: tests against a real DNS server. */
  readonly dnsServers?: readonly string[];
  /**
   * The SDK's `Logger` (envelope's pino shape: a pino logger fits); each part logs through a child
   * `{ component }` (`smtp`, `router`, `smtp-client`, `mail.box`, `mail-rules`). Default silent;
   * `gatewayLineLogger(write)` writes the lines the command line prints.
   */
  readonly logger?: Logger;
  /** How often status.json is rewritten, in ms; default 1000. */
  readonly statusIntervalMs?: number;
}

/** A started gateway. */
export interface Gateway {
  readonly addresses: readonly ListeningAddress[];
  readonly core: GatewayCore;
  readonly dkim: DkimSetup;
  readonly stats: GatewayStats;
  readonly server: SmtpServer;
  /** The Router and its mail.box. */
  readonly router: GatewayRouter;
  /** The capture sink, when the configuration runs one. */
  readonly sink: CaptureSink | undefined;
  /** The server mail rules being watched; undefined when gateway.json names no rules file. */
  readonly rules: MailRulesWatcher | undefined;
  /** The control socket's path (queue, track, rules commands); undefined when it could not be made. */
  readonly control: string | undefined;
  /** The status as status.json holds it. */
  status(state?: 'running' | 'stopped'): GatewayStatus;
  /** Graceful shutdown; sessions in a transaction get `deadlineMs` to finish. */
  close(deadlineMs?: number): Promise<void>;
}

/**
 * Removes what a crashed predecessor left in the mail-file folders and the sink: `.tmp` files
 * and messages without their document, older than `beforeMs` (when this process took the data
 * directory's lock). mail.box recovers itself when it opens; a delivery or transfer that was
 * cut short is still waiting there and is made again.
 */
async function cleanAfterCrash(dataDir: string, beforeMs: number): Promise<number> {
  let removed = 0;
  const walk = async (folder: string, depth: number): Promise<void> => {
    removed += await removeUnfinished(folder, beforeMs);
    if (depth > 10) return;
    const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
    for (const e of entries) if (e.isDirectory()) await walk(join(folder, e.name), depth + 1);
  };
  await walk(mailFilesRoot(dataDir), 0);
  await walk(sinkRoot(dataDir), 0);
  // Status files being replaced when a process died (`status.json.<pid>.part`).
  for (const name of await readdir(dataDir).catch(() => [] as string[])) {
    if (/^status\.json\.\d+\.part$/.test(name) && name !== `status.json.${process.pid}.part`)
      await unlink(join(dataDir, name)).catch(() => undefined);
  }
  return removed;
}

/** The certificate STARTTLS offers: gateway.json's `tls` files, else the kept development one. */
async function serverCertificate(
  config: GatewayConfig,
  dataDir: string,
  logger: Logger,
): Promise<{ readonly key: string; readonly cert: string }> {
  const files = config.gateway.tls;
  if (files === undefined)
    return developmentCertificate(
      dataDir,
      config.gateway.hostname,
      systemClock,
      componentLogger(logger, 'smtp'),
    );
  // Read again: the files may have changed since the configuration was checked.
  const material = await readTlsMaterial(config.dir, files, systemClock.now());
  if (!material.ok)
    throw new MailrouteError('GATEWAY_TLS_FILES', material.errors.map((e) => e.message).join('; '));
  for (const w of material.warnings) logger.warn({}, w);
  return { key: material.key, cert: material.cert };
}

/**
 * Composes and starts the gateway. Rejects with a `MailrouteError` of code `DATA_DIR_LOCKED`
 * (`gateway.dataDirLocked`, naming the holder's pid) when another live process holds the data
 * directory.
 */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { dataDir } = options;
  const logger = options.logger ?? silentLogger;
  await ensureFolder(dataDir);
  // One gateway per data directory: nothing in it is touched before the lock is ours.
  const lock = await lockDataDirectory(dataDir);
  try {
    return await startLocked(options, lock, logger);
  } catch (error) {
    await lock.release();
    throw error;
  }
}

async function startLocked(options: GatewayOptions, lock: DataLock, logger: Logger): Promise<Gateway> {
  const { dataDir } = options;
  // Crash recovery of the folders first (only files older than the lock: the predecessor's).
  const removed = await cleanAfterCrash(dataDir, lock.takenAtMs);
  if (removed > 0) logger.info({}, `recovery: removed ${removed} unfinished file(s) (never acknowledged)`);
  // The sink first: the Router may transfer to it as soon as it starts.
  const sinkSettings = options.config.gateway.captureSink;
  const sinkPort = options.sinkPort === undefined ? sinkSettings?.port : options.sinkPort;
  const sink =
    sinkSettings === undefined || sinkPort === null || sinkPort === undefined
      ? undefined
      : await startCaptureSink({
          dataDir,
          host: sinkSettings.host,
          port: sinkPort,
          hostname: 'sink.acme.example',
        });
  // The hosts the sink stands in for go to the port it really listens on.
  const config =
    sink === undefined || sinkSettings === undefined
      ? options.config
      : {
          ...options.config,
          gateway: {
            ...options.config.gateway,
            router: {
              ...options.config.gateway.router,
              smtpPorts: {
                ...options.config.gateway.router.smtpPorts,
                ...Object.fromEntries(sinkSettings.hosts.map((h) => [h, sink.address.port])),
              },
            },
          },
        };
  let composed: Awaited<ReturnType<typeof composeBackend>>;
  try {
    composed = await composeBackend(config, dataDir, {
      systemDns: options.systemDns,
      ...(options.dnsServers === undefined ? {} : { dnsServers: options.dnsServers }),
      logger,
    });
  } catch (error) {
    await sink?.close();
    throw error;
  }
  const { backend, core, dkim, stats, dnsLists, router, rules } = composed;
  const g = config.gateway;
  const host = options.host ?? g.host;
  const submissionPort = options.submissionPort === undefined ? g.submissionPort : options.submissionPort;
  // STARTTLS offers the configured certificate, else the development one kept in the data directory.
  let tls: { readonly key: string; readonly cert: string } | undefined;
  if (g.startTls !== 'disabled') {
    try {
      tls = await serverCertificate(config, dataDir, logger);
    } catch (error) {
      await router.close();
      await sink?.close();
      core.resolver.close();
      throw error;
    }
  }
  const server = createSmtpServer(
    {
      hostname: g.hostname,
      listeners: [
        { kind: 'smtp', port: options.port ?? g.port, host },
        ...(submissionPort === undefined || submissionPort === null
          ? []
          : [{ kind: 'submission' as const, port: submissionPort, host }]),
      ],
      startTls: g.startTls,
      ...(tls === undefined ? {} : { tls }),
      maxMessageSizeBytes: g.maxMessageSizeBytes,
      maxRecipients: g.maxRecipients,
      maxSessions: g.maxSessions,
      errorLimit: core.policy.settings.errorLimit,
      logger: componentLogger(logger, 'smtp'),
    },
    backend,
  );
  let addresses: readonly ListeningAddress[];
  try {
    addresses = await server.listen();
  } catch (error) {
    await router.close();
    await sink?.close();
    core.resolver.close();
    throw error;
  }
  router.router.start();
  // The operator's channel (queue, track): a socket only the data directory's owner can open.
  let control: ControlServer | undefined;
  try {
    control = await startControlServer(
      dataDir,
      createControlHandler({
        router: router.router,
        directory: core.directory,
        graph: core.graph,
        rules,
        logger,
      }),
      logger,
    );
  } catch (error) {
    await server.close({ deadline: 0 });
    await router.close();
    await sink?.close();
    core.resolver.close();
    throw error;
  }
  let lastRouter: GatewayStatus['router'];
  const startedAt = new Date().toISOString();
  const status = (state: 'running' | 'stopped' = 'running'): GatewayStatus => ({
    pid: process.pid,
    state,
    startedAt,
    updatedAt: new Date().toISOString(),
    hostname: g.hostname,
    server: core.graph.thisServer,
    listening: addresses.map((a) => ({ kind: a.kind, address: a.address, port: a.port })),
    smtp: { ...server.stats() },
    gateway: stats.snapshot(),
    dnsLists: dnsLists.snapshot(),
    ...(lastRouter === undefined ? {} : { router: lastRouter }),
    ...(sink === undefined
      ? {}
      : { sink: { address: sink.address.address, port: sink.address.port, captured: sink.captured() } }),
  });
  let writing: Promise<void> = Promise.resolve();
  const refresh = (state?: 'running' | 'stopped') => {
    writing = writing
      .then(async () => {
        // The Router's counts walk mail.box: read them once per refresh, not per status() call.
        lastRouter = routerView(await router.router.status());
        await writeStatus(dataDir, status(state));
      })
      .catch((e: Error) => logger.error({}, `status: ${e.message}`));
    return writing;
  };
  await refresh();
  const timer = setInterval(() => void refresh(), options.statusIntervalMs ?? 1000);
  timer.unref();
  let closing: Promise<void> | undefined;
  return {
    addresses,
    core,
    dkim,
    stats,
    server,
    router,
    sink,
    rules,
    control: control?.path,
    status,
    close(deadlineMs = 10_000) {
      closing ??= (async () => {
        clearInterval(timer);
        await control?.close();
        await server.close({ deadline: deadlineMs });
        await refresh('stopped');
        await router.close();
        await sink?.close();
        core.resolver.close();
        await lock.release();
      })();
      return closing;
    },
  };
}
