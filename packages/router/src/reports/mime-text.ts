/**
 * The few MIME encodings a report needs, kept 7-bit clean: RFC 2047 encoded words for header
 * text, quoted-printable for the human-readable part, and RFC 6533 xtext for non-ASCII addresses
 * in delivery-status fields. Output never holds a bare CR or LF.
 */

const PRINTABLE = /^[\x20-\x7e]*$/;

/** True when `text` is printable US-ASCII. */
export function isPrintableAscii(text: string): boolean {
  return PRINTABLE.test(text);
}

/** Text with CR, LF and other controls made into spaces (for a header or a status field). */
export function oneLine(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]+/g, ' ').trim();
}

/**
 * A header value: as it is when printable ASCII, otherwise RFC 2047 `=?UTF-8?B?...?=` words of at
 * most 75 characters, separated by folding whitespace (each word carries whole characters).
 */
export function encodeHeaderText(text: string): string {
  const clean = oneLine(text);
  if (isPrintableAscii(clean)) return clean;
  const words: string[] = [];
  let chunk = '';
  for (const ch of clean) {
    // 45 bytes of UTF-8 give 60 base64 characters: 12 + 60 = 72 < 75.
    if (Buffer.byteLength(chunk + ch, 'utf8') > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk !== '') words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`).join('\r\n ');
}

/**
 * A field `Name: value` folded at spaces so no line passes 78 characters where a space allows
 * (RFC 5322 §2.2.3), and cut at `maxChars` of value so no line can pass the 998 limit.
 */
export function foldField(name: string, value: string, maxChars = 900): string {
  const clean = value.length > maxChars ? `${value.slice(0, maxChars)}...` : value;
  const words = clean.split(' ');
  const lines: string[] = [];
  let line = `${name}:`;
  for (const word of words) {
    if (line.length + 1 + word.length > 78 && line.trim() !== `${name}:`) {
      lines.push(line);
      line = '';
    }
    line += ` ${word}`;
  }
  lines.push(line);
  return lines.join('\r\n');
}

/** Quoted-printable (RFC 2045 §6.7) of UTF-8 text with CRLF line ends, lines at most 76 characters. */
export function quotedPrintable(text: string): string {
  const out: string[] = [];
  for (const line of text.split(/\r\n|\r|\n/)) {
    const bytes = Buffer.from(line, 'utf8');
    let current = '';
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      const last = i === bytes.length - 1;
      const literal = b >= 0x21 && b <= 0x7e && b !== 0x3d;
      const keepSpace = (b === 0x20 || b === 0x09) && !last;
      const piece =
        literal || keepSpace ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
      if (current.length + piece.length > 75) {
        out.push(`${current}=`);
        current = '';
      }
      current += piece;
    }
    out.push(current);
  }
  return out.join('\r\n');
}

/**
 * An address for `Final-Recipient`/`Original-Recipient`: `rfc822;addr` when ASCII, otherwise
 * RFC 6533's `utf-8;` with each non-ASCII character (and `\`) as `\x{HEX}`.
 */
export function addressField(type: string, address: string): string {
  const clean = oneLine(address);
  if (isPrintableAscii(clean)) return `${type}; ${clean}`;
  let encoded = '';
  for (const ch of clean) {
    const cp = ch.codePointAt(0)!;
    encoded += cp > 0x7e || cp < 0x20 || ch === '\\' ? `\\x{${cp.toString(16).toUpperCase()}}` : ch;
  }
  return `utf-8; ${encoded}`;
}
