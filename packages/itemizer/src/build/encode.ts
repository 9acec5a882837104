/**
 * Transfer encodings for building messages. The choice keeps the decoded bytes exact: 7bit only
 * for ASCII text whose lines already end in CRLF and stay short, quoted-printable for mostly-ASCII
 * text, base64 for everything else.
 */

/** The encodings the builder writes. */
export type OutputEncoding = '7bit' | 'quoted-printable' | 'base64';

const MAX_7BIT_LINE = 76;

/** True when the bytes can travel as 7bit unchanged: ASCII, no NUL, every line break CRLF, short lines. */
export function is7bitSafe(buf: Buffer): boolean {
  let lineLen = 0;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i] as number;
    if (c === 0x0d) {
      if (buf[i + 1] !== 0x0a) return false;
      i++;
      lineLen = 0;
      continue;
    }
    if (c === 0x0a || c === 0 || c > 0x7e || (c < 0x20 && c !== 0x09)) return false;
    if (++lineLen > MAX_7BIT_LINE) return false;
  }
  // A final line without CRLF would get one added by the multipart delimiter's own CRLF
  // convention, which is fine: the delimiter owns that line break.
  return true;
}

/** Chooses the transfer encoding for a leaf. */
export function chooseEncoding(buf: Buffer, isText: boolean): OutputEncoding {
  if (is7bitSafe(buf)) return '7bit';
  if (!isText) return 'base64';
  let plain = 0;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i] as number;
    if ((c >= 0x20 && c <= 0x7e) || c === 0x0d || c === 0x0a || c === 0x09) plain++;
  }
  return buf.length === 0 || plain / buf.length > 0.83 ? 'quoted-printable' : 'base64';
}

const HEX = '0123456789ABCDEF';

/**
 * Quoted-printable (RFC 2045 6.7) that decodes back to exactly the same bytes: only CRLF becomes
 * a hard line break; bare LF and CR are escaped; lines are soft-broken before 76 characters;
 * white space before a line break and a leading "From " or "." are escaped.
 */
export function encodeQuotedPrintable(buf: Buffer): string {
  const out: string[] = [];
  let line = '';
  const push = (token: string): void => {
    if (line.length + token.length > 75) {
      out.push(`${line}=\r\n`);
      line = '';
    }
    line += token;
  };
  const esc = (c: number): string => `=${HEX[c >> 4]}${HEX[c & 15]}`;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i] as number;
    if (c === 0x0d && buf[i + 1] === 0x0a) {
      out.push(`${line}\r\n`);
      line = '';
      i++;
      continue;
    }
    const next = buf[i + 1];
    const beforeBreak = next === undefined || (next === 0x0d && buf[i + 2] === 0x0a);
    let token: string;
    if ((c === 0x20 || c === 0x09) && beforeBreak) token = esc(c);
    else if (c === 0x3d || c > 0x7e || (c < 0x20 && c !== 0x09)) token = esc(c);
    else if (line === '' && (c === 0x2e || (c === 0x46 && buf.toString('latin1', i, i + 5) === 'From ')))
      token = esc(c);
    else token = String.fromCharCode(c);
    push(token);
  }
  out.push(line);
  return out.join('');
}

/** Base64 in 76-character lines, CRLF-separated, produced in slices so large data streams. */
export function* encodeBase64Lines(buf: Buffer, sliceBytes = 57 * 1024): Generator<string> {
  for (let i = 0; i < buf.length; i += sliceBytes) {
    const b64 = buf.toString('base64', i, Math.min(buf.length, i + sliceBytes));
    const lines: string[] = [];
    for (let j = 0; j < b64.length; j += 76) lines.push(b64.slice(j, j + 76));
    yield `${lines.join('\r\n')}${i + sliceBytes < buf.length ? '\r\n' : ''}`;
  }
}

/** Bare LF and bare CR become CRLF (the canonical line end of text, RFC 2046 4.1.1); CRLF stays. */
export function toCrlf(buf: Buffer): Buffer {
  let bare = false;
  for (let i = buf.indexOf(0x0a); i !== -1; i = buf.indexOf(0x0a, i + 1)) {
    if (i === 0 || buf[i - 1] !== 0x0d) {
      bare = true;
      break;
    }
  }
  if (!bare) {
    for (let i = buf.indexOf(0x0d); i !== -1; i = buf.indexOf(0x0d, i + 1)) {
      if (buf[i + 1] !== 0x0a) {
        bare = true;
        break;
      }
    }
  }
  if (!bare) return buf;
  return Buffer.from(buf.toString('latin1').replace(/\r\n|\r|\n/g, '\r\n'), 'latin1');
}
