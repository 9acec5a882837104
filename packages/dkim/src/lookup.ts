/**
 * The key lookup a verifier needs: the TXT records at a name, one string per record with its
 * character-strings already joined. The @mailroute/dns package implements it; tests pass a fake.
 * It rejects with a {@link KeyLookupError} to tell a temporary failure from a permanent one; an
 * error with `permanent: true` (the dns package's not-found error) also counts as permanent, and
 * any other rejection as temporary.
 */
export type KeyLookup = (name: string) => Promise<readonly string[]>;

/** A failed key lookup: `temporary` (SERVFAIL, timeout) gives temperror, otherwise permerror. */
export class KeyLookupError extends Error {
  /** True for a failure that may succeed later (RFC 8601 temperror). */
  readonly temporary: boolean;

  constructor(message: string, temporary: boolean) {
    super(message);
    this.name = 'KeyLookupError';
    this.temporary = temporary;
  }
}

/** The DNS name of a key record: `selector._domainkey.domain` (RFC 6376 3.6.2.1). */
export function keyRecordName(selector: string, domain: string): string {
  return `${selector}._domainkey.${domain}`;
}
