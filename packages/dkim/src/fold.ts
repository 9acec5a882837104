/** A tag to be written into a folded header: its pieces, and what joins them when not folded. */
export interface FoldTag {
  /** The tag's text cut where a fold is allowed; the first piece starts with `name=`. */
  readonly pieces: readonly string[];
  /** Joins the pieces on one line: '' (e.g. `from:to`) or ' ' (e.g. `from : to`). */
  readonly joiner: '' | ' ';
}

/** The folding line end: CRLF then one space, which is FWS wherever RFC 6376 allows it. */
const FOLD = '\r\n ';

/**
 * Writes `Name: tag; tag; ...` folded so no line passes `width` characters where a fold is
 * possible (RFC 5322 2.1.1 recommends 78). Tags are separated by `; `; folds go only where the
 * DKIM grammar allows FWS: between tags, and between the pieces of a tag.
 */
export function foldTags(name: string, tags: readonly FoldTag[], width = 78): string {
  let out = `${name}:`;
  let line = out.length;
  tags.forEach((tag, t) => {
    const last = t === tags.length - 1;
    tag.pieces.forEach((piece0, p) => {
      const piece = p === tag.pieces.length - 1 && !last ? `${piece0};` : piece0;
      const joiner = p === 0 ? ' ' : tag.joiner;
      if (line + joiner.length + piece.length > width && line > 1) {
        out += FOLD + piece;
        line = 1 + piece.length;
      } else {
        out += joiner + piece;
        line += joiner.length + piece.length;
      }
    });
  });
  return out;
}

/** Length of the last line of a folded text. */
export function lastLineLength(text: string): number {
  return text.length - (text.lastIndexOf('\n') + 1);
}

/**
 * Folds a base64 value that continues a line already `used` characters long: the rest of that
 * line is filled, then whole lines of `width - 1` characters follow (base64 allows FWS anywhere).
 */
export function foldBase64(value: string, used: number, width = 78): string {
  let out = '';
  let at = 0;
  let room = Math.max(width - used, 0);
  while (at < value.length) {
    if (room === 0) {
      out += FOLD;
      room = width - 1;
    }
    const take = value.slice(at, at + room);
    out += take;
    at += take.length;
    room -= take.length;
  }
  return out;
}
