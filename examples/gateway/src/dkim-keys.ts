/**
 * The DKIM side of the gateway: opens the credential store in the data directory (Domino's
 * `IBM_CredStore`), creating a development NEK, store and the configured development keys at
 * first start (never in the configuration directory, never committed), and builds the signing
 * policy from the notes.ini-style settings.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { DkimSigningPolicy, parseSigningConfig } from '@mailroute/dkim';
import { KeyManager } from '@mailroute/dkim/credstore';
import type { Logger } from '@mailroute/envelope';
import type { DkimSettings } from './config-types.js';
import { ensureFolder } from './durable-write.js';

/** The NEK made for a development store. */
export const DEVELOPMENT_NEK = 'gateway-development';

/** The signing policy and the TXT records to publish for the keys in the store. */
export interface DkimSetup {
  readonly policy: DkimSigningPolicy;
  /** `selector._domainkey.domain` -> TXT value, for every key in the store. */
  readonly records: Readonly<Record<string, string>>;
  /** The credential store folder. */
  readonly storeDir: string;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Opens (or at first start creates) the credential store and the signing policy. */
export async function openDkim(dataDir: string, settings: DkimSettings, logger: Logger): Promise<DkimSetup> {
  const storeDir = join(dataDir, 'IBM_CredStore');
  const manager = new KeyManager({ dir: storeDir });
  if (!(await exists(manager.storePath))) {
    await ensureFolder(storeDir);
    if (!(await exists(manager.keyringPath))) await manager.createNek(DEVELOPMENT_NEK);
    await manager.createCredstore(DEVELOPMENT_NEK);
    logger.warn(
      {},
      `dkim: no credential store in ${storeDir}: created a DEVELOPMENT NEK "${DEVELOPMENT_NEK}" and store ` +
        '(keymgmt create nek / create credstore); protect or replace it before real use',
    );
  }
  const present = new Set((await manager.list()).map((k) => `${k.domain}/${k.selector}`));
  for (const key of settings.developmentKeys) {
    if (present.has(`${key.domain.toLowerCase()}/${key.selector}`)) continue;
    const info = await manager.createDkim(
      key.domain,
      key.selector,
      key.type,
      key.type === 'rsa' ? (key.bits ?? 2048) : undefined,
    );
    logger.info(
      {},
      `dkim: created development key ${key.selector}._domainkey.${key.domain} (${info.keyType} ${info.bits})`,
    );
  }
  const records: Record<string, string> = {};
  for (const k of await manager.list()) {
    const r = await manager.exportDkimDns(k.domain, k.selector);
    records[r.name] = r.value;
  }
  const { store } = await manager.openStore();
  const config = parseSigningConfig(settings.settings);
  return { policy: new DkimSigningPolicy(config, store), records, storeDir };
}
