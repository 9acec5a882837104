/**
 * The DMARC record (RFC 7489 section 6.3): a tag list starting with v=DMARC1.
 */

/** A policy a domain asks for. */
export type DmarcPolicy = 'none' | 'quarantine' | 'reject';

/** A parsed DMARC record. */
export interface DmarcRecord {
  /** p=: the policy for the domain. */
  readonly p: DmarcPolicy;
  /** sp=: the policy for subdomains (defaults to p). */
  readonly sp: DmarcPolicy;
  /** adkim=: DKIM alignment, relaxed (default) or strict. */
  readonly adkim: 'r' | 's';
  /** aspf=: SPF alignment, relaxed (default) or strict. */
  readonly aspf: 'r' | 's';
  /** pct=: the percentage of failing mail the policy applies to (default 100). */
  readonly pct: number;
  /** rua=: where aggregate reports go (URIs, with an optional !size suffix). */
  readonly rua: readonly string[];
  /** ruf=: where failure reports go. */
  readonly ruf: readonly string[];
  /** fo=: failure reporting options (default "0"). */
  readonly fo: string;
  /** ri=: the requested aggregate report interval in seconds (default 86400). */
  readonly ri: number;
}

/** A parse outcome. */
export type DmarcParse =
  | { readonly ok: true; readonly record: DmarcRecord }
  | { readonly ok: false; readonly error: string };

const POLICIES = new Set(['none', 'quarantine', 'reject']);

/** True when a TXT string starts as a DMARC record does ("v=DMARC1", then ";" or the end). */
export function isDmarcRecord(txt: string): boolean {
  return /^v[ \t]*=[ \t]*DMARC1[ \t]*(?:;|$)/.test(txt);
}

/** Parse a DMARC record. Unknown tags are ignored (section 6.3); a bad known tag is an error. */
export function parseDmarcRecord(text: string): DmarcParse {
  if (!isDmarcRecord(text)) return { ok: false, error: 'not a DMARC1 record' };
  const tags = new Map<string, string>();
  for (const part of text.split(';')) {
    const t = part.trim();
    if (t === '') continue;
    const eq = t.indexOf('=');
    if (eq <= 0) return { ok: false, error: `"${t}" is not a tag=value` };
    const name = t.slice(0, eq).trim().toLowerCase();
    if (!/^[a-z][a-z0-9_]*$/.test(name)) return { ok: false, error: `bad tag name "${name}"` };
    if (tags.has(name)) return { ok: false, error: `tag "${name}" appears twice` };
    tags.set(name, t.slice(eq + 1).trim());
  }
  const uris = (v: string | undefined) =>
    v === undefined || v === ''
      ? []
      : v
          .split(',')
          .map((u) => u.trim())
          .filter((u) => u !== '');
  const rua = uris(tags.get('rua'));
  const pText = tags.get('p')?.toLowerCase();
  let p: DmarcPolicy;
  if (pText !== undefined && POLICIES.has(pText)) p = pText as DmarcPolicy;
  // Section 6.6.3 step 6: a record with a bad or missing p= but a valid rua= is read as p=none.
  else if (rua.length > 0) p = 'none';
  else return { ok: false, error: pText === undefined ? 'no p= tag' : `bad policy p=${pText}` };
  const spText = tags.get('sp')?.toLowerCase();
  if (spText !== undefined && !POLICIES.has(spText)) return { ok: false, error: `bad policy sp=${spText}` };
  const mode = (name: string): 'r' | 's' | undefined => {
    const v = tags.get(name)?.toLowerCase();
    return v === undefined ? 'r' : v === 'r' || v === 's' ? v : undefined;
  };
  const adkim = mode('adkim');
  const aspf = mode('aspf');
  if (!adkim || !aspf) return { ok: false, error: 'adkim and aspf take r or s' };
  const pctText = tags.get('pct');
  const pct = pctText === undefined ? 100 : /^\d{1,3}$/.test(pctText) ? Number(pctText) : Number.NaN;
  if (!(pct >= 0 && pct <= 100)) return { ok: false, error: `pct=${pctText} is not 0..100` };
  const riText = tags.get('ri');
  const ri = riText === undefined ? 86400 : /^\d{1,10}$/.test(riText) ? Number(riText) : Number.NaN;
  if (Number.isNaN(ri)) return { ok: false, error: `ri=${riText} is not a number of seconds` };
  return {
    ok: true,
    record: {
      p,
      sp: (spText as DmarcPolicy | undefined) ?? p,
      adkim,
      aspf,
      pct,
      rua,
      ruf: uris(tags.get('ruf')),
      fo: tags.get('fo') ?? '0',
      ri,
    },
  };
}
