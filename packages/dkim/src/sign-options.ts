/**
 * Checks a signer's options once, at creation, against the value grammar of RFC 6376 3.5, so
 * that a signature that breaks the grammar (an injected tag, an i= outside d=, an x= not after
 * t=) is never written: bad options are a {@link DkimSignError} with a code saying which.
 */
import type { KeyObject } from 'node:crypto';
import type { BodyCanonicalization } from './canonical/body.js';
import { asciiLower, type HeaderCanonicalization } from './canonical/header.js';
import { DkimSignError } from './errors.js';
import { DOMAIN_NAME, HEADER_FIELD_NAME, identityProblem, SELECTOR } from './grammar.js';
import type { DkimKeyType } from './key-record.js';
import { type DkimPrivateKey, loadPrivateKey } from './keys.js';
import type { DkimAlgorithm } from './signature.js';

/** c= as written in a signature: header/body. */
export type Canonicalization = `${HeaderCanonicalization}/${BodyCanonicalization}`;

/**
 * Signs for a key held elsewhere (an HSM, a cloud KMS, another process). `data` is what the
 * algorithm signs, as node:crypto's `sign` takes it: for `rsa` the canonical header data, to be
 * hashed with SHA-256 and signed RSASSA-PKCS1-v1_5 (`crypto.sign('sha256', data, key)`); for
 * `ed25519` the 32-byte SHA-256 digest of the header data, to be signed with plain Ed25519
 * (`crypto.sign(null, data, key)`, RFC 8463 3). Resolves to the raw signature bytes.
 */
export type DkimSignFunction = (data: Uint8Array) => Promise<Uint8Array>;

/** A private key that never enters this process: its type and the function that signs with it. */
export interface DkimExternalKey {
  /** rsa (a= rsa-sha256) or ed25519 (a= ed25519-sha256). */
  readonly keyType: DkimKeyType;
  /** Makes the signature; see {@link DkimSignFunction} for what it is given. */
  readonly sign: DkimSignFunction;
}

/** One key to sign with: one DKIM-Signature per key. */
export interface DkimSigningKey {
  /** d=, the signing domain: an ASCII domain name (IDNs as A-labels), no trailing dot. */
  readonly domain: string;
  /** s=, the selector (dots allowed): the key is published at `selector._domainkey.domain`. */
  readonly selector: string;
  /**
   * The private key: PEM, a node:crypto KeyObject, a key already loaded with
   * {@link loadPrivateKey}, or a {@link DkimExternalKey} (a signing function, for HSM and KMS keys).
   */
  readonly privateKey: string | KeyObject | DkimPrivateKey | DkimExternalKey;
  /** c=; default `relaxed/relaxed`, which survives the whitespace changes relays make. */
  readonly canonicalization?: Canonicalization;
  /**
   * i=, the agent or user identifier: `[local-part]@domain`, the local part a dot-atom, the
   * domain d= or a subdomain of it; default none (verifiers then take `@` + d=).
   */
  readonly identity?: string;
  /** x= is set this many seconds after t=: a whole number, at least 1; default none (no expiry). */
  readonly expireAfterSeconds?: number;
}

/** A key ready to sign: checked, parsed once, with its canonicalizations and algorithm. */
export interface PreparedKey {
  readonly spec: DkimSigningKey;
  /** The parsed key, or the external signer. */
  readonly key: DkimPrivateKey | DkimExternalKey;
  readonly headerCanon: HeaderCanonicalization;
  readonly bodyCanon: BodyCanonicalization;
  readonly algorithm: DkimAlgorithm;
}

// x= is written with at most 12 digits (RFC 6376 3.5 allows at least 40 bits; verifiers such as
// this package's read 12): an expiry of up to 10^11 seconds keeps x= within that for millennia.
const MAX_EXPIRY_SECONDS = 1e11;

/** True for a key given as a signing function. */
export function isExternal(k: DkimSigningKey['privateKey']): k is DkimExternalKey {
  return typeof k === 'object' && k !== null && typeof (k as { sign?: unknown }).sign === 'function';
}

function isLoaded(k: DkimSigningKey['privateKey']): k is DkimPrivateKey {
  return typeof k === 'object' && k !== null && 'publicKeyBytes' in k;
}

/** Checks one key's tags and loads the key; throws {@link DkimSignError} or DkimKeyError. */
export function prepareKey(spec: DkimSigningKey): PreparedKey {
  const where = `key ${JSON.stringify(spec.selector)} of ${JSON.stringify(spec.domain)}`;
  if (typeof spec.domain !== 'string' || !DOMAIN_NAME.test(spec.domain)) {
    throw new DkimSignError(
      'DKIM_INVALID_DOMAIN',
      `${where}: d= ${JSON.stringify(spec.domain)} is not a domain name (RFC 6376 3.5; IDNs as A-labels)`,
    );
  }
  if (typeof spec.selector !== 'string' || !SELECTOR.test(spec.selector)) {
    throw new DkimSignError(
      'DKIM_INVALID_SELECTOR',
      `${where}: s= ${JSON.stringify(spec.selector)} is not a selector (RFC 6376 3.1: sub-domain *("." sub-domain))`,
    );
  }
  if (spec.identity !== undefined) {
    const problem =
      typeof spec.identity === 'string' ? identityProblem(spec.identity, spec.domain) : 'not text';
    if (problem) {
      throw new DkimSignError(
        'DKIM_INVALID_IDENTITY',
        `${where}: i= ${JSON.stringify(spec.identity)} cannot be written: ${problem}`,
      );
    }
  }
  const x = spec.expireAfterSeconds;
  if (x !== undefined && !(Number.isSafeInteger(x) && x >= 1 && x <= MAX_EXPIRY_SECONDS)) {
    throw new DkimSignError(
      'DKIM_INVALID_EXPIRY',
      `${where}: expireAfterSeconds must be a whole number from 1 to ${MAX_EXPIRY_SECONDS} (x= must be greater than t=), not ${String(x)}`,
    );
  }
  const [headerCanon, bodyCanon, ...rest] = String(spec.canonicalization ?? 'relaxed/relaxed').split('/');
  if (!isCanon(headerCanon) || !isCanon(bodyCanon) || rest.length > 0) {
    throw new DkimSignError(
      'DKIM_INVALID_CANONICALIZATION',
      `${where}: unsupported canonicalization ${String(spec.canonicalization)}`,
    );
  }
  const given = spec.privateKey;
  let key: DkimPrivateKey | DkimExternalKey;
  if (isExternal(given)) {
    if (given.keyType !== 'rsa' && given.keyType !== 'ed25519') {
      throw new DkimSignError(
        'DKIM_INVALID_OPTION',
        `${where}: a signing function needs keyType rsa or ed25519`,
      );
    }
    key = given;
  } else if (isLoaded(given)) {
    key = given;
  } else if (typeof given === 'string' || (typeof given === 'object' && given !== null)) {
    key = loadPrivateKey(given);
  } else {
    throw new DkimSignError(
      'DKIM_INVALID_OPTION',
      `${where}: privateKey must be PEM, a KeyObject or { keyType, sign }`,
    );
  }
  const algorithm: DkimAlgorithm = key.keyType === 'rsa' ? 'rsa-sha256' : 'ed25519-sha256';
  return { spec, key, headerCanon, bodyCanon, algorithm };
}

/** Lower-cases and checks header field names for h=; `option` names the option in the error. */
export function headerNameList(names: readonly string[], option: string): string[] {
  return names.map((n) => {
    if (typeof n !== 'string' || !HEADER_FIELD_NAME.test(n)) {
      throw new DkimSignError(
        'DKIM_INVALID_HEADER_NAME',
        `${option}: ${JSON.stringify(n)} is not a header field name (printable ASCII without ":" or ";")`,
      );
    }
    return asciiLower(n);
  });
}

function isCanon(c: string | undefined): c is 'simple' | 'relaxed' {
  return c === 'simple' || c === 'relaxed';
}
