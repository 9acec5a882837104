/**
 * Notes names, the one parser of the SDK for them (the itemizer writes them into headers, routing
 * looks them up in the directory). A Notes name is hierarchical: canonical
 * `CN=John Doe/OU=Sales/O=Acme/C=US` or abbreviated `John Doe/Sales/Acme/US`, optionally followed
 * by Notes domains to route through (`John Doe/Acme@DomainB@DomainA`). They sit in the envelope
 * package because a Notes address is what a Domino envelope carries in place of an Internet
 * address, and both packages that read them stand on this one.
 *
 * Published as the subpath `@mailroute/envelope/notes-name`.
 *
 * @module
 */

/** A two-letter component at the end of a hierarchical name is taken as the country (C=). */
const COUNTRY = /^[A-Za-z]{2}$/;
/** Attribute names Domino writes in canonical names (CN, OU, O, C, and the X.400 G, S, I, Q, P, A). */
const CANONICAL_ATTRIBUTE = /^(cn|ou|o|c|g|s|i|q|p|a)$/i;

/** Splits `OU=Sales` into its attribute and value, or returns undefined when there is no attribute. */
function splitAttribute(part: string): [string, string] | undefined {
  const eq = part.indexOf('=');
  if (eq < 1 || eq > 4) return undefined;
  const attribute = part.slice(0, eq).trim();
  return CANONICAL_ATTRIBUTE.test(attribute) ? [attribute, part.slice(eq + 1).trim()] : undefined;
}

/** True when the name is written in canonical form (`CN=.../O=...`). */
export function isCanonicalName(name: string): boolean {
  return /^\s*cn\s*=/i.test(name);
}

/**
 * The abbreviated form of a Notes name: `CN=John Doe/OU=Sales/O=Acme/C=US` becomes
 * `John Doe/Sales/Acme/US`. Names already abbreviated, and flat names, come back trimmed.
 */
export function abbreviateName(name: string): string {
  const text = name.trim();
  if (!text.includes('/') && !isCanonicalName(text)) return text;
  // A hand-written scan (this runs for every name of a million-person directory): for each
  // component, drop blanks, an attribute prefix such as `OU=`, and blanks again.
  let out = '';
  const n = text.length;
  for (let start = 0; start <= n; ) {
    let end = text.indexOf('/', start);
    if (end < 0) end = n;
    let p = start;
    while (p < end && text.charCodeAt(p) === 32) p++;
    let q = p;
    while (q < end && q - p < 2 && isAsciiLetter(text.charCodeAt(q))) q++;
    let r = q;
    while (r < end && text.charCodeAt(r) === 32) r++;
    let v = p;
    if (q > p && r < end && text.charCodeAt(r) === 61 && CANONICAL_ATTRIBUTE.test(text.slice(p, q))) {
      v = r + 1;
      while (v < end && text.charCodeAt(v) === 32) v++;
    }
    let e = end;
    while (e > v && text.charCodeAt(e - 1) === 32) e--;
    out += start === 0 ? text.slice(v, e) : `/${text.slice(v, e)}`;
    start = end + 1;
  }
  return out;
}

function isAsciiLetter(c: number): boolean {
  const lower = c | 32;
  return lower >= 97 && lower <= 122;
}

/**
 * Domino's reading of an abbreviated name's components: the first is the common name, the last
 * the organization unless it is a two-letter country code (then the one before it is), and the
 * ones between are units. Used by both {@link canonicalizeName} and {@link parseNotesName}.
 */
function readAbbreviated(parts: readonly string[]): { cn: string; ou: string[]; o: string; c: string } {
  if (parts.length <= 1) return { cn: parts[0] ?? '', ou: [], o: '', c: '' };
  const hasCountry = parts.length >= 3 && COUNTRY.test(parts[parts.length - 1]!);
  const orgIndex = hasCountry ? parts.length - 2 : parts.length - 1;
  return {
    cn: parts[0]!,
    ou: parts.slice(1, orgIndex),
    o: parts[orgIndex]!,
    c: hasCountry ? parts[parts.length - 1]! : '',
  };
}

/**
 * The canonical form of a Notes name. An abbreviated name is expanded the way Domino reads it:
 * the first component is the common name, the last the organization unless it is a two-letter
 * country code (then the one before it is the organization), and the ones between are units.
 */
export function canonicalizeName(name: string): string {
  const trimmed = name.trim();
  if (isCanonicalName(trimmed)) {
    return trimmed
      .split('/')
      .map((p) => {
        const split = splitAttribute(p);
        return split ? `${split[0].toUpperCase()}=${split[1]}` : p.trim();
      })
      .join('/');
  }
  const parts = trimmed.split('/').map((p) => p.trim());
  if (parts.length === 1) return parts[0]!;
  const { cn, ou, o, c } = readAbbreviated(parts);
  return [`CN=${cn}`, ...ou.map((u) => `OU=${u}`), `O=${o}`, ...(c === '' ? [] : [`C=${c}`])].join('/');
}

/**
 * The lookup key of a Notes name: abbreviated and lower-cased, so that canonical and abbreviated
 * spellings, and any capitalization, find the same entry (Domino compares names case-insensitively).
 */
export function nameKey(name: string): string {
  // Fast path for the common abbreviated or flat name: nothing to strip but case and outer blanks.
  if (!name.includes('=') && !name.includes(' /') && !name.includes('/ ')) return name.trim().toLowerCase();
  return abbreviateName(name).toLowerCase();
}

/** The common name (first component) of a hierarchical Notes name, or the name itself when flat. */
export function commonName(name: string): string {
  const abbreviated = abbreviateName(name);
  const slash = abbreviated.indexOf('/');
  return slash < 0 ? abbreviated : abbreviated.slice(0, slash);
}

/** A recipient address as Notes reads it: a name, possibly followed by a path of Notes domains. */
export interface NotesAddress {
  /** The user or group name (or Internet address local part) before the first `@`. */
  readonly name: string;
  /**
   * The Notes domains to route through, nearest first: `user@DomainB@DomainA` gives
   * `['DomainA', 'DomainB']` (send to DomainA, which sends on to DomainB).
   */
  readonly domainPath: readonly string[];
}

/**
 * Splits a Notes address `Name/Org@DomainB@DomainA` into its name and domain path (nearest domain
 * first), as routing reads a recipient. A quoted local part may contain `@`. Returns undefined for
 * an empty name or an empty domain segment.
 */
export function parseNotesAddress(address: string): NotesAddress | undefined {
  const text = address.trim();
  let nameEnd: number;
  if (text.startsWith('"')) {
    const close = text.indexOf('"', 1);
    if (close < 0) return undefined;
    nameEnd = text.indexOf('@', close);
  } else {
    nameEnd = text.indexOf('@');
  }
  const name = (nameEnd < 0 ? text : text.slice(0, nameEnd)).trim();
  if (name.length === 0) return undefined;
  if (nameEnd < 0) return { name, domainPath: [] };
  const segments = text.slice(nameEnd + 1).split('@');
  const path: string[] = [];
  for (let i = segments.length - 1; i >= 0; i--) {
    const seg = segments[i]!.trim();
    if (seg.length === 0) return undefined;
    path.push(seg);
  }
  return { name, domainPath: path };
}

/** The parts of a hierarchical Notes name, as the itemizer reads a name from a note's items. */
export interface NotesName {
  /** Common name. */
  readonly cn: string;
  /** Organizational units, most specific first. */
  readonly ou: readonly string[];
  /** Organization ("" for a flat name). */
  readonly o: string;
  /** Country code ("" when absent). */
  readonly c: string;
  /** Domino domains after `@`, in the order written (the farthest first, as in a Notes address). */
  readonly domains: readonly string[];
}

/** True when a string looks like a Notes name rather than an Internet address. */
export function isNotesName(text: string): boolean {
  const t = text.trim();
  if (t.length === 0 || t.length > 256) return false;
  const [name = '', ...domains] = t.split('@');
  if (!domains.every((d) => /^[^\s<>"(),;:/=?]+$/.test(d))) return false;
  if (/^CN=[^/]+(\/(OU|O|C)=[^/]+)*$/i.test(name)) return true;
  // Abbreviated: at least two components, none holding address or encoded-word syntax.
  return /^[^<>"(),;:=?/@]+(\/[^<>"(),;:=?/@]+)+$/.test(name);
}

/**
 * Parses a canonical or abbreviated Notes name with optional `@Domain` routing into its parts.
 * An abbreviated name is read as {@link canonicalizeName} reads it; the X.400 attributes of a
 * canonical name (G, S, I, Q, P, A) have no part here and are dropped.
 */
export function parseNotesName(text: string): NotesName {
  const [namePart, ...rest] = text.trim().split('@');
  const domains = rest.map((d) => d.trim()).filter((d) => d !== '');
  const comps = (namePart ?? '').split('/').map((c) => c.trim());
  if (!comps.some((x) => splitAttribute(x) !== undefined)) return { ...readAbbreviated(comps), domains };
  let cn = '';
  const ou: string[] = [];
  let o = '';
  let c = '';
  for (const comp of comps) {
    const split = splitAttribute(comp);
    if (split === undefined) {
      if (cn === '' && !comp.includes('=')) cn = comp;
      continue;
    }
    const [attribute, value] = split;
    const key = attribute.toUpperCase();
    if (key === 'CN') cn = value;
    else if (key === 'OU') ou.push(value);
    else if (key === 'O') o = value;
    else if (key === 'C') c = value;
  }
  return { cn, ou, o, c, domains };
}

function domainSuffix(n: NotesName): string {
  return n.domains.map((d) => `@${d}`).join('');
}

/** `CN=Daniel Nashed/O=NashCom/C=DE@NashCom`. */
export function toCanonical(n: NotesName): string {
  if (n.o === '' && n.ou.length === 0 && n.c === '') return n.cn + domainSuffix(n);
  const parts = [
    `CN=${n.cn}`,
    ...n.ou.map((u) => `OU=${u}`),
    ...(n.o === '' ? [] : [`O=${n.o}`]),
    ...(n.c === '' ? [] : [`C=${n.c}`]),
  ];
  return parts.join('/') + domainSuffix(n);
}

/** `Daniel Nashed/NashCom/DE@NashCom`. */
export function toAbbreviated(n: NotesName): string {
  return (
    [n.cn, ...n.ou, ...(n.o === '' ? [] : [n.o]), ...(n.c === '' ? [] : [n.c])].join('/') + domainSuffix(n)
  );
}

/**
 * The Internet address Domino makes for a Notes name that has no Internet address in the
 * directory: spaces become underscores, `@` between domains becomes `%`, and the local Internet
 * domain is appended. Returns `{ name, address }` with the common name as display name.
 */
export function notesToInternet(n: NotesName, internetDomain: string): { name: string; address: string } {
  const local = toAbbreviated({ ...n, domains: [] }).replace(/ /g, '_');
  const routed = [local, ...n.domains].join('%');
  return { name: n.cn, address: `${routed}@${internetDomain}` };
}

/** The reverse of {@link notesToInternet}: `John_Doe/Acme%ACME@acme.com` back to `John Doe/Acme@ACME`. */
export function internetToNotes(address: string): NotesName | undefined {
  const at = address.lastIndexOf('@');
  const local = at === -1 ? address : address.slice(0, at);
  if (!local.includes('/')) return undefined;
  const [name, ...domains] = local.split('%');
  const parsed = parseNotesName((name ?? '').replace(/_/g, ' '));
  return { ...parsed, domains };
}
