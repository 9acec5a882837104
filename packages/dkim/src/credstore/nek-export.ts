import { type ScryptOptions, scrypt } from 'node:crypto';
import { isSealed, open, seal } from './aead.js';
import { CredentialStoreError } from './errors.js';
import { checkNekName, type Nek } from './nek.js';

/** scrypt cost parameters, written into the export file so import needs only the password. */
export interface ScryptParameters {
  /** CPU/memory cost, a power of two; default 2^17 (131072). */
  readonly N: number;
  /** Block size; default 8. */
  readonly r: number;
  /** Parallelism; default 1. */
  readonly p: number;
}

/** The default cost: 2^17, 8, 1 (about 128 MiB and a few hundred milliseconds). */
export const DEFAULT_SCRYPT: ScryptParameters = { N: 2 ** 17, r: 8, p: 1 };

// A file chooses its own cost, so import bounds it: a hostile file must not ask for gigabytes.
const MAX_N = 2 ** 20;
const MAX_R = 16;
const MAX_P = 4;

function derive(password: string, salt: Buffer, k: ScryptParameters): Promise<Buffer> {
  const options: ScryptOptions = { N: k.N, r: k.r, p: k.p, maxmem: 256 * k.N * k.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, 32, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

function aad(name: string): string {
  return `mailroute-nek-export/v1\0${name}`;
}

/**
 * Writes a NEK protected by a password (`keymgmt export nek`): scrypt derives a key from the
 * password, AES-256-GCM seals the NEK with its name as associated data.
 */
export async function exportNek(
  nek: Nek,
  password: string,
  random: (n: number) => Buffer,
  parameters: ScryptParameters = DEFAULT_SCRYPT,
): Promise<Buffer> {
  if (password.length === 0)
    throw new CredentialStoreError('bad-password', 'an empty password is not allowed');
  const salt = random(16);
  const key = await derive(password, salt, parameters);
  const sealed = seal(
    key,
    random(12),
    Buffer.from(JSON.stringify({ key: nek.key.toString('base64'), created: nek.created })),
    aad(nek.name),
  );
  const doc = {
    format: 'mailroute-nek-export',
    version: 1,
    name: nek.name,
    kdf: { name: 'scrypt', N: parameters.N, r: parameters.r, p: parameters.p, salt: salt.toString('base64') },
    cipher: 'aes-256-gcm',
    ...sealed,
  };
  return Buffer.from(`${JSON.stringify(doc, null, 2)}\n`);
}

/** Reads a NEK export file with its password (`keymgmt import nek`). */
export async function importNek(bytes: Buffer, password: string): Promise<Nek> {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new CredentialStoreError('malformed', 'the NEK file is truncated or not JSON');
  }
  const kdf = doc?.['kdf'] as Record<string, unknown> | undefined;
  const name = doc?.['name'];
  if (
    doc?.['format'] !== 'mailroute-nek-export' ||
    typeof name !== 'string' ||
    !isSealed(doc) ||
    kdf?.['name'] !== 'scrypt'
  ) {
    throw new CredentialStoreError('malformed', 'not a mailroute NEK export file');
  }
  checkNekName(name);
  const { N, r, p, salt } = kdf as { N: unknown; r: unknown; p: unknown; salt: unknown };
  const int = (v: unknown, max: number): v is number =>
    Number.isInteger(v) && (v as number) >= 1 && (v as number) <= max;
  if (
    !int(N, MAX_N) ||
    (N & (N - 1)) !== 0 ||
    N < 2 ||
    !int(r, MAX_R) ||
    !int(p, MAX_P) ||
    typeof salt !== 'string'
  ) {
    throw new CredentialStoreError('malformed', 'the NEK file has unacceptable scrypt parameters');
  }
  const key = await derive(password, Buffer.from(salt, 'base64'), { N, r, p });
  const plain = open(key, doc, aad(name));
  if (!plain)
    throw new CredentialStoreError('bad-password', `wrong password for NEK ${name}, or the file was altered`);
  const inner = JSON.parse(plain.toString('utf8')) as { key: string; created: string };
  const nekKey = Buffer.from(inner.key, 'base64');
  if (nekKey.length !== 32)
    throw new CredentialStoreError('malformed', 'the NEK in the file is not 256 bits');
  return { name, key: nekKey, created: inner.created };
}
