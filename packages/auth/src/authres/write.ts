/**
 * Writing an Authentication-Results field, and removing incoming fields that claim our
 * authserv-id (RFC 8601 section 5), so a forged "pass" from outside cannot pass as ours.
 */
import { parseAuthenticationResults } from './parse.js';
import type { AuthenticationResults, AuthResult } from './types.js';

// RFC 2045 token characters; a value with others is written as a quoted-string.
const TOKEN = /^[A-Za-z0-9!#$%&'*+\-.^_`{|}~]+$/;
// pvalue may also be [local-part "@"] domain-name unquoted (RFC 8601 section 2.2).
const ADDRESS = /^(?:[A-Za-z0-9!#$%&'*+\-.^_`{|}~]*@)?[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/;

function quoted(v: string): string {
  return `"${v.replace(/[\r\n]+/g, ' ').replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function value(v: string): string {
  return TOKEN.test(v) ? v : quoted(v);
}

function pvalue(v: string): string {
  return TOKEN.test(v) || ADDRESS.test(v) ? v : quoted(v);
}

/** One resinfo as text: `spf=pass smtp.mailfrom=example.com`. */
export function formatAuthResult(r: AuthResult): string {
  const parts = [`${r.method}${r.version !== undefined ? `/${r.version}` : ''}=${r.result}`];
  if (r.reason !== undefined) parts.push(`reason=${quoted(r.reason)}`);
  for (const p of r.properties) parts.push(`${p.ptype}.${p.property}=${pvalue(p.value)}`);
  return parts.join(' ');
}

/**
 * The field value, each result on its own folded line:
 * `mx.example.org;\r\n\tspf=pass smtp.mailfrom=example.com;\r\n\tdkim=pass header.d=example.com`.
 */
export function formatAuthenticationResults(ar: AuthenticationResults): string {
  const head = `${value(ar.authservId)}${ar.version !== undefined ? ` ${ar.version}` : ''}`;
  if (ar.results.length === 0) return `${head}; none`;
  return [head, ...ar.results.map(formatAuthResult)].join(';\r\n\t');
}

/** The authserv-id a field claims: parsed, or the first word when the rest does not parse. */
function claimedId(fieldValue: string): string | undefined {
  const parsed = parseAuthenticationResults(fieldValue);
  if (parsed.ok) return parsed.value.authservId;
  return /^[\s]*"?([^\s;"]+)/.exec(fieldValue.replace(/\([^)]*\)/g, ' '))?.[1];
}

/**
 * Remove every Authentication-Results field of a header block that claims
 * `authservId` (compared without case). `headerBlock` is the header section as sent (CRLF line
 * ends, folded lines allowed, with or without the blank line); the rest is kept byte for byte.
 * Fields we cannot parse but whose first word is our id are removed too: a claim is a claim.
 */
export function removeOwnAuthenticationResults(
  headerBlock: string,
  authservId: string,
): { headers: string; removed: number } {
  const own = authservId.toLowerCase();
  const lines = headerBlock.split(/(?<=\r?\n)/);
  const kept: string[] = [];
  let removed = 0;
  let dropping = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const continuation = line.startsWith(' ') || line.startsWith('\t');
    if (continuation) {
      if (!dropping) kept.push(line);
      continue;
    }
    dropping = false;
    const m = /^authentication-results[ \t]*:/i.exec(line);
    if (m) {
      let field = line.slice(m[0].length);
      for (let j = i + 1; j < lines.length && /^[ \t]/.test(lines[j]!); j++) field += lines[j];
      const id = claimedId(field);
      if (id !== undefined && id.toLowerCase() === own) {
        dropping = true;
        removed++;
        continue;
      }
    }
    kept.push(line);
  }
  return { headers: kept.join(''), removed };
}
