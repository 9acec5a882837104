/**
 * The running gateway: the composed core, the DKIM signing policy from the credential store, the
 * backend and the SMTP listener, plus the status file. `start()` takes the data directory's lock,
 * opens the listeners, then cleans what a crash left, and returns their addresses; `close()` shuts down gracefully (sessions in a
 * transaction finish) and writes the final status.
 */

import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createSmtpServer,
  type ListeningAddress,
  type Logger,
  type SmtpServer,
} from '@mailroute/smtp-server';
import type { GatewayCore } from './compose.js';
import { composeBackend } from './compose-backend.js';
import type { GatewayConfig } from './config-types.js';
import { type DataLock, lockDataDirectory } from './data-lock.js';
import type { DkimSetup } from './dkim-keys.js';
import { ensureFolder, removeUnfinished } from './durable-write.js';
import type { GatewayStats } from './gateway-stats.js';
import { heldRoot } from './held.js';
import { mailFilesRoot } from './mail-store.js';
import { spoolRoot } from './spool.js';
import { type GatewayStatus, writeStatus } from './status-file.js';

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
  /** Use the system resolver instead of the static zone. */
  readonly systemDns?: boolean;
  /** Where log lines go; default none. */
  readonly log?: (line: string) => void;
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
  /** The status as status.json holds it. */
  status(state?: 'running' | 'stopped'): GatewayStatus;
  /** Graceful shutdown; sessions in a transaction get `deadlineMs` to finish. */
  close(deadlineMs?: number): Promise<void>;
}

/**
 * Removes what a crashed predecessor left under the mail files, the spool and held mail: `.tmp`
 * files and messages without their document, older than `beforeMs` (when this process took
 * the data directory's lock); files of this process's own sessions are newer and left alone.
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
  await walk(spoolRoot(dataDir), 0);
  await walk(heldRoot(dataDir), 0);
  // Status files being replaced when a process died (`status.json.<pid>.part`).
  for (const name of await readdir(dataDir).catch(() => [] as string[])) {
    if (/^status\.json\.\d+\.part$/.test(name) && name !== `status.json.${process.pid}.part`)
      await unlink(join(dataDir, name)).catch(() => undefined);
  }
  return removed;
}

function logger(log: (line: string) => void): Logger {
  const line = (level: string) => (context: object, message: string) =>
    log(`smtp ${level}: ${message}${Object.keys(context).length > 0 ? ` ${JSON.stringify(context)}` : ''}`);
  return { debug() {}, info: line('info'), warn: line('warn'), error: line('error') };
}

/**
 * Composes and starts the gateway. Rejects with a `MailrouteError` of code `DATA_DIR_LOCKED`
 * (`gateway.dataDirLocked`, naming the holder's pid) when another live process holds the data
 * directory.
 */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { dataDir } = options;
  const log = options.log ?? (() => undefined);
  await ensureFolder(dataDir);
  // One gateway per data directory: nothing in it is touched before the lock is ours.
  const lock = await lockDataDirectory(dataDir);
  try {
    return await startLocked(options, lock, log);
  } catch (error) {
    await lock.release();
    throw error;
  }
}

async function startLocked(
  options: GatewayOptions,
  lock: DataLock,
  log: (line: string) => void,
): Promise<Gateway> {
  const { config, dataDir } = options;
  const { backend, core, dkim, stats, dnsLists } = await composeBackend(config, dataDir, {
    systemDns: options.systemDns,
    log,
    now: () => new Date(),
  });
  const g = config.gateway;
  const host = options.host ?? g.host;
  const submissionPort = options.submissionPort === undefined ? g.submissionPort : options.submissionPort;
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
      maxMessageSize: g.maxMessageSize,
      maxRecipients: g.maxRecipients,
      maxSessions: g.maxSessions,
      errorLimit: core.policy.settings.errorLimit,
      logger: logger(log),
    },
    backend,
  );
  let addresses: readonly ListeningAddress[];
  try {
    addresses = await server.listen();
  } catch (error) {
    core.resolver.close();
    throw error;
  }
  // Recovery only once the lock and the listeners are held (a start that fails to listen has
  // touched nothing), and only of files older than the lock: this process's own are newer.
  const removed = await cleanAfterCrash(dataDir, lock.takenAtMs);
  if (removed > 0) log(`recovery: removed ${removed} unfinished file(s) (messages never acknowledged)`);
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
  });
  let writing: Promise<void> = Promise.resolve();
  const refresh = (state?: 'running' | 'stopped') => {
    writing = writing
      .then(() => writeStatus(dataDir, status(state)))
      .catch((e: Error) => log(`status: ${e.message}`));
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
    status,
    close(deadlineMs = 10_000) {
      closing ??= (async () => {
        clearInterval(timer);
        await server.close({ deadline: deadlineMs });
        await refresh('stopped');
        core.resolver.close();
        await lock.release();
      })();
      return closing;
    },
  };
}
