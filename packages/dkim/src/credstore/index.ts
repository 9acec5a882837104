/**
 * `@mailroute/dkim/credstore`: Domino's encrypted credential store for DKIM private keys and
 * what manages it, the part of the package a key administrator (or the `mailroute-keymgmt`
 * command) uses and a signing service does not. The NEK (node encryption key) keyring, its
 * password-protected export, the store file, and the `KeyManager` behind `keymgmt`.
 *
 * @module
 */
export { type KeyGenerator, KeyManager, type KeyManagerOptions, RSA_KEY_SIZES } from '../keymgmt.js';
export { CredentialStoreError, type CredentialStoreErrorCode } from './errors.js';
export { fingerprint } from './fingerprint.js';
export { Keyring, type Nek, nekFingerprint } from './nek.js';
export { DEFAULT_SCRYPT, exportNek, importNek, type ScryptParameters } from './nek-export.js';
export { nodeSecretFiles, type SecretFiles } from './secret-files.js';
export { CredentialStore, type DkimKeyEntry, type DkimKeyInfo } from './store.js';
