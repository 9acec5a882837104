/**
 * The RFC5322.From domain DMARC evaluates (RFC 7489 section 6.6.1).
 */
import { failed, ok, type Result } from '@mailroute/envelope';

function splitMailboxes(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  let angle = 0;
  let comment = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === '\\') {
      cur += ch + (value[i + 1] ?? '');
      i++;
      continue;
    }
    if (quoted) {
      if (ch === '"') quoted = false;
    } else if (comment > 0) {
      if (ch === '(') comment++;
      else if (ch === ')') comment--;
      continue;
    } else if (ch === '"') quoted = true;
    else if (ch === '(') {
      comment = 1;
      continue;
    } else if (ch === '<') angle++;
    else if (ch === '>') angle = Math.max(0, angle - 1);
    else if (ch === ',' && angle === 0) {
      out.push(cur);
      cur = '';
      continue;
    }
    cur += ch;
  }
  out.push(cur);
  return out.map((m) => m.trim()).filter((m) => m !== '');
}

/**
 * The domain of the From header field's author. Several mailboxes with different domains, no
 * domain, or a group without addresses are a `DMARC_FROM` failure: section 6.6.1 lets a receiver
 * reject such mail, and we report it rather than guess.
 */
export function headerFromDomain(fromValue: string): Result<string> {
  const bad = (message: string) => failed({ code: 'DMARC_FROM', message, temporary: false });
  const domains = new Set<string>();
  const value = fromValue.replace(/^[^:"<]*:/, '').replace(/;\s*$/, ''); // a group's "name:" and ";"
  for (const mailbox of splitMailboxes(value)) {
    const addr = /<([^>]*)>\s*$/.exec(mailbox)?.[1] ?? mailbox;
    const at = addr.lastIndexOf('@');
    if (at < 0) return bad(`From mailbox "${mailbox}" has no domain`);
    const domain = addr
      .slice(at + 1)
      .trim()
      .toLowerCase()
      .replace(/\.$/, '');
    if (!/^[a-z0-9_](?:[a-z0-9_.-]*[a-z0-9])?$/.test(domain) || domain.includes('..'))
      return bad(`From domain "${domain}" is not a domain name`);
    domains.add(domain);
  }
  if (domains.size === 0) return bad('From has no mailbox');
  if (domains.size > 1) return bad(`From names ${domains.size} domains`);
  return ok([...domains][0]!);
}
