/**
 * A self-signed certificate for development, made with node-forge when STARTTLS or implicit TLS
 * is on and no certificate was configured. The key pair comes from node:crypto (native, fast);
 * node-forge builds and signs the X.509 certificate, which node:crypto cannot do. Never for
 * production: clients cannot verify it, and the server logs a warning saying so.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { MailrouteError } from '@mailroute/envelope';

/** The parts of node-forge used here (it ships no types; this package adds no @types for it). */
interface Forge {
  pki: {
    privateKeyFromPem(pem: string): unknown;
    publicKeyFromPem(pem: string): unknown;
    createCertificate(): ForgeCertificate;
    certificateToPem(cert: ForgeCertificate): string;
  };
  md: { sha256: { create(): unknown } };
}
interface ForgeCertificate {
  publicKey: unknown;
  serialNumber: string;
  validity: { notBefore: Date; notAfter: Date };
  setSubject(attrs: { name: string; value: string }[]): void;
  setIssuer(attrs: { name: string; value: string }[]): void;
  setExtensions(exts: object[]): void;
  sign(key: unknown, md: unknown): void;
}

/** A PEM key and certificate. */
export interface DevCertificate {
  readonly key: string;
  readonly cert: string;
}

/** Makes a self-signed RSA 2048 certificate for `hostname`, valid from `now` for 30 days. */
export function createDevCertificate(hostname: string, now: Date): DevCertificate {
  const forge = createRequire(import.meta.url)('node-forge') as Forge;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  // A positive serial: clear the top bit of the first octet.
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  cert.serialNumber = serial.toString('hex');
  cert.validity.notBefore = new Date(now.getTime() - 60_000);
  cert.validity.notAfter = new Date(now.getTime() + 30 * 86_400_000);
  const name = [
    { name: 'commonName', value: hostname },
    { name: 'organizationName', value: 'mailroute development certificate (self-signed)' },
  ];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 2, value: hostname }] },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());
  return { key: privateKey, cert: forge.pki.certificateToPem(cert) };
}

/**
 * {@link createDevCertificate} in a worker thread that exits when done. node-forge (the X.509
 * builder) then never loads into the calling thread, where it stayed for the life of the
 * process: after one certificate and a forced GC, 1.9 MB more live heap and 10 MB more RSS in a
 * bare process; in the example gateway at ready, 1.7 MB more live heap and 2.6 MB more RSS
 * (three starts each way). The key generation (up to 0.5 s of CPU) also leaves the event loop
 * free. Rejects with `SMTP_DEV_CERT_FAILED` when the worker fails.
 */
export function createDevCertificateInWorker(hostname: string, now: Date): Promise<DevCertificate> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./dev-cert-worker.js', import.meta.url), {
      workerData: { hostname, nowMs: now.getTime() },
    });
    let made: DevCertificate | undefined;
    let failure: unknown;
    worker.once('message', (m: DevCertificate) => {
      made = m;
    });
    worker.once('error', (err) => {
      failure = err;
    });
    worker.once('exit', (code) => {
      if (made !== undefined) resolve(made);
      else
        reject(
          new MailrouteError(
            'SMTP_DEV_CERT_FAILED',
            `development certificate not made: ${failure instanceof Error ? failure.message : `worker exited with ${code}`}`,
            { cause: failure },
          ),
        );
    });
  });
}
