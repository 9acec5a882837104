/**
 * Reading a server's replies, for an SMTP client (RFC 5321 4.2): single and multi-line replies,
 * the RFC 2034 enhanced code on each line, and the malformed replies real servers send.
 */
import { type EnhancedCode, isEnhancedCode, SmtpReply } from './reply.js';
import type { Failed, Result } from './vocabulary/result.js';

/** The code of a {@link parseReply} failure; the message says what is wrong with the lines. */
export const SMTP_REPLY_MALFORMED = 'SMTP_REPLY_MALFORMED';

function malformed(message: string): Failed {
  return { ok: false, reason: { code: SMTP_REPLY_MALFORMED, message, temporary: false } };
}

const LINE_RE = /^([2-5]\d\d)([ -]?)(.*)$/s;
const ENHANCED_PREFIX_RE = /^([245]\.\d{1,3}\.\d{1,3})(?: |$)/;

/**
 * True when `line` is the last line of a reply (`250 ...` or a bare `250`), false for a
 * continuation line (`250-...`). A client reads lines until this is true, then calls
 * {@link parseReply} on them.
 */
export function isLastReplyLine(line: string): boolean {
  return line.length < 4 || line.charCodeAt(3) !== 45;
}

/**
 * Parses the lines of one reply (CRLF optional). All lines must carry the same code, all but
 * the last with `-`, the last with a space or nothing. An enhanced code is taken when the first
 * line starts with one of the code's class, and removed from every line that repeats it. Never
 * throws.
 */
export function parseReply(lines: string | readonly string[]): Result<SmtpReply> {
  const list =
    typeof lines === 'string'
      ? lines.split(/\r?\n/).filter((l, i, a) => l !== '' || i < a.length - 1)
      : lines;
  if (list.length === 0) return malformed('empty reply');
  let code = 0;
  const texts: string[] = [];
  for (let k = 0; k < list.length; k++) {
    const line = list[k].replace(/\r?\n$/, '');
    if (line.length > 4096) return malformed(`line ${k + 1} is too long`);
    const m = LINE_RE.exec(line);
    if (m === null) return malformed(`line ${k + 1} does not start with a reply code`);
    const lineCode = Number(m[1]);
    if (k === 0) code = lineCode;
    else if (lineCode !== code) return malformed(`line ${k + 1} has code ${lineCode}, expected ${code}`);
    const last = k === list.length - 1;
    if (!last && m[2] !== '-') return malformed(`line ${k + 1} ends the reply before its last line`);
    if (last && m[2] === '-') return malformed('the last line is marked as a continuation');
    if (m[2] === '' && m[3] !== '') return malformed(`line ${k + 1} has no space after the code`);
    texts.push(m[3]);
  }
  let enhanced: EnhancedCode | undefined;
  const first = ENHANCED_PREFIX_RE.exec(texts[0]);
  if (first !== null && first[1][0] === String(code)[0] && isEnhancedCode(first[1])) {
    enhanced = first[1];
    const prefix = `${enhanced} `;
    for (let k = 0; k < texts.length; k++) {
      if (texts[k] === enhanced) texts[k] = '';
      else if (texts[k].startsWith(prefix)) texts[k] = texts[k].slice(prefix.length);
    }
  }
  return {
    ok: true,
    value: SmtpReply.of(code, enhanced, texts.length === 1 && texts[0] === '' ? [] : texts),
  };
}
