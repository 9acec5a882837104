/**
 * Content-Type and Content-Disposition (RFC 2045 5.1, RFC 2183) with RFC 2231 parameter
 * continuations and charsets (`filename*0*=utf-8''...`), parsed by libmime.
 */

import libmime from 'libmime';
import { decodeEncodedWords } from './header-text.js';

/** A parsed structured header value. */
export interface StructuredValue {
  /** The main value, lower case (`text/plain`, `attachment`). */
  readonly value: string;
  /** Parameters by lower-case name, RFC 2231 continuations joined and decoded. */
  readonly params: Record<string, string>;
}

/** Parses a Content-Type / Content-Disposition value (already unfolded). */
export function parseStructured(text: string): StructuredValue {
  let parsed: { value: string; params: Record<string, string> };
  try {
    parsed = libmime.parseHeaderValue(text);
  } catch {
    parsed = { value: text.split(';')[0] ?? '', params: {} };
  }
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed.params)) {
    // Many mailers put RFC 2047 words in parameters (not allowed, but universal).
    params[k.toLowerCase()] = k.toLowerCase() === 'boundary' ? String(v) : decodeEncodedWords(String(v));
  }
  return { value: parsed.value.trim().toLowerCase(), params };
}

const TOKEN = '[^\\s\\x00-\\x1f\\x7f()<>@,;:\\\\"/\\[\\]?=]+';
const MEDIA_TYPE = new RegExp(`^${TOKEN}/${TOKEN}$`);
const MEDIA_TYPE_PREFIX = new RegExp(`^(${TOKEN}/${TOKEN})\\s`);

/**
 * Checks a media type (RFC 2045 token "/" token). A value with a missing ";" before its first
 * parameter (`application/pdf name="x.pdf"`) keeps its leading type; anything else unreadable
 * gets the fallback.
 */
export function mediaType(value: string, fallback: string): string {
  const v = value.trim();
  if (MEDIA_TYPE.test(v)) return v;
  const m = MEDIA_TYPE_PREFIX.exec(v);
  return m === null ? fallback : (m[1] as string);
}
