/** Shared set-up for the gateway's unit tests: the shipped configuration and a fresh data directory. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Clock, systemClock } from '@mailroute/envelope';
import type {
  DeliveryResult,
  NextHop,
  OutboundEnvelope,
  OutboundMessage,
  TransferAgent,
} from '@mailroute/router';
import type { Backend } from '@mailroute/smtp-server';
import type { GatewayCore } from '../src/compose.js';
import { composeBackend } from '../src/compose-backend.js';
import { loadGatewayConfig } from '../src/config-load.js';
import type { GatewayConfig } from '../src/config-types.js';
import type { GatewayStats } from '../src/gateway-stats.js';
import { gatewayLineLogger } from '../src/log-lines.js';
import type { GatewayRouter } from '../src/router-setup.js';

/** The shipped example configuration (examples/gateway/config, seen from dist/test). */
export const EXAMPLE_CONFIG = fileURLToPath(new URL('../../config', import.meta.url));

/** Loads the shipped configuration, failing the test on any error. */
export async function exampleConfig(): Promise<GatewayConfig> {
  const loaded = await loadGatewayConfig(EXAMPLE_CONFIG);
  if (loaded.config === undefined) throw new Error(loaded.errors.map((e) => e.message).join('\n'));
  return loaded.config;
}

/** A fresh temporary data directory. */
export function tempDir(prefix = 'gateway-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Removes a temporary directory. */
export function removeDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}

/** One transfer the Router made through the recording agent. */
export interface RecordedTransfer {
  /** `mx:<domain>` or `<host>:<port>`. */
  readonly to: string;
  readonly envelope: OutboundEnvelope;
  readonly bytes: Buffer;
}

/** The composed backend over a data directory, with a fixed clock. */
export interface TestGateway {
  readonly backend: Backend;
  readonly core: GatewayCore;
  readonly stats: GatewayStats;
  readonly router: GatewayRouter;
  readonly dataDir: string;
  readonly logs: string[];
  readonly records: Readonly<Record<string, string>>;
  /** What the Router transferred (the recording agent accepts every recipient). */
  readonly transfers: RecordedTransfer[];
}

/** The instant every test delivery is stamped with. */
export const FIXED_NOW = new Date('2026-11-21T12:00:00.000Z');

async function bytesOf(message: OutboundMessage): Promise<Buffer> {
  if (typeof message === 'string') return Buffer.from(message);
  if (message instanceof Uint8Array) return Buffer.from(message);
  const chunks: Buffer[] = [];
  for await (const c of message()) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

/** A TransferAgent (the Router's interface) that records each transfer and accepts it. */
function recordingAgent(transfers: RecordedTransfer[]): TransferAgent {
  const take = async (
    to: string,
    envelope: OutboundEnvelope,
    message: OutboundMessage,
  ): Promise<DeliveryResult> => {
    transfers.push({ to, envelope, bytes: await bytesOf(message) });
    return {
      recipients: envelope.recipients.map((r) => ({
        address: r.address,
        outcome: 'delivered' as const,
        reason: { code: 'DELIVERED', message: 'recorded', temporary: false },
      })),
    };
  };
  return {
    deliverToDomain: (domain, envelope, message) => take(`mx:${domain}`, envelope, message),
    deliverVia: (hop: NextHop, envelope, message) => take(`${hop.host}:${hop.port ?? 25}`, envelope, message),
    close: async () => undefined,
  };
}

/** Builds the backend as the gateway does, with Ed25519 development keys only (fast to make); the Router runs. */
export async function testGateway(dataDir: string, config?: GatewayConfig): Promise<TestGateway> {
  const base = config ?? (await exampleConfig());
  const fast: GatewayConfig = {
    ...base,
    dkim: {
      settings: { RouterDKIMSigning: '1', 'DKIM_KEY_acme.example': 'ed2026' },
      developmentKeys: [{ domain: 'acme.example', selector: 'ed2026', type: 'ed25519' }],
    },
  };
  const logs: string[] = [];
  const logger = gatewayLineLogger((line) => logs.push(line));
  // DeliveredDate is FIXED_NOW; timers are real (nothing waits for a retry here).
  const clock: Clock = {
    now: () => FIXED_NOW.getTime(),
    setTimeout: systemClock.setTimeout,
    clearTimeout: systemClock.clearTimeout,
  };
  const transfers: RecordedTransfer[] = [];
  const { backend, core, stats, dkim, router } = await composeBackend(fast, dataDir, {
    logger,
    clock,
    transferAgent: recordingAgent(transfers),
  });
  router.router.start();
  return { backend, core, stats, router, dataDir, logs, records: dkim.records, transfers };
}
