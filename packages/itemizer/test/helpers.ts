// Test helpers: messages as literal lines joined with CRLF (or LF), and a hash.
import { createHash } from 'node:crypto';

/** Joins lines with CRLF. */
export function crlf(...lines: string[]): Buffer {
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

/** Joins lines with bare LF. */
export function lf(...lines: string[]): Buffer {
  return Buffer.from(lines.join('\n'), 'utf8');
}

/** SHA-256 hex. */
export function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** A seeded PRNG (mulberry32), so fuzz runs repeat exactly. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
