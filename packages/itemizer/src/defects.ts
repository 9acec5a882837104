/**
 * Defects: what the parser met in a message that does not follow the RFCs. A defect never stops
 * parsing; it is recorded beside a usable result (go-message's habit: trouble reported next to
 * the value, not instead of it).
 */

/** The kinds of defect the itemizer records. */
export type DefectCode =
  | 'missing-final-boundary'
  | 'missing-start-boundary'
  | 'multipart-without-boundary'
  | 'missing-header-body-separator'
  | 'invalid-header-line'
  | 'preamble-truncated'
  | 'header-block-too-large'
  | 'too-many-parts'
  | 'nesting-too-deep'
  | 'invalid-base64'
  | 'invalid-quoted-printable'
  | 'unknown-transfer-encoding'
  | 'bare-lf'
  | 'nul-byte'
  | 'undeclared-8bit'
  | 'unknown-charset'
  | 'duplicate-header'
  | 'missing-header'
  | 'invalid-date'
  | 'invalid-address'
  | 'invalid-notes-item'
  | 'mbox-from-line'
  | 'tnef-invalid'
  | 'tnef-checksum'
  | 'tnef-truncated'
  | 'tnef-trailing-data'
  | 'tnef-rtf'
  | 'tnef-smime-untouched'
  | 'smime-signature-broken';

/** One defect found in a message. */
export interface Defect {
  /** Machine-readable kind. */
  readonly code: DefectCode;
  /** Human-readable detail. */
  readonly message: string;
  /** The MIME part it was found in, as a dotted path ("" is the message itself, "1.2" the second child of the first). */
  readonly part: string;
}

/** Collects defects, each distinct (code, part, message) once, so a broken 50 MB part cannot flood the list. */
export class DefectLog {
  readonly list: Defect[] = [];
  private readonly seen = new Set<string>();

  add(code: DefectCode, message: string, part: string): void {
    const key = `${code}\u0000${part}\u0000${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.list.push({ code, message, part });
  }
}
