/**
 * Reading a server's replies from raw bytes (RFC 5321 4.2), bounded: a line longer than
 * `maxLineOctets`, a reply of more than `maxLines` lines or bytes that are not a reply end the
 * reading with a problem instead of growing memory. Pure: bytes in, replies out; works on any
 * split of the input, down to one byte at a time.
 */
import { isLastReplyLine, parseReply, type SmtpReply } from '@mailroute/envelope';

/** Limits of {@link createReplyReader}. */
export interface ReplyReaderLimits {
  /** Longest line accepted, CRLF excluded; default 4096 (RFC 5321 says 512; real servers exceed it). */
  readonly maxLineOctets?: number;
  /** Most lines in one reply; default 200 (an EHLO reply has a few dozen). */
  readonly maxLines?: number;
}

/** What {@link ReplyReader.push} found in a chunk. */
export interface ReplyChunk {
  /** Complete replies, in order. */
  readonly replies: SmtpReply[];
  /** Set when the input stopped being SMTP; nothing more is read after it. */
  readonly problem?: string;
}

/** An incremental reply reader; one per connection. */
export interface ReplyReader {
  /** Feeds bytes; returns the replies they complete. */
  push(chunk: Uint8Array): ReplyChunk;
  /** True when bytes of an unfinished reply are held (a server talking out of turn, e.g. after STARTTLS). */
  readonly pending: boolean;
}

const LF = 10;

/** Creates a reader. */
export function createReplyReader(limits: ReplyReaderLimits = {}): ReplyReader {
  const maxLine = limits.maxLineOctets ?? 4096;
  const maxLines = limits.maxLines ?? 200;
  let partial: Buffer[] = [];
  let partialLength = 0;
  let lines: string[] = [];
  let dead: string | undefined;

  const finishLine = (tail: Buffer): { reply?: SmtpReply; problem?: string } => {
    let line = partialLength === 0 ? tail : Buffer.concat([...partial, tail]);
    partial = [];
    partialLength = 0;
    if (line.length > 0 && line[line.length - 1] === 13) line = line.subarray(0, line.length - 1);
    if (line.length > maxLine) return { problem: `reply line longer than ${maxLine} octets` };
    const text = line.toString('utf8');
    lines.push(text);
    if (!isLastReplyLine(text)) {
      if (lines.length >= maxLines) return { problem: `reply longer than ${maxLines} lines` };
      if (!/^[2-5]\d\d-/.test(text)) return { problem: `not a reply line: ${printable(text)}` };
      return {};
    }
    const parsed = parseReply(lines);
    lines = [];
    if (!parsed.ok) return { problem: `${parsed.reason.message}: ${printable(text)}` };
    return { reply: parsed.value };
  };

  return {
    get pending() {
      return partialLength > 0 || lines.length > 0;
    },
    push(chunk) {
      if (dead !== undefined) return { replies: [], problem: dead };
      const buf = Buffer.isBuffer(chunk)
        ? chunk
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      const replies: SmtpReply[] = [];
      let from = 0;
      while (from < buf.length) {
        const lf = buf.indexOf(LF, from);
        if (lf < 0) {
          const rest = buf.subarray(from);
          partialLength += rest.length;
          // +1: a CR may still be waiting for its LF.
          if (partialLength > maxLine + 1) {
            dead = `reply line longer than ${maxLine} octets`;
            partial = [];
            return { replies, problem: dead };
          }
          partial.push(Buffer.from(rest)); // a copy: the socket may reuse its buffer
          break;
        }
        const r = finishLine(buf.subarray(from, lf));
        from = lf + 1;
        if (r.problem !== undefined) {
          dead = r.problem;
          return { replies, problem: dead };
        }
        if (r.reply !== undefined) replies.push(r.reply);
      }
      return { replies };
    },
  };
}

/** At most 80 printable characters of a peer's text, for a reason message. */
export function printable(text: string): string {
  const clean = text.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 80 ? `${clean.slice(0, 80)}...` : clean;
}
