/**
 * STARTTLS offers the certificate gateway.json names in `tls`, else the development certificate
 * kept in the data directory, the same one after a restart (before, every start made a new key pair).
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createDevCertificate } from '@mailroute/smtp-server';
import { gatewayModules } from './gateway-modules.js';
import { SmtpTestClient } from './smtp-client.js';
import { EXAMPLE_CONFIG } from './tools.js';

const modules = await gatewayModules();
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Starts the gateway on `data`, reads the certificate STARTTLS presents, stops it. */
async function presented(data: string, configDir = EXAMPLE_CONFIG): Promise<string> {
  const loaded = await modules.config.loadGatewayConfig(configDir);
  assert.deepEqual(loaded.errors, []);
  const gateway = await modules.gateway.startGateway({
    config: loaded.config!,
    dataDir: data,
    port: 0,
    submissionPort: null,
    sinkPort: 0,
  });
  try {
    const { client, greeting } = await SmtpTestClient.open(gateway.addresses[0]!.port, { timeoutMs: 10_000 });
    assert.equal(greeting.code, 220);
    assert.equal((await client.command('EHLO tls.test')).code, 250);
    assert.equal((await client.startTls()).code, 220);
    const fingerprint = client.peerCertificate()?.fingerprint256 ?? '';
    await client.quit();
    return fingerprint;
  } finally {
    await gateway.close(2000);
  }
}

describe('the development certificate through STARTTLS', () => {
  it('is the one kept in <data>/tls, before and after a restart', { timeout: 60_000 }, async () => {
    const data = await mkdtemp(join(tmpdir(), 'gateway-devcert-'));
    dirs.push(data);
    const first = await presented(data);
    const kept = new X509Certificate(await readFile(join(data, 'tls', 'development-cert.pem'), 'utf8'));
    assert.equal(first, kept.fingerprint256);
    const second = await presented(data);
    assert.equal(second, first, 'the same certificate after a restart');
  });

  it('gives way to the certificate gateway.json names in tls', { timeout: 60_000 }, async () => {
    const config = await mkdtemp(join(tmpdir(), 'gateway-tls-config-'));
    const data = await mkdtemp(join(tmpdir(), 'gateway-tls-data-'));
    dirs.push(config, data);
    await cp(EXAMPLE_CONFIG, config, { recursive: true });
    const own = createDevCertificate('mail1.acme.example', new Date());
    await writeFile(join(config, 'server.crt'), own.cert);
    await writeFile(join(config, 'server.key'), own.key, { mode: 0o600 });
    const gateway = JSON.parse(await readFile(join(config, 'gateway.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    gateway['tls'] = { certificateFile: 'server.crt', keyFile: 'server.key' };
    await writeFile(join(config, 'gateway.json'), JSON.stringify(gateway));
    assert.equal(await presented(data, config), new X509Certificate(own.cert).fingerprint256);
  });
});
