/**
 * Loads a configuration directory: reads each JSON file, validates it with the owning package's
 * own checker (loadDirectory, policyProblems) or the gateway's field readers, and reports every
 * error as `<file>: <field>: <message>`. Nothing here starts anything.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type PolicyConfig, policyProblems } from '@mailroute/relay-policy';
import { type DirectoryData, loadDirectory } from '@mailroute/routing';
import { readDkimSettings, readDnsZone } from './config-dns-dkim.js';
import { readGatewaySettings } from './config-gateway.js';
import { checkMailRulesFile } from './config-mail-rules.js';
import { readTlsMaterial } from './config-tls.js';
import { CONFIG_FILES, ConfigError, type GatewayConfig } from './config-types.js';

/** The outcome of loading: the config when there is no error, every error and warning otherwise. */
export interface LoadedConfig {
  readonly config: GatewayConfig | undefined;
  readonly errors: readonly ConfigError[];
  readonly warnings: readonly string[];
}

async function readJson(dir: string, file: string, errors: ConfigError[]): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(join(dir, file), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    errors.push(new ConfigError(file, '', code === 'ENOENT' ? 'file not found' : `cannot read (${code})`));
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    errors.push(new ConfigError(file, '', `not valid JSON: ${(error as Error).message}`));
    return undefined;
  }
}

/** The Global Domain documents' primary and alias domains: the local Internet domains. */
export function globalDomainNames(directory: Partial<DirectoryData>): string[] {
  return (directory.globalDomains ?? []).flatMap((g) => [g.primaryDomain, ...(g.aliases ?? [])]);
}

/** Reads and validates every file of the configuration directory. */
export async function loadGatewayConfig(dir: string): Promise<LoadedConfig> {
  const errors: ConfigError[] = [];
  const warnings: string[] = [];
  const [gatewayJson, directoryJson, inboundJson, zoneJson, dkimJson] = await Promise.all(
    [
      CONFIG_FILES.gateway,
      CONFIG_FILES.directory,
      CONFIG_FILES.inbound,
      CONFIG_FILES.dnsZone,
      CONFIG_FILES.dkim,
    ].map((file) => readJson(dir, file, errors)),
  );

  const gateway = readGatewaySettings(gatewayJson ?? {});
  if (gatewayJson !== undefined) errors.push(...gateway.reader.errors);

  let directory: Partial<DirectoryData> = {};
  if (directoryJson !== undefined) {
    const loaded = loadDirectory(directoryJson);
    for (const p of loaded.problems) {
      if (p.severity === 'error') errors.push(new ConfigError(CONFIG_FILES.directory, p.path, p.message));
      else warnings.push(`${CONFIG_FILES.directory}: ${p.path}: ${p.message}`);
    }
    directory = directoryJson as Partial<DirectoryData>;
    if (gatewayJson !== undefined && loaded.directory.findServer(gateway.settings.thisServer) === undefined) {
      errors.push(
        new ConfigError(
          CONFIG_FILES.gateway,
          'thisServer',
          `no Server document named ${JSON.stringify(gateway.settings.thisServer)} in ${CONFIG_FILES.directory}`,
        ),
      );
    }
  }

  let inbound: PolicyConfig = {};
  if (inboundJson !== undefined) {
    if (typeof inboundJson !== 'object' || inboundJson === null || Array.isArray(inboundJson)) {
      errors.push(new ConfigError(CONFIG_FILES.inbound, '', 'must be an object'));
    } else {
      const given = inboundJson as PolicyConfig;
      inbound =
        given.localInternetDomains === undefined
          ? { ...given, localInternetDomains: globalDomainNames(directory) }
          : given;
      for (const p of policyProblems(inbound)) {
        const field = p.index === undefined ? p.field : `${p.field}[${p.index}]`;
        const text = p.entry === undefined ? p.message : `${p.message} (${JSON.stringify(p.entry)})`;
        if (p.severity === 'error') errors.push(new ConfigError(CONFIG_FILES.inbound, field, text));
        else warnings.push(`${CONFIG_FILES.inbound}: ${field}: ${text}`);
      }
    }
  }

  const zone = readDnsZone(zoneJson ?? {});
  if (zoneJson !== undefined) errors.push(...zone.reader.errors);
  const dkim = readDkimSettings(dkimJson ?? {});
  if (dkimJson !== undefined) errors.push(...dkim.reader.errors);
  // The server mail rules file gateway.json names: refused here rather than at the first message.
  if (gatewayJson !== undefined)
    errors.push(...(await checkMailRulesFile(dir, gateway.settings.operator.mailRules)));
  // The certificate files: a missing file or a key of another certificate is refused now, not at start.
  const tls = gateway.settings.tls;
  if (gatewayJson !== undefined && tls !== undefined && tls.certificateFile !== '' && tls.keyFile !== '') {
    const material = await readTlsMaterial(dir, tls, Date.now());
    if (material.ok) warnings.push(...material.warnings);
    else errors.push(...material.errors);
  }

  if (errors.length > 0) return { config: undefined, errors, warnings };
  return {
    config: { dir, gateway: gateway.settings, directory, inbound, dnsZone: zone.zone, dkim: dkim.settings },
    errors,
    warnings,
  };
}
