/**
 * The sending side of DATA (RFC 5321 4.5.2): dot-stuffs every line that begins with ".", turns
 * bare LF and bare CR into CRLF, and appends the end-of-data line. Whatever the message holds,
 * the bytes it writes end the data exactly once, at the end: a stored message that contains
 * `LF.LF` or `CR.CRLF` cannot cut a relayed transfer short downstream.
 */

/** A streaming DATA encoder; make one per message with {@link createDataEncoder}. */
export interface DataEncoder {
  /** Encodes the next chunk of the message. Returns the input itself when nothing had to change. */
  encode(chunk: Uint8Array): Buffer;
  /** Ends the message: completes a last line without CRLF and appends `.` CRLF. */
  end(): Buffer;
}

const CR = 13;
const LF = 10;
const DOT = 46;
const CRLF = Buffer.from('\r\n');
const DOT_BUF = Buffer.from('.');
const LF_BUF = Buffer.from('\n');

/** Creates an encoder for one message. */
export function createDataEncoder(): DataEncoder {
  let lineStart = true; // before the first octet, as after a CRLF
  let afterCr = false; // the last octet was a CR whose LF has not been seen yet
  let ended = false;

  return {
    encode(chunk: Uint8Array): Buffer {
      if (ended) throw new Error('DataEncoder.encode() after end()');
      const buf = Buffer.isBuffer(chunk)
        ? chunk
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      const n = buf.length;
      let pieces: Buffer[] | undefined;
      let from = 0;
      let i = 0;
      while (i < n) {
        const c = buf[i];
        if (afterCr) {
          afterCr = false;
          if (c === LF) {
            lineStart = true;
            i++;
            continue;
          }
          // Bare CR: complete it to CRLF; this octet starts a new line.
          pieces ??= [];
          pieces.push(buf.subarray(from, i), LF_BUF);
          from = i;
          lineStart = true;
          continue;
        }
        if (lineStart && c === DOT) {
          pieces ??= [];
          pieces.push(buf.subarray(from, i), DOT_BUF); // the stuffed extra dot
          from = i;
        }
        lineStart = false;
        if (c === CR) {
          afterCr = true;
        } else if (c === LF) {
          // Bare LF: put a CR before it.
          pieces ??= [];
          pieces.push(buf.subarray(from, i), CRLF);
          from = i + 1;
          lineStart = true;
        } else {
          // Skip ahead to the next octet that matters.
          let j = i + 1;
          while (j < n) {
            const d = buf[j];
            if (d === CR || d === LF) break;
            j++;
          }
          i = j;
          continue;
        }
        i++;
      }
      if (pieces === undefined) return buf;
      pieces.push(buf.subarray(from, n));
      return Buffer.concat(pieces);
    },

    end(): Buffer {
      if (ended) throw new Error('DataEncoder.end() called twice');
      ended = true;
      if (afterCr) return Buffer.from('\n.\r\n');
      return lineStart ? Buffer.from('.\r\n') : Buffer.from('\r\n.\r\n');
    },
  };
}
