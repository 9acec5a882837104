/** Shared set-up for the gateway's unit tests: the shipped configuration and a fresh data directory. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend } from '@mailroute/smtp-server';
import type { GatewayCore } from '../src/compose.js';
import { composeBackend } from '../src/compose-backend.js';
import { loadGatewayConfig } from '../src/config-load.js';
import type { GatewayConfig } from '../src/config-types.js';
import type { GatewayStats } from '../src/gateway-stats.js';

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

/** The composed backend over a data directory, with a fixed clock. */
export interface TestGateway {
  readonly backend: Backend;
  readonly core: GatewayCore;
  readonly stats: GatewayStats;
  readonly dataDir: string;
  readonly logs: string[];
  readonly records: Readonly<Record<string, string>>;
}

/** The instant every test delivery is stamped with. */
export const FIXED_NOW = new Date('2026-11-21T12:00:00.000Z');

/** Builds the backend as the gateway does, with Ed25519 development keys only (fast to make). */
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
  const log = (line: string) => logs.push(line);
  const { backend, core, stats, dkim } = await composeBackend(fast, dataDir, { log, now: () => FIXED_NOW });
  return { backend, core, stats, dataDir, logs, records: dkim.records };
}
