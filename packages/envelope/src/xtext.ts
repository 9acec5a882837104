/**
 * xtext (RFC 3461 4): printable ASCII except `+` and `=`, with any other octet written as `+XX`
 * (two uppercase hex digits). DSN's ENVID and ORCPT and AUTH= carry their values in it.
 */

/** Decodes xtext; undefined when the text is not valid xtext. Decoded octets are read as UTF-8. */
export function decodeXtext(text: string): string | undefined {
  if (text.indexOf('+') < 0) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c < 33 || c > 126 || c === 61) return undefined;
    }
    return text;
  }
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 43) {
      const hi = upperHex(text.charCodeAt(i + 1));
      const lo = upperHex(text.charCodeAt(i + 2));
      if (hi < 0 || lo < 0) return undefined;
      bytes.push(hi * 16 + lo);
      i += 2;
    } else if (c < 33 || c > 126 || c === 61) {
      return undefined;
    } else {
      bytes.push(c);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

// RFC 3461 requires uppercase hex after "+"; lowercase is a syntax error there.
function upperHex(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Encodes a string as xtext (its UTF-8 octets). */
export function encodeXtext(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    if (byte >= 33 && byte <= 126 && byte !== 43 && byte !== 61) out += String.fromCharCode(byte);
    else out += `+${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * Decodes the `utf-8-addr-xtext` / `utf-8-addr-unitext` form of RFC 6533 3: xtext whose
 * `\x{HEX}` sequences name Unicode code points. Undefined when malformed.
 */
export function decodeUtf8AddrXtext(text: string): string | undefined {
  const xtext = decodeXtext(text);
  if (xtext === undefined) return undefined;
  let bad = false;
  const out = xtext.replace(/\\x\{([0-9A-Fa-f]{1,6})\}|\\/g, (match, hex: string | undefined) => {
    if (hex === undefined) {
      bad = true;
      return match;
    }
    const cp = Number.parseInt(hex, 16);
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      bad = true;
      return match;
    }
    return String.fromCodePoint(cp);
  });
  return bad ? undefined : out;
}
