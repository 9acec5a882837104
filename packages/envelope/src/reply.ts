/**
 * The SMTP reply as a value: a three-digit code, an RFC 3463 enhanced status code and text lines.
 *
 * Every package of mailroute says what it has to say to an SMTP peer with one of these, so a
 * policy decision, a parser error and a backend answer all format the same way.
 */

/** An RFC 3463 enhanced status code, `class.subject.detail`, for example `5.1.1`. */
export type EnhancedCode = `${2 | 4 | 5}.${number}.${number}`;

/** The class of a reply, from its first digit (RFC 5321 4.2.1). */
export type ReplyClass = 'positive' | 'intermediate' | 'transient' | 'permanent';

/** Longest reply line RFC 5321 4.5.3.1.5 allows, CRLF included. */
export const MAX_REPLY_LINE_OCTETS = 512;

const ENHANCED_RE = /^([245])\.(\d{1,3})\.(\d{1,3})$/;

/** True when `text` is a well-formed enhanced status code (RFC 3463: class 2/4/5, 1-3 digit fields). */
export function isEnhancedCode(text: string): text is EnhancedCode {
  return ENHANCED_RE.test(text);
}

/**
 * An SMTP reply. Immutable; build it with {@link SmtpReply.of} or take one from the
 * {@link Replies} catalogue.
 */
export class SmtpReply {
  /** The three-digit reply code, 200 to 599. */
  readonly code: number;
  /** The RFC 3463 enhanced status code, or undefined for replies that carry none (greeting, 354). */
  readonly enhanced: EnhancedCode | undefined;
  /** The text, one entry per reply line. Never contains CR or LF. */
  readonly lines: readonly string[];

  private constructor(code: number, enhanced: EnhancedCode | undefined, lines: readonly string[]) {
    this.code = code;
    this.enhanced = enhanced;
    this.lines = lines;
    Object.freeze(this);
  }

  /**
   * Builds a reply. `text` may be one string or several lines; CR and LF inside a line split it
   * into more lines, so reply text can never inject a second reply. Throws a RangeError on a code
   * outside 200-599 or an enhanced code whose class differs from the code's: those are
   * programming errors, not protocol input.
   */
  static of(
    code: number,
    enhanced: EnhancedCode | undefined,
    text: string | readonly string[] = [],
  ): SmtpReply {
    if (!Number.isInteger(code) || code < 200 || code > 599) {
      throw new RangeError(`SMTP reply code must be 200-599, got ${code}`);
    }
    if (enhanced !== undefined) {
      if (!isEnhancedCode(enhanced)) throw new RangeError(`malformed enhanced status code ${enhanced}`);
      const cls = Math.floor(code / 100);
      if (cls !== 3 && enhanced[0] !== String(cls)) {
        throw new RangeError(`enhanced code ${enhanced} does not match the class of ${code}`);
      }
    }
    const input = typeof text === 'string' ? [text] : text;
    const lines: string[] = [];
    for (const item of input) {
      for (const piece of item.split(/\r\n|\r|\n/)) lines.push(sanitizeLine(piece));
    }
    return new SmtpReply(code, enhanced, Object.freeze(lines));
  }

  /** The same code and enhanced code with other text. */
  withText(text: string | readonly string[]): SmtpReply {
    return SmtpReply.of(this.code, this.enhanced, text);
  }

  /** The class given by the first digit. */
  get replyClass(): ReplyClass {
    const first = Math.floor(this.code / 100);
    return first === 2 ? 'positive' : first === 3 ? 'intermediate' : first === 4 ? 'transient' : 'permanent';
  }

  /** 2xx: the command succeeded. */
  get isPositive(): boolean {
    return this.code < 300;
  }

  /** 4xx: a temporary failure; the client should try again later. */
  get isTransient(): boolean {
    return this.code >= 400 && this.code < 500;
  }

  /** 5xx: a permanent failure. */
  get isPermanent(): boolean {
    return this.code >= 500;
  }

  /** The text lines joined with a space, for logs and error messages. */
  get text(): string {
    return this.lines.join(' ');
  }

  /** The reply as sent on the wire, CRLF-terminated lines. */
  toString(): string {
    return formatReply(this);
  }

  /** Plain data for JSON: `{ code, enhanced, lines }`. */
  toJSON(): { code: number; enhanced: EnhancedCode | undefined; lines: readonly string[] } {
    return { code: this.code, enhanced: this.enhanced, lines: this.lines };
  }
}

/**
 * An error carrying the reply to send. Backends may throw it where returning a reply is awkward;
 * the server sends `reply` instead of its generic 451.
 */
export class SmtpError extends Error {
  readonly reply: SmtpReply;
  constructor(reply: SmtpReply) {
    super(`${reply.code}${reply.enhanced ? ` ${reply.enhanced}` : ''} ${reply.text}`);
    this.name = 'SmtpError';
    this.reply = reply;
  }
}

// Control characters other than TAB cannot appear in reply text (RFC 5321 textstring is
// HT / SP / printable); replace them so a peer-supplied string cannot break the framing.
function sanitizeLine(line: string): string {
  return /[\x00-\x08\x0a-\x1f\x7f]/.test(line) ? line.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, '?') : line;
}

/** A reply line of at most 512 octets leaves this many for `code SP enhanced SP text`. */
const MAX_TEXT_OCTETS = MAX_REPLY_LINE_OCTETS - 2;

/**
 * Formats a reply for the wire (RFC 5321 4.2, RFC 2034): every line but the last is `code-`,
 * the last `code `, each line repeats the enhanced code, and each ends with CRLF. Lines longer
 * than 512 octets are split, so the output is always valid whatever the text.
 */
export function formatReply(reply: SmtpReply): string {
  const prefix = reply.enhanced ? ` ${reply.enhanced} ` : ' ';
  const lines = splitLong(reply.lines, MAX_TEXT_OCTETS - 3 - prefix.length);
  if (lines.length === 0) return `${reply.code}${reply.enhanced ? ` ${reply.enhanced}` : ''}\r\n`;
  let out = '';
  const last = lines.length - 1;
  for (let i = 0; i < lines.length; i++) {
    out += `${reply.code}${i === last ? ' ' : '-'}${prefix.slice(1)}${lines[i]}\r\n`;
  }
  return out;
}

function splitLong(lines: readonly string[], max: number): readonly string[] {
  let needsSplit = false;
  for (const line of lines) if (Buffer.byteLength(line) > max) needsSplit = true;
  if (!needsSplit) return lines;
  const out: string[] = [];
  for (const line of lines) {
    let rest = line;
    while (Buffer.byteLength(rest) > max) {
      // Cut on a code point boundary at most `max` octets in; prefer the last space before it.
      let cut = 0;
      let octets = 0;
      for (const ch of rest) {
        const size = Buffer.byteLength(ch);
        if (octets + size > max) break;
        octets += size;
        cut += ch.length;
      }
      const space = rest.lastIndexOf(' ', cut);
      if (space > cut / 2) cut = space;
      out.push(rest.slice(0, cut));
      rest = rest.slice(cut).replace(/^ /, '');
    }
    out.push(rest);
  }
  return out;
}
