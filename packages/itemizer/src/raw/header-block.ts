/**
 * The raw header layer (RFC 5322 section 2.2): a header block is a list of fields, each a name
 * and the raw bytes of its value, folding kept. Nothing is decoded here.
 */

/** One header field as it came: name and the raw value bytes (folding line breaks included). */
export interface RawField {
  /** Field name as written (case kept). */
  readonly name: string;
  /** Raw value bytes after the colon, folded lines joined with their original line breaks. */
  readonly value: Buffer;
}

/** What a single header line is. */
export type HeaderLineKind = 'field' | 'continuation' | 'invalid';

const COLON = 0x3a;

/** Classifies one header line (without its line break). */
export function headerLineKind(line: Buffer): HeaderLineKind {
  if (line.length === 0) return 'invalid';
  const first = line[0] as number;
  if (first === 0x20 || first === 0x09) return 'continuation';
  const colon = line.indexOf(COLON);
  if (colon <= 0) return 'invalid';
  // A field name is printable US-ASCII except colon (RFC 5322 ftext); tolerate trailing
  // whitespace before the colon (obs-optional), which real mailers still write.
  let end = colon;
  while (end > 0 && (line[end - 1] === 0x20 || line[end - 1] === 0x09)) end--;
  if (end === 0) return 'invalid';
  for (let i = 0; i < end; i++) {
    const c = line[i] as number;
    if (c < 33 || c > 126) return 'invalid';
  }
  return 'field';
}

/** Builds fields from the raw lines of a block, each line without its line break but with `\r` stripped. */
export class FieldCollector {
  readonly fields: RawField[] = [];
  private name = '';
  private parts: Buffer[] = [];

  /** Adds a line known to be a field start or a continuation. */
  push(line: Buffer, kind: 'field' | 'continuation'): void {
    if (kind === 'continuation') {
      if (this.parts.length === 0) {
        // A continuation before any field: keep it as a nameless field so nothing is lost.
        this.name = '';
      }
      this.parts.push(Buffer.from('\r\n'), line);
      return;
    }
    this.flush();
    const colon = line.indexOf(COLON);
    this.name = line.subarray(0, colon).toString('latin1').trimEnd();
    this.parts.push(line.subarray(colon + 1));
  }

  /** Ends the block. */
  finish(): RawField[] {
    this.flush();
    return this.fields;
  }

  private flush(): void {
    if (this.parts.length === 0) return;
    const value = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts);
    if (this.name !== '') this.fields.push({ name: this.name, value: Buffer.from(value) });
    this.parts = [];
    this.name = '';
  }
}
