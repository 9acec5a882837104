/**
 * Small helpers of the boundary scanner (RFC 2046 5.1.1): where a delimiter line's preceding
 * line break starts, whether a line tail is only transport padding, and whether the bytes at a
 * chunk's end could still become a delimiter line.
 */

const CR = 0x0d;
const DASH = 0x2d;

/** Transport padding allowed after a boundary before the scanner stops waiting for its line end. */
export const PADDING_SLACK = 200;

/** Start of the line break that precedes the line starting at `ls` (the break belongs to the boundary). */
export function lineBreakStart(buf: Buffer, ls: number, min: number): number {
  let e = ls - 1;
  if (e - 1 >= min && buf[e - 1] === CR) e--;
  return Math.max(e, min);
}

export function onlySpace(buf: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = buf[i];
    if (c !== 0x20 && c !== 0x09 && c !== CR) return false;
  }
  return true;
}

export function couldStartDelimiter(buf: Buffer, at: number, maxDelim: number): boolean {
  const len = buf.length - at;
  if (len === 0) return true;
  if (buf[at] !== DASH) return false;
  return len === 1 || (buf[at + 1] === DASH && len <= maxDelim + PADDING_SLACK);
}
