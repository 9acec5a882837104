import { MailrouteError } from '@mailroute/envelope';

/**
 * The key lookup a verifier needs: the TXT records at a name, one string per record with its
 * character-strings already joined. The @mailroute/dns package implements it; tests pass a fake.
 * It rejects with a {@link KeyLookupError}, or any error of the SDK's shape (a string `code` and a
 * boolean `temporary`), to tell a temporary failure from a permanent one; any other rejection
 * counts as temporary.
 */
export type KeyLookup = (name: string, options?: KeyLookupOptions) => Promise<readonly string[]>;

/** What the verifier passes to a {@link KeyLookup}. */
export interface KeyLookupOptions {
  /**
   * Aborted when the verifier stops waiting (its lookup timeout expired, or the caller aborted
   * `verify`): a lookup that honours it can stop its query. The verifier never waits past it.
   */
  readonly signal: AbortSignal;
}

/**
 * How long the verifier waits for one key lookup before giving temperror: 20 seconds, a little
 * more than @mailroute/dns's own retry schedule (4 attempts waiting 1, 2, 4 and 8 s), so the
 * resolver's own answer normally comes first and this only stops a lookup that never settles.
 */
export const DEFAULT_LOOKUP_TIMEOUT_MS = 20_000;

/**
 * A failed key lookup, a `MailrouteError`: `temporary` (SERVFAIL, timeout; code
 * `DKIM_KEY_LOOKUP_FAILED`) gives temperror, otherwise (NXDOMAIN; code `DKIM_KEY_NOT_FOUND`)
 * permerror.
 */
export class KeyLookupError extends MailrouteError {
  declare readonly code: 'DKIM_KEY_LOOKUP_FAILED' | 'DKIM_KEY_NOT_FOUND';

  constructor(message: string, temporary: boolean) {
    super(temporary ? 'DKIM_KEY_LOOKUP_FAILED' : 'DKIM_KEY_NOT_FOUND', message, { temporary });
    this.name = 'KeyLookupError';
  }
}

/** The DNS name of a key record: `selector._domainkey.domain` (RFC 6376 3.6.2.1). */
export function keyRecordName(selector: string, domain: string): string {
  return `${selector}._domainkey.${domain}`;
}
