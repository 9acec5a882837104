/**
 * Content-Transfer-Encoding decoders (RFC 2045 section 6), streamed: each takes raw body chunks
 * and returns the decoded bytes available so far, carrying at most a few bytes between chunks.
 */

/** A streaming Content-Transfer-Encoding decoder. */
export interface ContentTransferDecoder {
  /** Decodes one chunk; the result may be empty. */
  write(chunk: Buffer): Buffer;
  /** Flushes what is left at the end of the body. */
  end(): Buffer;
  /** Set when the input was not valid for the encoding (decoding went on as well as it could). */
  readonly invalid: string | undefined;
}

/** The decoder for a declared transfer encoding; `undefined` when the name is not one RFC 2045 defines. */
export function contentTransferDecoder(encoding: string): ContentTransferDecoder | undefined {
  switch (encoding) {
    case 'base64':
      return new Base64Decoder();
    case 'quoted-printable':
      return new QuotedPrintableDecoder();
    case '7bit':
    case '8bit':
    case 'binary':
    case '':
      return new IdentityDecoder();
    default:
      return undefined;
  }
}

/** 7bit, 8bit and binary: the bytes are the content. */
export class IdentityDecoder implements ContentTransferDecoder {
  readonly invalid = undefined;
  write(chunk: Buffer): Buffer {
    return chunk;
  }
  end(): Buffer {
    return EMPTY;
  }
}

const EMPTY = Buffer.alloc(0);

/** 1 = base64 alphabet, 2 = whitespace (ignored silently), 3 = padding, 0 = invalid. */
const B64_CLASS = (() => {
  const t = new Uint8Array(256);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < alphabet.length; i++) t[alphabet.charCodeAt(i)] = 1;
  for (const c of [0x20, 0x09, 0x0d, 0x0a]) t[c] = 2;
  t[0x3d] = 3;
  return t;
})();

const NOT_CLEAN = /[^A-Za-z0-9+/\r\n]/;

/** Base64: invalid characters are skipped (with a defect), quanta are kept whole across chunks. */
export class Base64Decoder implements ContentTransferDecoder {
  invalid: string | undefined;
  private rest = EMPTY;

  write(chunk: Buffer): Buffer {
    const fast = this.writeClean(chunk);
    return fast ?? this.writeAny(chunk);
  }

  /**
   * Fast path for the common case, a chunk of alphabet characters and line breaks only: Node's
   * decoder skips the line breaks itself, so only the quantum cut at the end needs finding.
   */
  private writeClean(chunk: Buffer): Buffer | undefined {
    const text = chunk.toString('latin1');
    if (NOT_CLEAN.test(text)) return undefined;
    let breaks = 0;
    for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) breaks++;
    for (let i = chunk.indexOf(0x0d); i !== -1; i = chunk.indexOf(0x0d, i + 1)) breaks++;
    const total = this.rest.length + text.length - breaks;
    let extra = total % 4;
    let cut = text.length;
    while (extra > 0 && cut > 0) {
      const c = text.charCodeAt(--cut);
      if (c !== 0x0a && c !== 0x0d) extra--;
    }
    if (extra > 0) {
      // Fewer new characters than the quantum remainder: keep them all for the next chunk.
      this.rest = Buffer.from(this.rest.toString('latin1') + text.replace(/[\r\n]/g, ''), 'latin1');
      return EMPTY;
    }
    const head =
      this.rest.length > 0 ? this.rest.toString('latin1') + text.slice(0, cut) : text.slice(0, cut);
    this.rest = cut < text.length ? Buffer.from(text.slice(cut).replace(/[\r\n]/g, ''), 'latin1') : EMPTY;
    return Buffer.from(head, 'base64');
  }

  private writeAny(chunk: Buffer): Buffer {
    const restLen = this.rest.length;
    const out = Buffer.allocUnsafe(chunk.length * 2 + restLen + 4);
    if (restLen > 0) this.rest.copy(out, 0);
    let n = restLen;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i] as number;
      const k = B64_CLASS[c];
      if (k === 1) out[n++] = c;
      else if (k === 3) {
        // Padding: complete the current quantum so every padded quantum stands whole, whatever
        // the chunking ("QQ==QUJD" from concatenated encoders decodes as two runs).
        const r = n % 4;
        if (r === 2) {
          out[n++] = 0x3d;
          out[n++] = 0x3d;
        } else if (r === 3) {
          out[n++] = 0x3d;
        } else if (r === 1) {
          n--;
          this.invalid ??= 'padding after a single base64 character';
        }
      } else if (k === 0 && this.invalid === undefined)
        this.invalid = 'characters outside the base64 alphabet';
    }
    const whole = n - (n % 4);
    this.rest = whole < n ? Buffer.from(out.subarray(whole, n)) : EMPTY;
    return whole === 0 ? EMPTY : decodeQuanta(out, whole);
  }

  end(): Buffer {
    const rest = this.rest;
    this.rest = EMPTY;
    if (rest.length === 0) return EMPTY;
    if (rest.length === 1) {
      this.invalid ??= 'truncated base64 (a single character left over)';
      return EMPTY;
    }
    this.invalid ??= 'base64 without its final padding';
    return Buffer.from(rest.toString('latin1'), 'base64');
  }
}

function decodeQuanta(out: Buffer, len: number): Buffer {
  // Padding in the middle ("QQ==QUJD", concatenated encoders) stops Node's decoder; decode
  // each padded run separately so no data after it is lost.
  const pad = out.indexOf(0x3d);
  if (pad === -1 || pad >= len - 2) return Buffer.from(out.toString('latin1', 0, len), 'base64');
  const pieces: Buffer[] = [];
  let start = 0;
  for (let q = 0; q < len; q += 4) {
    if (out[q + 3] === 0x3d || out[q + 2] === 0x3d) {
      pieces.push(Buffer.from(out.toString('latin1', start, q + 4), 'base64'));
      start = q + 4;
    }
  }
  if (start < len) pieces.push(Buffer.from(out.toString('latin1', start, len), 'base64'));
  return Buffer.concat(pieces);
}

/** White space held back at a chunk end waiting for its line end, at most (longer runs are text). */
const MAX_HELD_WHITESPACE = 1024;

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/**
 * Quoted-printable: `=XX` escapes, `=` at line end as a soft break; a malformed escape is kept
 * as literal text (with a defect), as RFC 2045 6.7 note (2) suggests.
 */
export class QuotedPrintableDecoder implements ContentTransferDecoder {
  invalid: string | undefined;
  private rest = EMPTY;

  write(chunk: Buffer): Buffer {
    const buf = this.rest.length > 0 ? Buffer.concat([this.rest, chunk]) : chunk;
    this.rest = EMPTY;
    return this.decode(buf, false);
  }

  end(): Buffer {
    const rest = this.rest;
    this.rest = EMPTY;
    return rest.length === 0 ? EMPTY : this.decode(rest, true);
  }

  private decode(buf: Buffer, final: boolean): Buffer {
    const out = Buffer.allocUnsafe(buf.length);
    let n = 0;
    let i = 0;
    const len = buf.length;
    while (i < len) {
      const eq = buf.indexOf(0x3d, i);
      const stop = eq === -1 ? len : eq;
      if (stop > i) n = this.literal(buf, i, stop, eq === -1, final, out, n);
      if (eq === -1) break;
      // buf[eq] is '='
      if (eq + 2 >= len && !final) {
        // Incomplete escape or soft break at the chunk end: wait for more.
        this.rest = Buffer.from(buf.subarray(eq));
        break;
      }
      const a = eq + 1 < len ? (buf[eq + 1] as number) : -1;
      const b = eq + 2 < len ? (buf[eq + 2] as number) : -1;
      if (a === 0x0a) {
        i = eq + 2;
        continue;
      }
      if (a === 0x0d && b === 0x0a) {
        i = eq + 3;
        continue;
      }
      const hi = a >= 0 ? hexValue(a) : -1;
      const lo = b >= 0 ? hexValue(b) : -1;
      if (hi >= 0 && lo >= 0) {
        out[n++] = (hi << 4) | lo;
        i = eq + 3;
        continue;
      }
      if (a === 0x20 || a === 0x09) {
        // "=   \r\n": a soft break followed by transport padding.
        let j = eq + 1;
        while (j < len && (buf[j] === 0x20 || buf[j] === 0x09)) j++;
        if ((j >= len || (buf[j] === 0x0d && j + 1 >= len)) && !final) {
          this.rest = Buffer.from(buf.subarray(eq));
          break;
        }
        if (buf[j] === 0x0a || (buf[j] === 0x0d && buf[j + 1] === 0x0a)) {
          i = buf[j] === 0x0a ? j + 1 : j + 2;
          continue;
        }
      }
      this.invalid ??= 'malformed quoted-printable escape';
      out[n++] = 0x3d;
      i = eq + 1;
    }
    return out.subarray(0, n);
  }

  /**
   * Copies literal text, deleting white space at the end of each encoded line (RFC 2045 6.7
   * rule 3: transport may add it, decoders must delete it). At the end of a chunk (`atEnd`) a run
   * of white space (maybe with a CR) could end its line in the next chunk: it waits in `rest`;
   * at the end of the body it is trailing and is deleted.
   */
  private literal(
    buf: Buffer,
    from: number,
    to: number,
    atEnd: boolean,
    final: boolean,
    out: Buffer,
    n: number,
  ): number {
    let s = from;
    for (;;) {
      const nl = buf.indexOf(0x0a, s);
      if (nl === -1 || nl >= to) break;
      let e = nl > s && buf[nl - 1] === 0x0d ? nl - 1 : nl;
      const lineEnd = e;
      while (e > s && (buf[e - 1] === 0x20 || buf[e - 1] === 0x09)) e--;
      buf.copy(out, n, s, e);
      n += e - s;
      buf.copy(out, n, lineEnd, nl + 1);
      n += nl + 1 - lineEnd;
      s = nl + 1;
    }
    if (!atEnd) {
      // White space before "=" is inside the line: kept.
      buf.copy(out, n, s, to);
      return n + to - s;
    }
    let e = to;
    const cr = e > s && buf[e - 1] === 0x0d;
    if (cr) e--;
    while (e > s && (buf[e - 1] === 0x20 || buf[e - 1] === 0x09)) e--;
    if (!final && (cr || e < to)) {
      // A run longer than any line could be is text, not padding: passed on, so memory stays
      // bounded on hostile input.
      if (to - e > MAX_HELD_WHITESPACE) {
        buf.copy(out, n, s, to);
        return n + to - s;
      }
      buf.copy(out, n, s, e);
      this.rest = Buffer.from(buf.subarray(e, to));
      return n + e - s;
    }
    buf.copy(out, n, s, e);
    n += e - s;
    if (cr) out[n++] = 0x0d;
    return n;
  }
}
