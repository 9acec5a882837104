import { type Failed, failed, ok, type Result } from '@mailroute/envelope';
import { decodeBase64 } from './signature.js';
import { parseTagList, stripWhitespace } from './tag-list.js';

/** The key type of a DKIM key record (k=). */
export type DkimKeyType = 'rsa' | 'ed25519';

/** A parsed DKIM key record, the TXT value at `selector._domainkey.domain` (RFC 6376 3.6.1). */
export interface DkimKeyRecord {
  /** k=, rsa when absent. */
  readonly keyType: DkimKeyType;
  /** p=, decoded: SubjectPublicKeyInfo DER for rsa, the raw 32-byte key for ed25519; empty = revoked. */
  readonly publicKey: Buffer;
  /** p= was empty: the key has been revoked. */
  readonly revoked: boolean;
  /** t=y: the domain is testing DKIM. */
  readonly testing: boolean;
  /** t=s: the i= domain must equal d= exactly. */
  readonly strictIdentity: boolean;
}

/** The code of a key record that cannot be used (a permerror). */
export const DKIM_KEY_RECORD_INVALID = 'DKIM_KEY_RECORD_INVALID';

function invalid(message: string): Failed {
  return failed({ code: DKIM_KEY_RECORD_INVALID, message, temporary: false });
}

/**
 * Parses a key record strictly; unknown tags are ignored as RFC 6376 requires. Never throws: a
 * record that cannot be used fails with code {@link DKIM_KEY_RECORD_INVALID} (a permerror).
 */
export function parseKeyRecord(txt: string): Result<DkimKeyRecord> {
  const list = parseTagList(txt);
  if (!list.ok) return invalid(`malformed key record: ${list.reason.message}`);
  const t = list.value;
  // v= is optional, but when present it must be first and exactly DKIM1.
  if (t.has('v') && (t.get('v') !== 'DKIM1' || [...t.keys()][0] !== 'v')) {
    return invalid('key record v= is not DKIM1 or not first');
  }
  const k = (t.get('k') ?? 'rsa').toLowerCase();
  if (k !== 'rsa' && k !== 'ed25519') return invalid(`unsupported key type k=${k}`);
  if (t.has('h')) {
    const hashes = t
      .get('h')!
      .split(':')
      .map((h) => stripWhitespace(h).toLowerCase());
    if (!hashes.includes('sha256')) return invalid('key record h= does not allow sha256');
  }
  if (t.has('s')) {
    const services = t
      .get('s')!
      .split(':')
      .map((s) => stripWhitespace(s).toLowerCase());
    if (!services.includes('*') && !services.includes('email')) {
      return invalid('key record s= does not allow email');
    }
  }
  if (!t.has('p')) return invalid('key record has no p=');
  const pText = stripWhitespace(t.get('p')!);
  const publicKey = pText === '' ? Buffer.alloc(0) : decodeBase64(pText);
  if (!publicKey) return invalid('key record p= is not valid base64');
  const flags = (t.get('t') ?? '').split(':').map((f) => stripWhitespace(f).toLowerCase());
  return ok({
    keyType: k,
    publicKey,
    revoked: publicKey.length === 0,
    testing: flags.includes('y'),
    strictIdentity: flags.includes('s'),
  });
}

/**
 * The TXT value publishing a public key, `v=DKIM1; k=<type>; p=<base64>`, and the same value
 * split into character-strings of at most 255 bytes (a DNS TXT string's limit) for zone files.
 */
export function keyRecordText(
  keyType: DkimKeyType,
  publicKey: Uint8Array,
): { value: string; strings: string[] } {
  const value = `v=DKIM1; k=${keyType}; p=${Buffer.from(publicKey).toString('base64')}`;
  const strings: string[] = [];
  for (let i = 0; i < value.length; i += 255) strings.push(value.slice(i, i + 255));
  return { value, strings };
}
