/**
 * gateway.json `tls`: the server certificate and key files STARTTLS offers, read and checked
 * the same way by `check-config` and at start: each file must read, the certificate must parse as
 * X.509, the key as a private key, and the key must be the certificate's. A certificate past its
 * end is a warning (opportunistic STARTTLS still encrypts), not an error.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { CONFIG_FILES, ConfigError, type TlsFiles } from './config-types.js';

/** A file of `tls`, relative to the configuration directory unless absolute. */
export function tlsFilePath(configDir: string, file: string): string {
  return isAbsolute(file) ? file : resolve(configDir, file);
}

/** The PEM key and certificate, or every problem with them; `warnings` in both cases. */
export type TlsMaterial =
  | { readonly ok: true; readonly key: string; readonly cert: string; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly errors: readonly ConfigError[] };

const error = (field: string, message: string) => new ConfigError(CONFIG_FILES.gateway, field, message);

async function readPem(path: string, field: string, errors: ConfigError[]): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    errors.push(
      error(field, code === 'ENOENT' ? `${path}: file not found` : `${path}: cannot read (${code})`),
    );
    return undefined;
  }
}

/** Reads and checks the files at `nowMs`. */
export async function readTlsMaterial(
  configDir: string,
  files: TlsFiles,
  nowMs: number,
): Promise<TlsMaterial> {
  const errors: ConfigError[] = [];
  const [cert, key] = await Promise.all([
    readPem(tlsFilePath(configDir, files.certificateFile), 'tls.certificateFile', errors),
    readPem(tlsFilePath(configDir, files.keyFile), 'tls.keyFile', errors),
  ]);
  let x509: X509Certificate | undefined;
  if (cert !== undefined) {
    try {
      x509 = new X509Certificate(cert);
    } catch {
      errors.push(error('tls.certificateFile', 'not a PEM certificate'));
    }
  }
  let privateKey: ReturnType<typeof createPrivateKey> | undefined;
  if (key !== undefined) {
    try {
      privateKey = createPrivateKey(key);
    } catch {
      errors.push(error('tls.keyFile', 'not a PEM private key (an encrypted key is not supported)'));
    }
  }
  if (x509 !== undefined && privateKey !== undefined && !x509.checkPrivateKey(privateKey))
    errors.push(error('tls.keyFile', 'is not the key of the certificate in tls.certificateFile'));
  if (errors.length > 0 || cert === undefined || key === undefined || x509 === undefined)
    return { ok: false, errors };
  const warnings =
    Date.parse(x509.validTo) < nowMs
      ? [`${CONFIG_FILES.gateway}: tls.certificateFile: the certificate ended on ${x509.validTo}`]
      : [];
  return { ok: true, key, cert, warnings };
}
