import { type Failed, failed, ok, type Result } from '@mailroute/envelope';

/** The code of a malformed tag=value list. */
export const DKIM_TAG_LIST_MALFORMED = 'DKIM_TAG_LIST_MALFORMED';

function malformed(message: string): Failed {
  return failed({ code: DKIM_TAG_LIST_MALFORMED, message, temporary: false });
}

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
 * The value is the tags in order; a failure has code {@link DKIM_TAG_LIST_MALFORMED}.
 */
export function parseTagList(text: string): Result<ReadonlyMap<string, string>> {
  const tags = new Map<string, string>();
  const specs = text.split(';');
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i]!;
    if (spec.replace(FWS, '') === '') {
      if (i === specs.length - 1 && i > 0) break; // the optional trailing ";"
      return malformed('empty tag-spec');
    }
    const eq = spec.indexOf('=');
    if (eq < 0) return malformed(`tag-spec without "=": ${preview(spec)}`);
    const name = spec.slice(0, eq).replace(FWS, '');
    if (!TAG_NAME.test(name)) return malformed(`invalid tag name ${preview(name)}`);
    const value = spec.slice(eq + 1).replace(FWS, '');
    if (!TAG_VALUE.test(value)) return malformed(`invalid characters in tag ${name}=`);
    if (tags.has(name)) return malformed(`duplicate tag ${name}=`);
    tags.set(name, value);
  }
  return ok(tags);
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
