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
