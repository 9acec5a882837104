/**
 * The bytes a session has read and not yet used, with the two ways SMTP consumes them: command
 * lines (bounded by `SMTPMaxCommandLength` while reading, so an endless line never accumulates)
 * and raw octets (DATA through the envelope decoder, BDAT by count).
 */

/** What {@link InputBuffer.readLine} found. */
export type LineResult =
  | { readonly kind: 'line'; readonly line: string }
  /** A line longer than the maximum: its bytes were dropped up to and including its LF. */
  | { readonly kind: 'too-long' }
  /** A line ended by a bare LF while CRLF is required (`SMTPStrict821LineSyntax=1`). */
  | { readonly kind: 'bare-lf' };

const LF = 10;
const CR = 13;
const EMPTY = Buffer.alloc(0);

/** Pending input of one session. */
export class InputBuffer {
  private buf: Buffer = EMPTY;
  private pos = 0;
  /** True while the rest of an over-long line is being dropped. */
  private discarding = false;

  /** Octets waiting. */
  get length(): number {
    return this.buf.length - this.pos;
  }

  /** Appends what the socket delivered. Copies only when unread bytes remain. */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.pos >= this.buf.length) {
      this.buf = chunk;
      this.pos = 0;
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]);
      this.pos = 0;
    }
  }

  /** Puts bytes back in front (the pipelined rest after the end of DATA). */
  unshift(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.buf = this.length === 0 ? chunk : Buffer.concat([chunk, this.buf.subarray(this.pos)]);
    this.pos = 0;
  }

  /** Drops everything waiting: the plaintext pipelined after STARTTLS is never executed. */
  clear(): number {
    const dropped = this.length;
    this.buf = EMPTY;
    this.pos = 0;
    this.discarding = false;
    return dropped;
  }

  /** Takes up to `n` octets (BDAT). */
  take(n: number): Buffer {
    const end = Math.min(this.buf.length, this.pos + n);
    const out = this.buf.subarray(this.pos, end);
    this.pos = end;
    return out;
  }

  /** Takes every octet waiting (fed to the DATA decoder, which hands back the rest). */
  takeAll(): Buffer {
    const out = this.buf.subarray(this.pos);
    this.buf = EMPTY;
    this.pos = 0;
    return out;
  }

  /**
   * Reads the next line, without its line end. `maxOctets` excludes the CRLF. With `strict`,
   * only CRLF ends a line (a bare LF gives `bare-lf`); otherwise LF ends it and a CR before it is
   * dropped. Returns undefined when no complete line is waiting; then at most `maxOctets + 2`
   * octets are kept, the rest of an over-long line being dropped as it comes.
   */
  readLine(maxOctets: number, strict: boolean): LineResult | undefined {
    for (;;) {
      const lf = this.buf.indexOf(LF, this.pos);
      if (this.discarding) {
        if (lf < 0) {
          this.clear();
          this.discarding = true;
          return undefined;
        }
        this.pos = lf + 1;
        this.discarding = false;
        return { kind: 'too-long' };
      }
      if (lf < 0) {
        if (this.length > maxOctets + 2) {
          this.clear();
          this.discarding = true;
        }
        return undefined;
      }
      const start = this.pos;
      this.pos = lf + 1;
      const hasCr = lf > start && this.buf[lf - 1] === CR;
      const end = hasCr ? lf - 1 : lf;
      if (end - start > maxOctets) return { kind: 'too-long' };
      if (strict && !hasCr) return { kind: 'bare-lf' };
      return { kind: 'line', line: this.buf.toString('utf8', start, end) };
    }
  }
}
