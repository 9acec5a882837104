/**
 * `queue` on a STOPPED gateway: the data directory's mail.box opened directly, under the data
 * directory's lock (so a gateway cannot start meanwhile, and a running one is never touched),
 * through the same handler the control socket uses. Released mail is due at once and goes out
 * when the gateway starts. Tracking is not available here (it lives in the running gateway).
 */
import { stat } from 'node:fs/promises';
import type { Logger } from '@mailroute/envelope';
import { createFileMailBox, createRouter } from '@mailroute/router';
import { composeCore } from '../compose.js';
import type { GatewayConfig } from '../config-types.js';
import { createControlHandler } from '../control-handlers.js';
import type { ControlAnswer, ControlRequest } from '../control-socket.js';
import { lockDataDirectory } from '../data-lock.js';
import { mailBoxRoot } from '../router-setup.js';

/** True when the data directory holds a mail.box (a gateway ran there). */
export async function hasMailBox(dataDir: string): Promise<boolean> {
  return (await stat(mailBoxRoot(dataDir)).catch(() => undefined))?.isDirectory() === true;
}

/** Runs one `queue.*` request on a stopped gateway's mail.box. Rejects when the data directory is in use. */
export async function offlineQueueRequest(
  dataDir: string,
  config: GatewayConfig,
  request: ControlRequest,
  logger: Logger,
): Promise<ControlAnswer> {
  const lock = await lockDataDirectory(dataDir);
  try {
    const mailBox = await createFileMailBox({ directory: mailBoxRoot(dataDir) });
    const core = await composeCore(config, { systemDns: false });
    try {
      // Not started: it only gives the operator its tracked mail.box and the planner for reroute.
      const router = createRouter({ mailBox, directory: core.directory, graph: core.graph });
      const handle = createControlHandler({
        router,
        directory: core.directory,
        graph: core.graph,
        rules: undefined,
        logger,
      });
      return await handle(request);
    } finally {
      core.resolver.close();
      await mailBox.close();
    }
  } finally {
    await lock.release();
  }
}
