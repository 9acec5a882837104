import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { Clock } from '@mailroute/envelope';
import { createFakeZone, type FakeZone } from '@mailroute/testing';
import { type KeyLookup, keyRecordText, loadPrivateKey } from '../src/index.js';

/**
 * A clock standing still at `ms`; its timers are Node's, not unref'ed (the system clock's are), so
 * a test waiting on a lookup timeout keeps the process alive until it fires.
 */
export function fixedClock(ms: number): Clock {
  return {
    now: () => ms,
    setTimeout: (run, delay) => setTimeout(run, delay),
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  };
}

/** Generates a key pair (tests only). */
export function newKey(type: 'rsa' | 'ed25519', bits = 2048): KeyObject {
  return type === 'rsa'
    ? generateKeyPairSync('rsa', { modulusLength: bits }).privateKey
    : generateKeyPairSync('ed25519').privateKey;
}

/** The TXT record publishing a private key's public half. */
export function recordFor(key: KeyObject): string {
  const k = loadPrivateKey(key);
  return keyRecordText(k.keyType, k.publicKeyBytes).value;
}

/**
 * The kit's fake zone publishing DKIM key records (a name to its TXT record or records): `lookup`
 * is the verifier's key lookup over it (a missing name is NXDOMAIN, permanent), `names()` the
 * names asked for, in order.
 */
export function keyZone(records: Record<string, string | string[]>): {
  zone: FakeZone;
  lookup: KeyLookup;
  names: () => string[];
} {
  const zone = createFakeZone(
    Object.fromEntries(
      Object.entries(records).map(([name, r]) => [name, { TXT: Array.isArray(r) ? r : [r] }]),
    ),
  );
  return { zone, lookup: zone.keyLookup(), names: () => zone.queries.map((q) => q.name) };
}

/** A plain test message. */
export function message(body = 'Hello,\r\n\r\nthis is a test.\r\n', extraHeaders = ''): string {
  return (
    'From: Alice <alice@example.com>\r\n' +
    'To: Bob <bob@example.net>\r\n' +
    'Subject: Lunch  \r\n\ttomorrow?\r\n' +
    'Date: Sat, 21 Nov 2026 10:00:00 +0000\r\n' +
    'Message-ID: <1@example.com>\r\n' +
    extraHeaders +
    '\r\n' +
    body
  );
}
