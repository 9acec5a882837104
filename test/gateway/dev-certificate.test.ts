/**
 * STARTTLS offers the development certificate kept in the data directory, and the same one after
 * a restart (before, every start made a new key pair).
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gatewayModules } from './gateway-modules.js';
import { SmtpTestClient } from './smtp-client.js';
import { EXAMPLE_CONFIG } from './tools.js';

const modules = await gatewayModules();
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Starts the shipped gateway on `data`, reads the certificate STARTTLS presents, stops it. */
async function presented(data: string): Promise<string> {
  const loaded = await modules.config.loadGatewayConfig(EXAMPLE_CONFIG);
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
});
