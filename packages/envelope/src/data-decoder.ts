/**
 * The receiving side of DATA (RFC 5321 4.5.2, 4.1.1.4): removes dot-stuffing and finds the end
 * of the data, streaming over chunks of any size, without copying the message.
 *
 * Only `CRLF . CRLF` ends the data, in every mode. `LF.LF`, `LF.CRLF`, `CR.CRLF`, `CRLF.LF` and
 * the like never do: a server that ends early on them lets a client smuggle a second message past
 * the first one's checks ("SMTP smuggling", CVE-2023-51764 and relatives). Bare CR and LF are
 * normalised to CRLF (Domino `SMTPStrict821LineSyntax=0`, the default) or make the message
 * refused (`=1`).
 */

import { Replies } from './replies.js';
import type { SmtpReply } from './reply.js';

/** Options for {@link createDataDecoder}. */
export interface DataDecoderOptions {
  /**
   * Largest decoded message in octets. Past it, output stops at once (nothing more is handed on
   * or held), the decoder keeps scanning for the end of the data so the session stays in step, and
   * `reply` becomes `552 5.3.4`. Default: no limit here; the server sets its maximum message size.
   * Must be a positive integer or Infinity: 0, NaN and negatives are refused with a RangeError.
   */
  readonly maxSizeBytes?: number;
  /**
   * Domino `SMTPStrict821LineSyntax`. false (default, 0): a bare LF or bare CR is taken as a line
   * end and written as CRLF. true (1): a bare CR or LF makes the message refused with
   * `550 5.6.0`; output stops, scanning goes on to the real end of the data.
   */
  readonly strict821LineSyntax?: boolean;
}

/** What one {@link DataDecoder.write} produced. */
export interface DataChunkResult {
  /**
   * Decoded message octets from this input: views into the input where possible, so hand them on
   * or copy them before reusing the input buffer. Empty once `reply` says the message is refused.
   */
  readonly data: Buffer[];
  /** True when the end of data was found in this input (or earlier). */
  readonly done: boolean;
  /**
   * Input after the end-of-data line: the next commands of a pipelining client. Undefined until
   * done, then possibly empty.
   */
  readonly rest: Buffer | undefined;
}

/** A streaming DATA decoder; make one per message with {@link createDataDecoder}. */
export interface DataDecoder {
  /** Feeds the next chunk from the wire. After the end of data, the whole chunk comes back as `rest`. */
  write(chunk: Uint8Array): DataChunkResult;
  /** True once `CRLF.CRLF` was seen. */
  readonly done: boolean;
  /** Decoded octets so far (counting past the limit, for the log). */
  readonly size: number;
  /** Octets taken off the wire up to and including the end-of-data line. */
  readonly wireSize: number;
  /** Number of bare CR or LF line ends met. */
  readonly bareLineEndings: number;
  /**
   * Why the message must be refused, once known: `552 5.3.4` past `maxSizeBytes`, `550 5.6.0` for a
   * bare line end in strict mode. Undefined while the message is acceptable. Reply with it once
   * `done` is true (the end of data has been read).
   */
  readonly reply: SmtpReply | undefined;
}

const CR = 13;
const LF = 10;
const DOT = 46;
const CR_BUF = Buffer.from([CR]);
const LF_BUF = Buffer.from([LF]);

// States between two input octets.
const TEXT = 0; // inside a line
const AFTER_CR = 1; // a CR was the last octet (already emitted); LF decides whether it was bare
const LINE_START = 2; // after a real CRLF (or at the start): "." may begin the end-of-data line
const BARE_LINE_START = 3; // after a bare line end: "." is unstuffed but never ends the data
const AFTER_DOT = 4; // after CRLF "." (dot dropped)
const AFTER_DOT_CR = 5; // after CRLF "." CR (CR held back)
const DONE = 6;

/**
 * Creates a decoder for one DATA transfer. The state before the first octet is "after CRLF":
 * the CRLF that ended the DATA command line counts, so `.` CRLF at once is an empty message.
 */
export function createDataDecoder(options: DataDecoderOptions = {}): DataDecoder {
  const maxSize = options.maxSizeBytes ?? Number.POSITIVE_INFINITY;
  if (
    typeof maxSize !== 'number' ||
    Number.isNaN(maxSize) ||
    maxSize <= 0 ||
    (Number.isFinite(maxSize) && !Number.isInteger(maxSize))
  ) {
    throw new RangeError(`maxSizeBytes must be a positive integer or Infinity, got ${String(maxSize)}`);
  }
  return new Decoder(maxSize, options.strict821LineSyntax === true);
}

class Decoder implements DataDecoder {
  private state = LINE_START;
  size = 0;
  wireSize = 0;
  bareLineEndings = 0;
  reply: SmtpReply | undefined = undefined;

  constructor(
    private readonly maxSize: number,
    private readonly strict: boolean,
  ) {}

  get done(): boolean {
    return this.state === DONE;
  }

  write(chunk: Uint8Array): DataChunkResult {
    const buf = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.state === DONE) return { data: [], done: true, rest: buf };
    const out: Buffer[] = [];
    const n = buf.length;
    // Where the next CR is (found lazily): the fast path needs it to prove a line has no bare CR.
    let nextCr = -1;
    let produced = 0;
    let from = 0; // start of the run of input octets to emit as they are
    let i = 0;
    let st = this.state;
    let end = -1;
    while (i < n) {
      if (st === TEXT) {
        // The hot loop. Ordinary text is lines ending in CRLF: jump from LF to LF with native
        // indexOf, and prove each line clean by finding its only CR just before the LF. Anything
        // else (a bare CR or LF, a dot at a line start, the chunk's end) falls to the octet-level
        // states below.
        for (;;) {
          const lf = buf.indexOf(LF, i);
          if (nextCr < i) {
            nextCr = buf.indexOf(CR, i);
            if (nextCr < 0) nextCr = n; // none left in this chunk
          }
          if (lf < 0 || nextCr !== lf - 1) {
            // No LF left, or a bare CR or LF comes first: stop at the first CR or LF.
            i = lf < 0 ? nextCr : Math.min(nextCr, lf);
            break;
          }
          i = lf + 1;
          if (i === n || buf[i] === DOT) {
            st = LINE_START;
            break;
          }
        }
        if (st === LINE_START || i === n) continue;
        const c = buf[i];
        if (c === CR) {
          st = AFTER_CR;
          i++;
        } else {
          // Bare LF: emit a CR before it (lenient) and go on as at a line start.
          this.bareLineEnding();
          if (i > from) out.push(buf.subarray(from, i));
          out.push(CR_BUF);
          produced += i - from + 1;
          from = i;
          i++;
          st = BARE_LINE_START;
        }
      } else if (st === AFTER_CR) {
        if (buf[i] === LF) {
          i++;
          st = LINE_START;
        } else {
          // Bare CR: emit an LF after it; this octet starts the next line.
          this.bareLineEnding();
          if (i > from) out.push(buf.subarray(from, i));
          out.push(LF_BUF);
          produced += i - from + 1;
          from = i;
          st = BARE_LINE_START;
        }
      } else if (st === LINE_START || st === BARE_LINE_START) {
        if (buf[i] === DOT) {
          // Drop the dot: it stuffs a line that begins with "." or it begins the end-of-data line.
          if (i > from) out.push(buf.subarray(from, i));
          produced += i - from;
          i++;
          from = i;
          st = st === LINE_START ? AFTER_DOT : TEXT;
        } else {
          st = TEXT;
        }
      } else if (st === AFTER_DOT) {
        if (buf[i] === CR) {
          // Maybe the end. Hold the CR back until the next octet says.
          i++;
          from = i;
          st = AFTER_DOT_CR;
        } else {
          st = TEXT;
        }
      } else {
        // AFTER_DOT_CR
        if (buf[i] === LF) {
          end = i + 1;
          st = DONE;
          from = end;
          break;
        }
        // "." CR <not LF>: the dot was stuffing and the held CR is a bare one.
        this.bareLineEnding();
        out.push(CR_BUF, LF_BUF);
        produced += 2;
        from = i;
        st = BARE_LINE_START;
      }
    }
    if (st !== DONE && n > from) {
      out.push(buf.subarray(from, n));
      produced += n - from;
    }
    this.state = st;
    this.wireSize += end < 0 ? n : end;
    this.size += produced;
    if (this.reply === undefined && this.size > this.maxSize) this.reply = Replies.messageTooBig;
    const refused = this.reply !== undefined;
    return {
      data: refused ? [] : out,
      done: st === DONE,
      rest: st === DONE ? buf.subarray(end) : undefined,
    };
  }

  private bareLineEnding(): void {
    this.bareLineEndings++;
    if (this.strict && this.reply === undefined) this.reply = Replies.bareLineEnding;
  }
}
