import { createHash } from 'node:crypto';

/** SHA-256 of the bytes, upper-case hex in groups of four digits, as Domino's keymgmt lists it. */
export function fingerprint(bytes: Uint8Array): string {
  const hex = createHash('sha256').update(bytes).digest('hex').toUpperCase();
  return hex.match(/.{4}/g)!.join(' ');
}
