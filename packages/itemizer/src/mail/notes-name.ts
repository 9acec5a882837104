/**
 * Notes names and addresses. A Notes name is hierarchical: canonical `CN=Daniel Nashed/O=NashCom/C=DE`
 * or abbreviated `Daniel Nashed/NashCom/DE`, optionally followed by Domino domain routing
 * (`@NashCom`, `@Dom1@Dom2`). Internet addresses are `"Daniel Nashed" <nsh@nashcom.de>`.
 */

/** The parts of a hierarchical Notes name. */
export interface NotesName {
  /** Common name. */
  readonly cn: string;
  /** Organizational units, most specific first. */
  readonly ou: readonly string[];
  /** Organization ("" for a flat name). */
  readonly o: string;
  /** Country code ("" when absent). */
  readonly c: string;
  /** Domino domains after `@`, in routing order. */
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

/** Parses a canonical or abbreviated Notes name with optional `@Domain` routing. */
export function parseNotesName(text: string): NotesName {
  const [namePart, ...domains] = text.trim().split('@');
  const comps = (namePart ?? '').split('/').map((c) => c.trim());
  let cn = '';
  const ou: string[] = [];
  let o = '';
  let c = '';
  const canonical = comps.some((x) => /^(CN|OU|O|C)=/i.test(x));
  if (canonical) {
    for (const comp of comps) {
      const eq = comp.indexOf('=');
      const key = comp.slice(0, eq).toUpperCase();
      const value = comp.slice(eq + 1);
      if (key === 'CN') cn = value;
      else if (key === 'OU') ou.push(value);
      else if (key === 'O') o = value;
      else if (key === 'C') c = value;
      else if (eq === -1 && cn === '') cn = comp;
    }
  } else {
    cn = comps[0] ?? '';
    const rest = comps.slice(1);
    // A trailing two-letter component after an organization is the country (Notes' own rule).
    if (rest.length >= 2 && /^[A-Za-z]{2}$/.test(rest[rest.length - 1] as string)) c = rest.pop() as string;
    if (rest.length > 0) o = rest.pop() as string;
    ou.push(...rest);
  }
  return { cn, ou, o, c, domains: domains.map((d) => d.trim()).filter((d) => d !== '') };
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
