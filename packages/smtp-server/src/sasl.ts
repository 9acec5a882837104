/**
 * SASL messages of AUTH (RFC 4954) for PLAIN (RFC 4616), LOGIN (the de-facto draft) and
 * CRAM-MD5 (RFC 2195): pure decoding, no I/O. Secrets pass through here and nowhere else is
 * logged; see the session's logging, which masks every SASL line.
 */

/** Strict base64: whole quads, padding only at the end. */
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes a base64 SASL line to UTF-8, or undefined when it is not valid base64. */
export function decodeSasl(text: string): string | undefined {
  if (text === '=') return '';
  if (!BASE64_RE.test(text)) return undefined;
  return Buffer.from(text, 'base64').toString('utf8');
}

/** Encodes a server challenge. */
export function encodeSasl(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** The fields of an AUTH PLAIN message: `authzid NUL authcid NUL passwd`. */
export interface PlainMessage {
  readonly authorizationId: string | undefined;
  readonly username: string;
  readonly password: string;
}

/** Parses a decoded PLAIN message; undefined when malformed (wrong field count, empty user). */
export function parsePlain(message: string): PlainMessage | undefined {
  const parts = message.split('\0');
  if (parts.length !== 3) return undefined;
  const [authz, user, pass] = parts;
  if (user === '' || pass === '') return undefined;
  return { authorizationId: authz === '' ? undefined : authz, username: user, password: pass };
}

/** Parses a decoded CRAM-MD5 response `username SP digest`, the digest 32 lower-case hex digits. */
export function parseCramMd5(message: string): { username: string; digest: string } | undefined {
  const space = message.lastIndexOf(' ');
  if (space <= 0) return undefined;
  const digest = message.slice(space + 1).toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(digest)) return undefined;
  return { username: message.slice(0, space), digest };
}

/** `Username:` and `Password:` prompts of AUTH LOGIN, base64-encoded. */
export const LOGIN_USERNAME_PROMPT = encodeSasl('Username:');
/** The `Password:` prompt. */
export const LOGIN_PASSWORD_PROMPT = encodeSasl('Password:');
