/**
 * Charset decoding with a real charset library: iconv-lite (as libmime uses it) for the single-
 * and multi-byte charsets, libmime's encoding-japanese path for ISO-2022-JP / EUC-JP. Node's
 * TextDecoder is not used: on this Node build it turns windows-1252 bytes 0x80-0x9F into C1
 * control characters.
 */

import { isAscii as isAsciiBytes, isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';
import libcharset from 'libmime/lib/charset.js';
import { guessCharset } from './detect.js';

/** The result of decoding bytes to text. */
export interface DecodedText {
  readonly text: string;
  /** The charset actually used (lower case). */
  readonly charset: string;
  /** Why the declared charset was not used, if it was not. */
  readonly problem?: 'unknown-charset' | 'undeclared-8bit';
}

const JAPANESE = /^(jis|iso-?2022-?jp|eucjp|euc-jp)/i;
const ISO2022_ESCAPES = [
  Buffer.from('\x1b$B', 'latin1'),
  Buffer.from('\x1b$@', 'latin1'),
  Buffer.from('\x1b(J', 'latin1'),
];

/** Normalises a charset label the way libmime does (`win-1257` -> `windows-1257`), lower case. */
export function normalizeCharset(label: string): string {
  return libcharset.normalizeCharset(label.trim()).toLowerCase();
}

/** True when the label names a charset this package can decode. */
export function isKnownCharset(label: string): boolean {
  const name = normalizeCharset(label);
  return JAPANESE.test(name) || iconv.encodingExists(name);
}

function isAscii(buf: Buffer): boolean {
  return isAsciiBytes(buf);
}

/**
 * Charsets in which every ASCII octet means its ASCII character (UTF-8, the ISO 8859 family, the
 * Windows code pages, KOI8): 7-bit bytes declared in one of them decode as latin1 text, natively,
 * instead of through iconv-lite's per-octet decoder (measured as the largest cost of itemizing a
 * 100 KB ASCII message). Not the 7-bit encodings (ISO-2022-*, UTF-7, HZ), where ASCII octets can
 * spell other characters, nor UTF-16/32.
 */
const ASCII_SUPERSET = /^(utf-8|us-ascii|ascii|windows-125\d|iso-8859-\d{1,2}|latin\d|koi8-[ru])$/;

/**
 * Guesses the charset of undeclared bytes (Domino's "Use character set auto-detection if message
 * has no character set information", on by default): ISO-2022-JP is recognised by its escape
 * sequences, valid UTF-8 is UTF-8, text that looks like a CJK or Cyrillic charset is guessed (see
 * detect.ts), anything else falls back to `fallback`.
 */
export function detectCharset(buf: Buffer, fallback: string): string {
  if (buf.indexOf(0x1b) !== -1 && ISO2022_ESCAPES.some((e) => buf.indexOf(e) !== -1)) return 'iso-2022-jp';
  if (isUtf8(buf)) return 'utf-8';
  return guessCharset(buf, fallback);
}

function decodeWith(buf: Buffer, name: string): string {
  if (ASCII_SUPERSET.test(name) && isAscii(buf)) return buf.toString('latin1');
  if (name === 'utf-8' || name === 'us-ascii' || name === 'ascii') return buf.toString('utf8');
  if (JAPANESE.test(name)) return libcharset.decode(buf, name);
  return iconv.decode(buf, name);
}

/**
 * Decodes text bytes. `declared` is the charset parameter (if any); with `autoDetect` an absent
 * charset is guessed, and so is a declared US-ASCII that carries 8-bit bytes.
 */
export function decodeText(
  buf: Buffer,
  declared: string | undefined,
  options: { readonly autoDetect: boolean; readonly fallback: string },
): DecodedText {
  if (declared !== undefined && declared.trim() !== '') {
    const name = normalizeCharset(declared);
    // libmime maps US-ASCII to windows-1252; an 8-bit byte under a declared US-ASCII is still undeclared.
    if (/^(us-?ascii|ascii|ansi_x3\.4-1968)$/i.test(declared.trim()) && !isAscii(buf)) {
      const guess = options.autoDetect ? detectCharset(buf, options.fallback) : 'utf-8';
      return { text: decodeWith(buf, guess), charset: guess, problem: 'undeclared-8bit' };
    }
    if (isKnownCharset(name)) return { text: decodeWith(buf, name), charset: name };
    const guess = options.autoDetect ? detectCharset(buf, options.fallback) : 'utf-8';
    return { text: decodeWith(buf, guess), charset: guess, problem: 'unknown-charset' };
  }
  if (isAscii(buf)) {
    // ISO-2022-JP is 7-bit: only its escape sequences tell it from ASCII.
    if (options.autoDetect && detectCharset(buf, 'us-ascii') === 'iso-2022-jp') {
      return { text: decodeWith(buf, 'iso-2022-jp'), charset: 'iso-2022-jp', problem: 'undeclared-8bit' };
    }
    return { text: buf.toString('latin1'), charset: 'us-ascii' };
  }
  const guess = options.autoDetect ? detectCharset(buf, options.fallback) : 'utf-8';
  return { text: decodeWith(buf, guess), charset: guess, problem: 'undeclared-8bit' };
}

/** Encodes text in a charset (for building messages; UTF-8 unless told otherwise). */
export function encodeText(text: string, charset: string): Buffer {
  const name = normalizeCharset(charset);
  if (name === 'utf-8' || name === 'us-ascii') return Buffer.from(text, 'utf8');
  return iconv.encode(text, name);
}
