/**
 * The header block of a stored message as raw fields: where it ends, each field's name and
 * unfolded value, and a copy of the message without some fields. Works on bytes (latin1 view), so
 * 8-bit and SMTPUTF8 headers pass through unchanged; the body is never touched.
 */

/** One raw header field. */
export interface RawField {
  /** The name as written. */
  readonly name: string;
  /** The value with folding removed (CRLF/LF + WSP joined), without the leading space. */
  readonly value: string;
  /** Byte offsets of the whole field in the message, its line end included. */
  readonly start: number;
  readonly end: number;
}

/** The offset just after the blank line that ends the header block (the message length if none). */
export function headerEnd(message: Uint8Array): number {
  const n = message.length;
  let lineStart = 0;
  for (let i = 0; i < n; i++) {
    if (message[i] !== 0x0a) continue;
    const lineLength = i - lineStart - (i > lineStart && message[i - 1] === 0x0d ? 1 : 0);
    if (lineLength === 0) return i + 1;
    lineStart = i + 1;
  }
  return n;
}

/** The fields of the header block, in order. Lines that are not fields (no colon) are skipped. */
export function headerFields(message: Uint8Array): RawField[] {
  const end = headerEnd(message);
  const text = Buffer.from(message.buffer, message.byteOffset, end).toString('latin1');
  const fields: RawField[] = [];
  let i = 0;
  while (i < text.length) {
    let j = text.indexOf('\n', i);
    // The field continues while the next line starts with a space or a tab (folding).
    while (j !== -1 && j + 1 < text.length && (text[j + 1] === ' ' || text[j + 1] === '\t'))
      j = text.indexOf('\n', j + 1);
    const stop = j === -1 ? text.length : j + 1;
    const raw = text.slice(i, stop);
    const colon = raw.indexOf(':');
    if (colon > 0 && raw.trim() !== '') {
      fields.push({
        name: raw.slice(0, colon).trim(),
        value: raw
          .slice(colon + 1)
          .replace(/\r?\n(?=[ \t])/g, '')
          .replace(/\r?\n$/, '')
          .trim(),
        start: i,
        end: stop,
      });
    }
    i = stop;
  }
  return fields;
}

/** The unfolded value of the first field called `name` (case ignored), or undefined. */
export function headerValue(message: Uint8Array, name: string): string | undefined {
  const lower = name.toLowerCase();
  return headerFields(message).find((f) => f.name.toLowerCase() === lower)?.value;
}

/**
 * The message with the fields for which `replace` returns a string rewritten to it (`''` drops
 * the field); everything else is byte for byte the same. Returns the input when nothing changes.
 */
export function rewriteFields(
  message: Uint8Array,
  replace: (field: RawField) => string | undefined,
): Uint8Array {
  const parts: Uint8Array[] = [];
  let at = 0;
  let changed = false;
  for (const field of headerFields(message)) {
    const next = replace(field);
    if (next === undefined) continue;
    changed = true;
    parts.push(message.subarray(at, field.start), Buffer.from(next, 'latin1'));
    at = field.end;
  }
  if (!changed) return message;
  parts.push(message.subarray(at));
  return Buffer.concat(parts);
}
