/** What went wrong with a keyring, credential store or export file. */
export type CredentialStoreErrorCode =
  | 'malformed'
  | 'wrong-key'
  | 'tampered'
  | 'not-found'
  | 'exists'
  | 'bad-password'
  | 'invalid';

/**
 * An error of the credential store or keyring. Messages name the file, record or NEK involved
 * and never contain key material.
 */
export class CredentialStoreError extends Error {
  /** Machine-readable kind. */
  readonly code: CredentialStoreErrorCode;

  constructor(code: CredentialStoreErrorCode, message: string) {
    super(message);
    this.name = 'CredentialStoreError';
    this.code = code;
  }
}
