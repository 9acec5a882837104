/**
 * The development certificate made in a worker thread: the pair is usable (the key is the
 * certificate's, the certificate names the host), node-forge never loads into the calling
 * thread, and a failing worker gives a rejection with a code, not a hang or a crash.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { createDevCertificateInWorker } from '../src/index.js';

describe('createDevCertificateInWorker', () => {
  it('makes a self-signed certificate for the host name whose key is the pair, without loading node-forge here', async () => {
    const now = new Date('2026-12-02T12:00:00Z');
    const made = await createDevCertificateInWorker('mail1.acme.example', now);
    const x509 = new X509Certificate(made.cert);
    assert.equal(x509.checkHost('mail1.acme.example'), 'mail1.acme.example');
    assert.equal(x509.checkHost('other.example'), undefined);
    assert.ok(x509.checkPrivateKey(createPrivateKey(made.key)), 'the key belongs to the certificate');
    assert.ok(x509.verify(x509.publicKey), 'self-signed');
    assert.ok(Date.parse(x509.validFrom) <= now.getTime());
    assert.equal(Date.parse(x509.validTo), Math.floor((now.getTime() + 30 * 86_400_000) / 1000) * 1000);
    const cache = createRequire(import.meta.url).cache;
    assert.deepEqual(
      Object.keys(cache).filter((k) => k.includes('node-forge')),
      [],
      'node-forge stays in the worker',
    );
  });

  it('rejects with SMTP_DEV_CERT_FAILED when the worker fails', async () => {
    // No host name (a JavaScript caller's mistake): node-forge throws in the worker, the promise
    // rejects with a code and the worker's reason.
    await assert.rejects(
      createDevCertificateInWorker(undefined as unknown as string, new Date()),
      (err: { code?: string; message?: string }) => {
        assert.equal(err.code, 'SMTP_DEV_CERT_FAILED');
        assert.match(err.message ?? '', /development certificate not made: Attribute value not specified/);
        return true;
      },
    );
  });
});
