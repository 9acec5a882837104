import { createHash, type Hash } from 'node:crypto';

/** A body canonicalization algorithm of RFC 6376 section 3.4. */
export type BodyCanonicalization = 'simple' | 'relaxed';

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;

// A run of CRLFs handed to the hash in one update when many empty lines are released at once.
const CRLF_RUN = Buffer.from('\r\n'.repeat(512), 'latin1');

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
  #pendingLines = 0;
  #pendingWsp = false;
  #pendingCr = false;
  #finished: Buffer | undefined;

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
    // Line ends never go through `out`; a held CR and a held space from the last chunk add two bytes.
    const out = Buffer.allocUnsafe(chunk.length + 2);
    let o = 0;
    const relaxed = this.#relaxed;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (this.#pendingCr) {
        this.#pendingCr = false;
        if (c === LF) {
          this.#lineEnd();
          continue;
        }
        // A CR that does not start a line end is ordinary content.
        o = this.#content(out, o, CR);
      }
      if (c === CR) {
        this.#pendingCr = true;
      } else if (c === LF) {
        this.#lineEnd();
      } else if (relaxed && (c === SP || c === HTAB)) {
        this.#pendingWsp = true;
      } else {
        o = this.#content(out, o, c);
      }
    }
    this.#write(out.subarray(0, o));
  }

  /** Ends the body and returns the SHA-256 of its canonical form (the bh= value, raw). */
  digest(): Buffer {
    if (this.#finished) return this.#finished;
    if (this.#pendingCr) {
      this.#pendingCr = false;
      const out = Buffer.allocUnsafe(4);
      this.#write(out.subarray(0, this.#content(out, 0, CR)));
    }
    // Both algorithms end a non-empty body with exactly one CRLF; simple turns an empty body into CRLF,
    // relaxed leaves it empty (RFC 6376 3.4.3 and 3.4.4, errata 3192).
    if (this.#emitted > 0 || !this.#relaxed) this.#write(CRLF_RUN.subarray(0, 2));
    this.#finished = this.#hash.digest();
    return this.#finished;
  }

  #lineEnd(): void {
    this.#pendingWsp = false; // whitespace at the end of a line is dropped (relaxed only sets it)
    this.#pendingLines++;
  }

  #content(out: Buffer, o: number, c: number): number {
    if (this.#pendingLines > 0) {
      // Flush what we have, then release the held line ends in bulk (there may be millions).
      this.#write(out.subarray(0, o));
      o = 0;
      let n = this.#pendingLines;
      this.#pendingLines = 0;
      while (n > 0) {
        const take = Math.min(n, CRLF_RUN.length / 2);
        this.#write(CRLF_RUN.subarray(0, take * 2));
        n -= take;
      }
    }
    if (this.#pendingWsp) {
      this.#pendingWsp = false;
      out[o++] = SP;
    }
    out[o++] = c;
    return o;
  }

  #write(bytes: Buffer): void {
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
