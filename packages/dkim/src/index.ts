/**
 * @mailroute/dkim: DKIM signing (rsa-sha256, ed25519-sha256) and verification (RFC 6376,
 * RFC 8463, RFC 8301), Domino's encrypted credential store for DKIM keys, and the signing
 * configuration in Domino's words (`RouterDKIMSigning`, `DKIM_KEY_<domain>`). The credential
 * store and its key management are the subpath `@mailroute/dkim/credstore`; canonicalization, the
 * body hash and the header and tag-list parsers (for ARC and tools) are `@mailroute/dkim/canonical`.
 *
 * @packageDocumentation
 */

export { authenticationResults } from './auth-results.js';
export {
  type DkimSigningConfig,
  DkimSigningPolicy,
  parseSigningConfig,
  type SignerChoice,
} from './config.js';
export { DkimSignError, type DkimSignErrorCode } from './errors.js';
export {
  DKIM_KEY_RECORD_INVALID,
  type DkimKeyRecord,
  type DkimKeyType,
  keyRecordText,
  parseKeyRecord,
} from './key-record.js';
export {
  DkimKeyError,
  type DkimPrivateKey,
  ed25519KeyFromSeed,
  loadPrivateKey,
  MIN_RSA_BITS,
} from './keys.js';
export {
  DEFAULT_LOOKUP_TIMEOUT_MS,
  type KeyLookup,
  KeyLookupError,
  type KeyLookupOptions,
  keyRecordName,
} from './lookup.js';
export { HeaderTooLargeError } from './message.js';
export {
  DEFAULT_OVERSIGNED_HEADERS,
  DEFAULT_SIGNED_HEADERS,
  type DkimSignature,
  DkimSigner,
  type DkimSignerOptions,
} from './sign.js';
export type {
  Canonicalization,
  DkimExternalKey,
  DkimSignFunction,
  DkimSigningKey,
} from './sign-options.js';
export {
  DKIM_SIGNATURE_INVALID,
  type DkimAlgorithm,
  type DkimSignatureFields,
  parseSignature,
  type SignatureIdentity,
  type SignatureParseResult,
  type SignatureReason,
} from './signature.js';
export {
  type DkimResult,
  type DkimVerification,
  DkimVerifier,
  type DkimVerifierOptions,
  type DkimVerifyOptions,
} from './verify.js';
