/**
 * Internet passwords of submission users, stored as scrypt hashes (`scrypt:<N>:<salt>:<hash>`,
 * base64), never in clear: the configuration directory is meant to be copied around.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const PATTERN = /^scrypt:(\d+):([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/;
/** The cost for new hashes: 2^14, about 30 ms on a small server. */
const DEFAULT_N = 16384;
/** Hashes asking for more than this are refused (a hostile config must not cost gigabytes). */
const MAX_N = 2 ** 20;

function derive(password: string, salt: Buffer, n: number, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, length, { N: n, r: 8, p: 1, maxmem: 256 * n * 8 + 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

/** True when the text has the stored hash form. */
export function isPasswordHash(text: string): boolean {
  const m = PATTERN.exec(text);
  if (!m) return false;
  const n = Number(m[1]);
  return Number.isInteger(n) && n >= 2 && n <= MAX_N && (n & (n - 1)) === 0;
}

/** Hashes a password for gateway.json. */
export async function hashPassword(
  password: string,
  random: (n: number) => Buffer = randomBytes,
): Promise<string> {
  const salt = random(16);
  const hash = await derive(password, salt, DEFAULT_N, 32);
  return `scrypt:${DEFAULT_N}:${salt.toString('base64')}:${hash.toString('base64')}`;
}

/** Checks a password against a stored hash in constant time; a malformed hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const m = PATTERN.exec(stored);
  if (!m || !isPasswordHash(stored)) return false;
  const expected = Buffer.from(m[3]!, 'base64');
  if (expected.length < 16) return false;
  const actual = await derive(password, Buffer.from(m[2]!, 'base64'), Number(m[1]), expected.length);
  return timingSafeEqual(actual, expected);
}
