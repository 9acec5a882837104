/**
 * SPF macros (RFC 7208 section 7): the syntax check done when a record is parsed, and the expansion
 * done when a term is evaluated. The letters c, r and t are allowed only in explanation text.
 */

/** One piece of a macro-string: literal text or a macro letter with its transformers. */
export type MacroToken =
  | { readonly kind: 'literal'; readonly text: string }
  | {
      readonly kind: 'macro';
      /** The letter, lower case. */
      readonly letter: string;
      /** True for an upper-case letter: the value is URL-escaped. */
      readonly escape: boolean;
      /** Keep this many right-hand parts; undefined keeps all. */
      readonly keep: number | undefined;
      /** Reverse the parts before keeping. */
      readonly reverse: boolean;
      /** Characters that split the value (default "."). */
      readonly delimiters: string;
    };

const DOMAIN_LETTERS = 'slodiphv';
const EXP_LETTERS = 'slodiphvcrt';
/** The transformer's digit count: RFC 7208 gives no maximum; 128 covers an IPv6 nibble name with room. */
const MAX_KEEP = 128;

/**
 * Parse a macro-string; `undefined` on a syntax error. `explain` allows c/r/t and spaces
 * (explain-string of section 6.2).
 */
export function parseMacroString(text: string, explain = false): MacroToken[] | undefined {
  const tokens: MacroToken[] = [];
  const letters = explain ? EXP_LETTERS : DOMAIN_LETTERS;
  let literal = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    const code = ch.charCodeAt(0);
    if (ch !== '%') {
      if ((code >= 0x21 && code <= 0x7e) || (explain && ch === ' ')) {
        literal += ch;
        continue;
      }
      return undefined;
    }
    const next = text[i + 1];
    if (next === '%' || next === '_' || next === '-') {
      literal += next === '%' ? '%' : next === '_' ? ' ' : '%20';
      i++;
      continue;
    }
    if (next !== '{') return undefined;
    const close = text.indexOf('}', i + 2);
    if (close < 0) return undefined;
    const m = /^([a-zA-Z])(\d*)(r?)([.\-+,/_=]*)$/i.exec(text.slice(i + 2, close));
    if (!m) return undefined;
    const letter = m[1]!.toLowerCase();
    if (!letters.includes(letter)) return undefined;
    if (m[3] !== '' && m[3] !== 'r' && m[3] !== 'R') return undefined;
    let keep: number | undefined;
    if (m[2] !== '') {
      keep = Number(m[2]);
      if (keep === 0 || keep > MAX_KEEP) return undefined;
    }
    if (literal) tokens.push({ kind: 'literal', text: literal });
    literal = '';
    tokens.push({
      kind: 'macro',
      letter,
      escape: m[1] !== letter,
      keep,
      reverse: m[3] !== '',
      delimiters: m[4] || '.',
    });
    i = close;
  }
  if (literal) tokens.push({ kind: 'literal', text: literal });
  return tokens;
}

/** Top label: alphanumerics with at least one letter, or alphanumerics and inner hyphens (RFC 7208 section 7.1). */
const TOPLABEL = /^(?:[a-z0-9]*[a-z][a-z0-9]*|[a-z0-9]+-[a-z0-9-]*[a-z0-9])$/i;

/**
 * Parse a domain-spec: a macro-string that ends in a macro or in "." toplabel (optionally a final dot).
 */
export function parseDomainSpec(text: string): MacroToken[] | undefined {
  if (text === '') return undefined;
  const tokens = parseMacroString(text);
  if (!tokens || tokens.length === 0) return undefined;
  const last = tokens[tokens.length - 1]!;
  if (last.kind === 'macro') return tokens;
  // The literal tail must be "." toplabel ["."]; a macro before it counts as part of the name.
  let tail = last.text;
  if (tail.endsWith('.')) tail = tail.slice(0, -1);
  const dot = tail.lastIndexOf('.');
  if (dot < 0) return undefined;
  return TOPLABEL.test(tail.slice(dot + 1)) ? tokens : undefined;
}

/** The values macros expand to; `p` is looked up lazily because it costs DNS queries. */
export interface MacroValues {
  /** s: the sender, local-part@domain. */
  readonly sender: string;
  /** l: the sender's local part. */
  readonly local: string;
  /** o: the sender's domain. */
  readonly senderDomain: string;
  /** d: the domain being checked. */
  readonly domain: string;
  /** i: the client address in macro form. */
  readonly ip: string;
  /** c: the client address in readable form. */
  readonly clientText: string;
  /** v: "in-addr" or "ip6". */
  readonly version: string;
  /** h: the HELO/EHLO domain. */
  readonly helo: string;
  /** r: the receiving host's name. */
  readonly receiver: string;
  /** t: seconds since the epoch. */
  readonly timestamp: string;
  /** p: the validated client name (costly: looked up on first use). */
  readonly validatedName: () => Promise<string>;
}

// RFC 3986 unreserved characters pass; everything else is %-escaped octet by octet.
function urlEscape(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

async function letterValue(letter: string, v: MacroValues): Promise<string> {
  switch (letter) {
    case 's':
      return v.sender;
    case 'l':
      return v.local;
    case 'o':
      return v.senderDomain;
    case 'd':
      return v.domain;
    case 'i':
      return v.ip;
    case 'c':
      return v.clientText;
    case 'v':
      return v.version;
    case 'h':
      return v.helo;
    case 'r':
      return v.receiver;
    case 't':
      return v.timestamp;
    default:
      return v.validatedName();
  }
}

/** Expand parsed tokens (section 7.3: split, reverse, keep the right-hand parts, join with dots, escape). */
export async function expandMacros(tokens: readonly MacroToken[], values: MacroValues): Promise<string> {
  let out = '';
  for (const t of tokens) {
    if (t.kind === 'literal') {
      out += t.text;
      continue;
    }
    const raw = await letterValue(t.letter, values);
    const splitter = new RegExp(`[${t.delimiters.replace(/[-\\\]^]/g, '\\$&')}]`);
    let parts = raw.split(splitter);
    if (t.reverse) parts = parts.reverse();
    if (t.keep !== undefined && t.keep < parts.length) parts = parts.slice(parts.length - t.keep);
    const joined = parts.join('.');
    out += t.escape ? urlEscape(joined) : joined;
  }
  return out;
}

/** Fit an expanded name for a query: drop a final dot, then left labels until it is at most 253 characters. */
export function fitDomain(name: string): string {
  let n = name.endsWith('.') ? name.slice(0, -1) : name;
  while (n.length > 253 && n.includes('.')) n = n.slice(n.indexOf('.') + 1);
  return n;
}
