/**
 * Splits server output into replies (RFC 5321 4.2): lines are collected until a last line
 * (`250 ...`), then parsed into an `SmtpReply`. Bounded: a peer that sends an endless reply is cut
 * off with an error rather than buffered forever.
 */
import { isLastReplyLine, parseReply, type SmtpReply } from '@mailroute/envelope';

/** Most lines one reply may have (an EHLO reply has a dozen). */
const MAX_REPLY_LINES = 200;
/** Most octets of unterminated text kept while waiting for a line end. */
const MAX_PARTIAL_OCTETS = 64 * 1024;

/** Incremental reply reader: feed it text, take the complete replies. */
export class ReplyReader {
  #partial = '';
  #lines: string[] = [];
  /** Complete replies not yet taken. */
  readonly replies: SmtpReply[] = [];

  /** Adds text; throws an Error on a malformed or oversized reply. */
  feed(text: string): void {
    this.#partial += text;
    for (;;) {
      const end = this.#partial.indexOf('\n');
      if (end === -1) break;
      const line = this.#partial.slice(0, end).replace(/\r$/, '');
      this.#partial = this.#partial.slice(end + 1);
      this.#lines.push(line);
      if (this.#lines.length > MAX_REPLY_LINES)
        throw new Error(`a reply of more than ${MAX_REPLY_LINES} lines`);
      if (isLastReplyLine(line)) {
        const parsed = parseReply(this.#lines);
        this.#lines = [];
        if (!parsed.ok) throw new Error(`malformed reply: ${parsed.reason.message}`);
        this.replies.push(parsed.value);
      }
    }
    if (this.#partial.length > MAX_PARTIAL_OCTETS) throw new Error('a reply line without end of over 64 KiB');
  }

  /** Takes every complete reply. */
  take(): SmtpReply[] {
    return this.replies.splice(0, this.replies.length);
  }

  /** True when text of an unfinished reply is buffered. */
  get pending(): boolean {
    return this.#partial.length > 0 || this.#lines.length > 0;
  }
}

/** Parses text holding whole replies; throws on a malformed one or a trailing partial reply. */
export function parseReplies(text: string): SmtpReply[] {
  const reader = new ReplyReader();
  reader.feed(text);
  if (reader.pending) throw new Error(`an unfinished reply: ${JSON.stringify(text.slice(-80))}`);
  return reader.take();
}
