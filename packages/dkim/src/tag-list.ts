/** The result of parsing a tag=value list: the tags in order, or the reason it is malformed. */
export type TagListResult =
  | { readonly ok: true; readonly tags: ReadonlyMap<string, string> }
  | { readonly ok: false; readonly reason: string };

// Folding whitespace: SP, HTAB and line ends followed by whitespace (unfolded before the check).
const FWS = /^[ \t\r\n]*|[ \t\r\n]*$/g;
const TAG_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
// VALCHAR is %x21-3A / %x3C-7E; interior whitespace is allowed between runs. Bytes above 0x7F are
// let through because RFC 6532 (EAI) puts UTF-8 in i= and in z= copies.
const TAG_VALUE = /^[\x21-\x3a\x3c-\x7e\x80-\xff]*(?:[ \t\r\n]+[\x21-\x3a\x3c-\x7e\x80-\xff]+)*$/;

/**
 * Parses an RFC 6376 section 3.2 tag list, strictly: every tag-spec needs a valid name and an
 * `=`, values use only VALCHAR and whitespace, and a duplicate tag makes the whole list invalid.
 * A single trailing `;` is allowed. Values are returned with surrounding whitespace removed.
 */
export function parseTagList(text: string): TagListResult {
  const tags = new Map<string, string>();
  const specs = text.split(';');
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i]!;
    if (spec.replace(FWS, '') === '') {
      if (i === specs.length - 1 && i > 0) break; // the optional trailing ";"
      return { ok: false, reason: 'empty tag-spec' };
    }
    const eq = spec.indexOf('=');
    if (eq < 0) return { ok: false, reason: `tag-spec without "=": ${preview(spec)}` };
    const name = spec.slice(0, eq).replace(FWS, '');
    if (!TAG_NAME.test(name)) return { ok: false, reason: `invalid tag name ${preview(name)}` };
    const value = spec.slice(eq + 1).replace(FWS, '');
    if (!TAG_VALUE.test(value)) return { ok: false, reason: `invalid characters in tag ${name}=` };
    if (tags.has(name)) return { ok: false, reason: `duplicate tag ${name}=` };
    tags.set(name, value);
  }
  return { ok: true, tags };
}

/** Removes all folding whitespace from a value (base64 values may be folded anywhere). */
export function stripWhitespace(value: string): string {
  return value.replace(/[ \t\r\n]+/g, '');
}

/** A short, printable excerpt of bad input for a reason string (never a key: only tag text). */
function preview(s: string): string {
  const clean = s.replace(/[^\x20-\x7e]/g, '?').trim();
  return JSON.stringify(clean.length > 24 ? `${clean.slice(0, 24)}...` : clean);
}
