import { createHash, type Hash } from 'node:crypto';

/** A body canonicalization algorithm of RFC 6376 section 3.4. */
export type BodyCanonicalization = 'simple' | 'relaxed';

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;

// A run of CRLFs handed to the hash in one update when many empty lines are released at once.
const CRLF_RUN = Buffer.from('\r\n'.repeat(512), 'latin1');
// Held line ends released inside the output buffer; longer runs go through CRLF_RUN.
const RELEASE_INLINE = 64;

// Byte classes, per algorithm: whitespace is content under simple. Constant tables, never written.
const CONTENT = 0;
const WSP = 1;
const LINE = 2;
function byteKinds(relaxed: boolean): Uint8Array {
  const t = new Uint8Array(256);
  t[CR] = LINE;
  t[LF] = LINE;
  if (relaxed) {
    t[SP] = WSP;
    t[HTAB] = WSP;
  }
  return t;
}
const RELAXED_KIND = byteKinds(true);
const SIMPLE_KIND = byteKinds(false);

/**
 * Streaming body hasher: canonicalizes the body as it arrives and feeds SHA-256, so the body is
 * read once and never held in memory. Empty lines are held back (as a count, not bytes) until
 * non-empty content follows, because trailing empty lines are ignored by both algorithms.
 * Bare LF is taken as a line end (as CRLF), which is what a message read from a Unix file means.
 */
export class BodyHasher {
  readonly canonicalization: BodyCanonicalization;
  readonly #hash: Hash;
  readonly #limit: number;
  #relaxed: boolean;
  #emitted = 0;
  readonly #state: HeldState = { lines: 0, wsp: false, cr: false };
  readonly #sink = (bytes: Uint8Array): void => this.#write(bytes);
  #finished: Buffer | undefined;
  // Output buffer for changed bytes and short runs, flushed to the hash whenever it fills up.
  readonly #scratch: Buffer = Buffer.allocUnsafe(SCRATCH_BYTES);

  /**
   * @param canonicalization - simple or relaxed.
   * @param limit - hash only the first `limit` canonical bytes (the l= tag); Infinity for all.
   */
  constructor(canonicalization: BodyCanonicalization, limit = Number.POSITIVE_INFINITY) {
    this.canonicalization = canonicalization;
    this.#relaxed = canonicalization === 'relaxed';
    this.#limit = limit;
    this.#hash = createHash('sha256');
  }

  /** Canonical body bytes produced so far (including bytes past the l= limit). */
  get canonicalLength(): number {
    return this.#emitted;
  }

  /** Feeds the next piece of the body, in any split. */
  update(chunk: Uint8Array): void {
    if (this.#finished) throw new Error('BodyHasher: update after digest');
    canonicalizeChunk(chunk, this.#scratch, this.#state, this.#relaxed, this.#sink);
  }

  /** Ends the body and returns the SHA-256 of its canonical form (the bh= value, raw). */
  digest(): Buffer {
    if (this.#finished) return this.#finished;
    const st = this.#state;
    if (st.cr) {
      // A CR at the very end is content: release what is held before it, then the CR.
      this.#writeLineEnds(st.lines);
      this.#write(Buffer.from(st.wsp ? ' \r' : '\r', 'latin1'));
      st.cr = false;
      st.wsp = false;
      st.lines = 0;
    }
    // Both algorithms end a non-empty body with exactly one CRLF; simple turns an empty body into CRLF,
    // relaxed leaves it empty (RFC 6376 3.4.3 and 3.4.4, errata 3192).
    if (this.#emitted > 0 || !this.#relaxed) this.#write(CRLF_RUN.subarray(0, 2));
    this.#finished = this.#hash.digest();
    return this.#finished;
  }

  #writeLineEnds(n: number): void {
    while (n > 0) {
      const take = Math.min(n, CRLF_RUN.length / 2);
      this.#write(CRLF_RUN.subarray(0, take * 2));
      n -= take;
    }
  }

  #write(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const room = this.#limit - this.#emitted;
    if (room >= bytes.length) this.#hash.update(bytes);
    else if (room > 0) this.#hash.update(bytes.subarray(0, room));
    this.#emitted += bytes.length;
  }
}

/** The hash of a whole body in one call (convenience for small bodies and tests). */
export function bodyHash(body: Uint8Array, canonicalization: BodyCanonicalization, limit?: number): Buffer {
  const h = new BodyHasher(canonicalization, limit);
  h.update(body);
  return h.digest();
}

/** What is held back between bytes (and between chunks): line ends, reduced whitespace, a CR. */
interface HeldState {
  lines: number;
  wsp: boolean;
  cr: boolean;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Skips 32-bit words (little-endian) that relaxed canonicalization leaves unchanged: no byte below
 * 0x20, no two spaces in a row, and a final space only when the next byte is content. The bit
 * tests may flag a word that is fine (then the byte loop looks at it); they never pass a word that
 * is not. Returns the index of the first word not skipped.
 */
function skipRelaxedWords(words: Uint32Array, wi: number, wend: number): number {
  for (; wi < wend; wi++) {
    const w = words[wi]!;
    if (((w - 0x20202020) & ~w & 0x80808080) !== 0) return wi; // a byte below 0x20: TAB, CR, LF
    const s = w ^ 0x20202020;
    const spaces = (s - 0x01010101) & ~s & 0x80808080; // marks every space (and maybe a byte above one)
    if (spaces !== 0) {
      if ((spaces & (spaces >>> 8)) !== 0) return wi; // two adjacent marks: perhaps two spaces
      if (w >>> 24 === SP && (wi + 1 >= wend || (words[wi + 1]! & 0xff) <= SP)) return wi;
    }
  }
  return wi;
}

/** Skips words simple canonicalization leaves unchanged: no byte below 0x0e (so no CR or LF). */
function skipSimpleWords(words: Uint32Array, wi: number, wend: number): number {
  for (; wi < wend; wi++) {
    const w = words[wi]!;
    if (((w - 0x0e0e0e0e) & ~w & 0x80808080) !== 0) return wi;
  }
  return wi;
}

// Size of the output buffer (small enough for Node's pooled allocation); must exceed
// DIRECT_RUN + 2 * RELEASE_INLINE + 8.
const SCRATCH_BYTES = 1024;

// Verbatim runs at least this long are hashed straight from the input; shorter ones are copied
// into the output buffer, because a hash update costs more than copying a few bytes.
const DIRECT_RUN = 256;

/**
 * The canonicalization state machine over one chunk. Bytes that the algorithm leaves unchanged
 * (content, a single space before content, a CRLF before content) are not copied one by one: they
 * form verbatim runs handed to `sink` in bulk. Only what changes (whitespace runs, trailing
 * whitespace, bare LF, held line ends) goes through `out`. A plain function with local
 * variables, because this loop is where most of the signing time goes.
 */
function canonicalizeChunk(
  chunk: Uint8Array,
  out: Buffer,
  state: HeldState,
  relaxed: boolean,
  sink: (bytes: Uint8Array) => void,
): void {
  const kind = relaxed ? RELAXED_KIND : SIMPLE_KIND;
  const n = chunk.length;
  let o = 0;
  let lines = state.lines;
  let wsp = state.wsp;
  let cr = state.cr;
  let held = lines > 0 || wsp || cr;
  let run = 0; // start of the current verbatim run (meaningful while !held)
  const room = out.length - 2 * RELEASE_INLINE - 8;
  const emitRun = (from: number, to: number): void => {
    if (to - from >= DIRECT_RUN) {
      if (o > 0) sink(out.subarray(0, o));
      o = 0;
      sink(chunk.subarray(from, to));
    } else {
      if (o + (to - from) > room) {
        sink(out.subarray(0, o));
        o = 0;
      }
      for (let k = from; k < to; k++) out[o++] = chunk[k]!;
    }
  };
  // Writes the held line ends and space; leaves room for at least one more byte in `out`.
  const release = (): void => {
    if (o > room) {
      sink(out.subarray(0, o));
      o = 0;
    }
    if (lines > RELEASE_INLINE) {
      if (o > 0) sink(out.subarray(0, o));
      o = 0;
      while (lines > 0) {
        const take = Math.min(lines, CRLF_RUN.length / 2);
        sink(CRLF_RUN.subarray(0, take * 2));
        lines -= take;
      }
    }
    for (; lines > 0; lines--) {
      out[o++] = CR;
      out[o++] = LF;
    }
    if (wsp) out[o++] = SP;
    wsp = false;
  };
  // Word-at-a-time skipping over the ArrayBuffer (little-endian machines, chunks worth it).
  const off = chunk.byteOffset;
  const words =
    LITTLE_ENDIAN && n >= 64 ? new Uint32Array(chunk.buffer, 0, chunk.buffer.byteLength >>> 2) : undefined;
  const wend = (off + n) >>> 2;
  const skipWords = relaxed ? skipRelaxedWords : skipSimpleWords;
  outer: for (let i = 0; i < n; i++) {
    let c = chunk[i]!;
    if (!held) {
      // The hot loop: skip what stays as it is (content, one space before content, CRLF before
      // content), four bytes at a time where possible.
      for (;;) {
        if (words !== undefined && ((off + i) & 3) === 0) {
          i = (skipWords(words, (off + i) >>> 2, wend) << 2) - off;
          if (i >= n) break outer;
          c = chunk[i]!;
        }
        if (c > SP || kind[c] === CONTENT) {
          if (++i >= n) break outer;
          c = chunk[i]!;
          continue;
        }
        if (i + 2 < n) {
          const d = chunk[i + 1]!;
          const wsp1 = c === SP; // a single space before content stays (a tab would become a space)
          if (wsp1 ? kind[d] === CONTENT : c === CR && d === LF && kind[chunk[i + 2]!] === CONTENT) {
            i += wsp1 ? 2 : 3;
            if (i >= n) break outer;
            c = chunk[i]!;
            continue;
          }
        }
        break;
      }
      emitRun(run, i);
    }
    if (c === LF) {
      // CRLF or a bare LF: a line end. Whitespace before it is dropped (only relaxed sets wsp).
      cr = false;
      wsp = false;
      lines++;
      held = true;
      continue;
    }
    if (cr) {
      // The held CR was not followed by LF, so it is content.
      cr = false;
      release();
      out[o++] = CR;
      held = false;
      run = i;
    }
    if (c === CR) {
      cr = true;
      held = true;
      continue;
    }
    if (kind[c] === WSP) {
      wsp = true;
      held = true;
      continue;
    }
    // Content after something held: release it, and start a verbatim run here.
    release();
    held = false;
    run = i;
  }
  if (!held) emitRun(run, n);
  if (o > 0) sink(out.subarray(0, o));
  state.lines = lines;
  state.wsp = wsp;
  state.cr = cr;
}
