import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { Clock } from '@mailroute/envelope';
import { KeyLookupError, keyRecordText, loadPrivateKey } from '../src/index.js';

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

/** A fake zone: names to TXT records; unknown names are NXDOMAIN (permanent); queries are recorded. */
export function fakeZone(records: Record<string, string | string[]>): {
  lookup: (name: string) => Promise<string[]>;
  queries: string[];
} {
  const queries: string[] = [];
  return {
    queries,
    lookup: async (name) => {
      queries.push(name);
      const r = records[name];
      if (r === undefined) throw new KeyLookupError(`${name}: no such name`, false);
      return Array.isArray(r) ? r : [r];
    },
  };
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
