/**
 * The gateway's development certificate for STARTTLS, kept in `<data>/tls/`: made once (RSA 2048
 * and a self-signed X.509 certificate, smtp-server's `createDevCertificateInWorker`) and used again at
 * every start while it is valid for the host name for more than a day. Making it at every start
 * cost a key generation (up to 0.5 s of CPU in the relay benchmark's profiles, the largest item
 * of a start) and gave clients a new certificate after each restart. Never for production:
 * clients cannot verify it.
 */
import { X509Certificate } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock, Logger } from '@mailroute/envelope';
import { createDevCertificateInWorker, type DevCertificate } from '@mailroute/smtp-server';
import { readTlsMaterial } from './config-tls.js';
import { syncFolder, writeDurably } from './durable-write.js';

/** A certificate is made anew when it has less than this left. */
const RENEW_BEFORE_MS = 24 * 3600 * 1000;

/** Where the data directory keeps it. */
export function devCertificatePaths(dataDir: string): { folder: string; key: string; cert: string } {
  const folder = join(dataDir, 'tls');
  return { folder, key: join(folder, 'development-key.pem'), cert: join(folder, 'development-cert.pem') };
}

/** The kept certificate when it is usable for `hostname` at `nowMs`, else why not. */
async function kept(
  paths: { folder: string; key: string; cert: string },
  hostname: string,
  nowMs: number,
): Promise<{ material: DevCertificate } | { why: string }> {
  // The same checks as configured files (readable, parsed, the key the certificate's).
  const read = await readTlsMaterial(
    paths.folder,
    { certificateFile: paths.cert, keyFile: paths.key },
    nowMs,
  );
  if (!read.ok) return { why: read.errors.map((e) => e.message).join('; ') };
  const x509 = new X509Certificate(read.cert);
  // checkHost reads the subject's CN when there is no DNS name (a development certificate has none).
  if (x509.checkHost(hostname) === undefined) return { why: `it is not for ${hostname}` };
  if (Date.parse(x509.validTo) - nowMs < RENEW_BEFORE_MS) return { why: 'it expires within a day' };
  return { material: { key: read.key, cert: read.cert } };
}

/** The development certificate for `hostname`: the kept one, or a new one written to the data directory. */
export async function developmentCertificate(
  dataDir: string,
  hostname: string,
  clock: Clock,
  logger: Logger,
): Promise<DevCertificate> {
  const paths = devCertificatePaths(dataDir);
  const found = await kept(paths, hostname, clock.now());
  if ('material' in found) {
    logger.warn(
      { path: paths.cert },
      'STARTTLS uses the kept self-signed development certificate; never use it in production',
    );
    return found.material;
  }
  // In a worker thread: node-forge is then never loaded into the process that serves mail.
  const made = await createDevCertificateInWorker(hostname, new Date(clock.now()));
  await mkdir(paths.folder, { recursive: true, mode: 0o700 });
  // The key first: a certificate on disk always has its key beside it.
  await writeDurably(paths.key, made.key, { syncDir: false });
  await writeDurably(paths.cert, made.cert, { syncDir: false });
  await syncFolder(paths.folder);
  logger.warn(
    { path: paths.cert, reason: found.why },
    'STARTTLS uses a new self-signed development certificate; never use it in production',
  );
  return made;
}
