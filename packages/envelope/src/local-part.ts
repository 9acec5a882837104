/**
 * The local part of a mailbox (RFC 5321 4.1.2): a Dot-string of atoms or a Quoted-string, with
 * RFC 6531's UTF-8 extension when the transaction is SMTPUTF8.
 */

import type { Reason } from './vocabulary/errors.js';
import type { Failed, Result } from './vocabulary/result.js';

/** Longest local part RFC 5321 4.5.3.1.1 allows, in octets. */
export const MAX_LOCAL_PART_OCTETS = 64;

// atext of RFC 5322 3.2.3: ALPHA / DIGIT / "!#$%&'*+-/=?^_`{|}~"
const ATEXT = new Uint8Array(128);
for (let c = 48; c <= 57; c++) ATEXT[c] = 1;
for (let c = 65; c <= 90; c++) ATEXT[c] = 1;
for (let c = 97; c <= 122; c++) ATEXT[c] = 1;
for (const ch of "!#$%&'*+-/=?^_`{|}~") ATEXT[ch.charCodeAt(0)] = 1;

/** True for an atext character (ASCII only). */
export function isAtext(c: number): boolean {
  return c < 128 && ATEXT[c] === 1;
}

/** Why a local part was refused. */
export type LocalPartProblem = 'empty' | 'syntax' | 'unbalanced-quote' | 'non-ascii' | 'too-long';

/** A refused local part: `problem` for the caller's switch, `code` `LOCAL_PART_` plus the problem. */
export interface LocalPartReason extends Reason {
  readonly problem: LocalPartProblem;
}

function refuse(problem: LocalPartProblem): Failed<LocalPartReason> {
  return {
    ok: false,
    reason: {
      code: `LOCAL_PART_${problem.toUpperCase().replace(/-/g, '_')}`,
      message: `local part: ${problem}`,
      temporary: false,
      problem,
    },
  };
}

/** A scanned local part: where it ends, its value, and how it was written. */
export interface ScannedLocalPart {
  /** Index just past the local part in the scanned text. */
  readonly end: number;
  /** The value: for a quoted string, the content with quoted-pairs resolved. */
  readonly value: string;
  /** True when written as a Quoted-string. */
  readonly quoted: boolean;
  /** True when it contains non-ASCII characters. */
  readonly utf8: boolean;
}

/**
 * Scans a local part starting at `start`. It ends before `@` (or before `>`/space/end, which the
 * caller handles: a local part alone is only valid as `postmaster`).
 */
export function scanLocalPart(
  text: string,
  start: number,
  allowUtf8: boolean,
): Result<ScannedLocalPart, LocalPartReason> {
  const n = text.length;
  if (start >= n) return refuse('empty');
  if (text.charCodeAt(start) === 34) return scanQuoted(text, start, allowUtf8);
  let i = start;
  let atomLength = 0;
  let utf8 = false;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 128 && ATEXT[c] === 1) {
      atomLength++;
    } else if (c === 46) {
      // Dot-string = Atom *("." Atom): no leading, trailing or double dot.
      if (atomLength === 0) return refuse('syntax');
      atomLength = 0;
    } else if (c > 127) {
      if (!allowUtf8) return refuse('non-ascii');
      if (isUnpairedSurrogateAt(text, i) || c === 0xfffd) return refuse('syntax');
      utf8 = true;
      atomLength++;
    } else {
      break;
    }
  }
  if (i === start) return refuse('empty');
  if (atomLength === 0) return refuse('syntax');
  return { ok: true, value: { end: i, value: text.slice(start, i), quoted: false, utf8 } };
}

function scanQuoted(
  text: string,
  start: number,
  allowUtf8: boolean,
): Result<ScannedLocalPart, LocalPartReason> {
  const n = text.length;
  let value = '';
  let utf8 = false;
  let runStart = start + 1;
  for (let i = start + 1; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      value += text.slice(runStart, i);
      return { ok: true, value: { end: i + 1, value, quoted: true, utf8 } };
    }
    if (c === 92) {
      // quoted-pairSMTP = %d92 %d32-126: a backslash escapes one printable ASCII character.
      const next = i + 1 < n ? text.charCodeAt(i + 1) : -1;
      if (next < 32 || next > 126) return refuse(next < 0 ? 'unbalanced-quote' : 'syntax');
      value += text.slice(runStart, i) + text[i + 1];
      i++;
      runStart = i + 1;
    } else if (c > 127) {
      if (!allowUtf8) return refuse('non-ascii');
      if (isUnpairedSurrogateAt(text, i) || c === 0xfffd) return refuse('syntax');
      utf8 = true;
    } else if (c < 32 || c === 127) {
      // qtextSMTP = %d32-33 / %d35-91 / %d93-126: no control characters inside quotes.
      return refuse('syntax');
    }
  }
  return refuse('unbalanced-quote');
}

// U+FFFD is what a UTF-8 decoder leaves for invalid bytes; a lone surrogate cannot be encoded.
function isUnpairedSurrogateAt(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff) {
    const next = text.charCodeAt(i + 1);
    return !(next >= 0xdc00 && next <= 0xdfff);
  }
  if (c >= 0xdc00 && c <= 0xdfff) {
    const prev = text.charCodeAt(i - 1);
    return !(prev >= 0xd800 && prev <= 0xdbff);
  }
  return false;
}

/** True when `value` can be written as a Dot-string, without quotes. */
export function isDotString(value: string): boolean {
  if (value.length === 0) return false;
  let atomLength = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 46) {
      if (atomLength === 0) return false;
      atomLength = 0;
    } else if ((c < 128 && ATEXT[c] === 1) || c > 127) {
      atomLength++;
    } else {
      return false;
    }
  }
  return atomLength > 0;
}

/**
 * Writes a local part for the wire: as a Dot-string when possible, else as a Quoted-string with
 * `"` and `\` escaped (RFC 5321 4.1.2 says to prefer the unquoted form).
 */
export function formatLocalPart(value: string): string {
  if (isDotString(value)) return value;
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}
