import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { MailrouteError } from '@mailroute/envelope';
import type { DkimKeyType } from './key-record.js';

/** RFC 8301 3.2: signers MUST NOT use, and verifiers MUST NOT accept, RSA keys under 1024 bits. */
export const MIN_RSA_BITS = 1024;

/**
 * Raised for an unusable key (code `DKIM_KEY_UNUSABLE`, never temporary). Its message names the
 * problem, never the key material.
 */
export class DkimKeyError extends MailrouteError {
  declare readonly code: 'DKIM_KEY_UNUSABLE';

  constructor(message: string) {
    super('DKIM_KEY_UNUSABLE', message);
    this.name = 'DkimKeyError';
  }
}

/** A private signing key, parsed once: the KeyObject is reused for every signature. */
export interface DkimPrivateKey {
  /** rsa or ed25519. */
  readonly keyType: DkimKeyType;
  /** Modulus length for RSA; 256 for Ed25519. */
  readonly bits: number;
  /** The node:crypto key object. */
  readonly privateKey: KeyObject;
  /** The public key as published in p= (SPKI DER for RSA, the raw 32 bytes for Ed25519). */
  readonly publicKeyBytes: Buffer;
}

// PKCS #8 prefix for a raw Ed25519 seed (RFC 8410): SEQUENCE, version 0, id-Ed25519, OCTET STRING.
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** Builds an Ed25519 private key from its 32-byte seed (the form RFC 8463 prints). */
export function ed25519KeyFromSeed(seed: Uint8Array): KeyObject {
  if (seed.length !== 32) throw new DkimKeyError('an Ed25519 seed is 32 bytes');
  return createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

/**
 * Loads a private key from PEM (PKCS #1 or PKCS #8) or a KeyObject and checks it is fit for
 * DKIM. Throws {@link DkimKeyError} whose message never contains the key.
 */
export function loadPrivateKey(key: string | KeyObject): DkimPrivateKey {
  let privateKey: KeyObject;
  if (typeof key === 'string') {
    try {
      privateKey = createPrivateKey({ key, format: 'pem' });
    } catch {
      throw new DkimKeyError('the private key could not be read (expected a PEM RSA or Ed25519 key)');
    }
  } else {
    privateKey = key;
  }
  if (privateKey.type !== 'private') throw new DkimKeyError('a private key is required');
  const publicKey = createPublicKey(privateKey);
  if (privateKey.asymmetricKeyType === 'ed25519') {
    return { keyType: 'ed25519', bits: 256, privateKey, publicKeyBytes: ed25519Raw(publicKey) };
  }
  if (privateKey.asymmetricKeyType === 'rsa') {
    const bits = privateKey.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS)
      throw new DkimKeyError(`RSA key of ${bits} bits refused: at least 1024 (RFC 8301)`);
    return {
      keyType: 'rsa',
      bits,
      privateKey,
      publicKeyBytes: publicKey.export({ type: 'spki', format: 'der' }),
    };
  }
  throw new DkimKeyError(`unsupported key type ${privateKey.asymmetricKeyType ?? 'unknown'}`);
}

function ed25519Raw(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: 'jwk' });
  return Buffer.from(jwk.x ?? '', 'base64url');
}

/**
 * Builds a public KeyObject from the p= bytes of a key record, or returns the reason it is
 * unusable (bad encoding, wrong length, RSA under 1024 bits).
 */
export function publicKeyFromRecord(
  keyType: DkimKeyType,
  bytes: Buffer,
): { ok: true; key: KeyObject } | { ok: false; reason: string } {
  try {
    if (keyType === 'ed25519') {
      if (bytes.length !== 32) return { ok: false, reason: 'ed25519 key in p= is not 32 bytes' };
      const key = createPublicKey({
        key: { kty: 'OKP', crv: 'Ed25519', x: bytes.toString('base64url') },
        format: 'jwk',
      });
      return { ok: true, key };
    }
    let key: KeyObject;
    try {
      key = createPublicKey({ key: bytes, format: 'der', type: 'spki' });
    } catch {
      // Some publishers put a bare PKCS #1 RSAPublicKey in p=.
      key = createPublicKey({ key: bytes, format: 'der', type: 'pkcs1' });
    }
    if (key.asymmetricKeyType !== 'rsa') return { ok: false, reason: 'p= is not an RSA key' };
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) return { ok: false, reason: `RSA key of ${bits} bits is too short (RFC 8301)` };
    return { ok: true, key };
  } catch {
    return { ok: false, reason: `p= is not a valid ${keyType} public key` };
  }
}
