/**
 * Header value decoding: raw bytes to text (RFC 6532 UTF-8, or undeclared 8-bit guessed),
 * unfolding (RFC 5322 2.2.3), and RFC 2047 encoded words via libmime.
 */

import { isUtf8 } from 'node:buffer';
import libmime from 'libmime';
import { decodeText, detectCharset } from './charset.js';

/** Raw header value bytes to a string, folding kept; flags undeclared 8-bit that is not UTF-8. */
export function headerBytesToString(
  raw: Buffer,
  fallback: string,
): { text: string; undeclared8bit: boolean } {
  let ascii = true;
  for (let i = 0; i < raw.length; i++) {
    if ((raw[i] as number) > 0x7f) {
      ascii = false;
      break;
    }
  }
  if (ascii) return { text: raw.toString('latin1'), undeclared8bit: false };
  if (isUtf8(raw)) return { text: raw.toString('utf8'), undeclared8bit: false };
  const charset = detectCharset(raw, fallback);
  return { text: decodeText(raw, charset, { autoDetect: false, fallback }).text, undeclared8bit: true };
}

/** Removes folding: CRLF (or bare LF) followed by white space becomes that white space. */
export function unfold(text: string): string {
  return text.replace(/\r?\n(?=[ \t])/g, '').replace(/[\r\n]+/g, '');
}

/** Decodes RFC 2047 encoded words in unstructured text. */
export function decodeEncodedWords(text: string): string {
  if (!text.includes('=?')) return text;
  try {
    return libmime.decodeWords(text);
  } catch {
    return text;
  }
}

/**
 * Encodes text as RFC 2047 B-words of at most `maxBytes` UTF-8 bytes each, split on character
 * boundaries and separated by spaces, so the result folds under 78 characters and decodes back
 * to exactly the same text (white space between adjacent encoded words is not part of the text).
 */
export function encodeBWords(text: string, maxBytes = 30): string {
  const words: string[] = [];
  let piece = '';
  let bytes = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > maxBytes && piece !== '') {
      words.push(piece);
      piece = '';
      bytes = 0;
    }
    piece += ch;
    bytes += n;
  }
  if (piece !== '') words.push(piece);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`).join(' ');
}
