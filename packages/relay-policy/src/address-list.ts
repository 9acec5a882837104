/**
 * Address lists (sender and recipient allow/deny): `user@domain`, `*@domain` (that domain),
 * `*@*.domain` (its subdomains), `domain` or `@domain` (the domain and its subdomains),
 * `user@*` (that local part anywhere), `*`, and group names. Local parts compare
 * case-insensitively, as Domino does; domains in A-label form.
 */
import type { DomainMatchMode } from './config.js';
import { DomainSuffixSet } from './domain-set.js';
import { type GroupExpander, type ListEntry, splitEntry } from './list-entry.js';
import { normalizeDomainName } from './names.js';
import type { ProblemLog } from './problems.js';

/** A compiled address list. */
export class AddressList {
  any: ListEntry | undefined;
  readonly exact = new Map<string, ListEntry>();
  readonly localParts = new Map<string, ListEntry>();
  readonly domains: DomainSuffixSet<ListEntry>;
  readonly entries: ListEntry[] = [];

  constructor(
    readonly field: string,
    mode: DomainMatchMode,
  ) {
    this.domains = new DomainSuffixSet(mode);
  }

  /** True when the list has no usable entry. */
  get isEmpty(): boolean {
    return this.entries.length === 0;
  }

  /** The entry covering `local@domain` (local part lowercased, domain in A-labels), or undefined. */
  match(localLower: string, domain: string): ListEntry | undefined {
    if (this.entries.length === 0) return undefined;
    return (
      this.exact.get(localLower + '@' + domain) ??
      this.domains.find(domain) ??
      this.localParts.get(localLower) ??
      this.any
    );
  }
}

/** Compiles an address list, logging a problem for every bad entry. */
export function compileAddressList(
  field: string,
  raw: readonly string[] | undefined,
  mode: DomainMatchMode,
  groups: GroupExpander,
  problems: ProblemLog,
): AddressList {
  const list = new AddressList(field, mode);
  if (raw === undefined) return list;
  if (!Array.isArray(raw)) {
    problems.error(field, 'must be a list of strings');
    return list;
  }
  const expanded = new Set<string>();
  raw.forEach((value, index) => {
    for (const entry of groups.expand(field, value, index, problems, expanded))
      addAddress(list, entry, problems);
  });
  return list;
}

function unquote(local: string): string {
  if (local.length >= 2 && local.startsWith('"') && local.endsWith('"'))
    return local.slice(1, -1).replace(/\\(.)/g, '$1');
  return local;
}

function addAddress(list: AddressList, entry: ListEntry, problems: ProblemLog): void {
  const field = list.field;
  const shown = entry.via === undefined ? entry.text : `${entry.text} (member of ${entry.via})`;
  const split = splitEntry(entry.text);
  if (!split.ok) {
    problems.error(field, split.reason.message, shown, entry.index);
    return;
  }
  if (split.value.bracketed) {
    problems.error(field, 'an address list takes addresses, not IP entries', shown, entry.index);
    return;
  }
  const text = split.value.body;
  if (text === '*') {
    list.any ??= entry;
    list.entries.push(entry);
    return;
  }
  const at = text.lastIndexOf('@');
  const local = at < 0 ? '*' : unquote(text.slice(0, at)).toLowerCase();
  let domain = at < 0 ? text : text.slice(at + 1);
  const bare = at <= 0; // "domain" or "@domain": the domain and its subdomains
  if (local.length === 0 && !bare) {
    problems.error(field, 'missing local part', shown, entry.index);
    return;
  }
  if (domain === '*') {
    if (local === '*' || local.includes('*')) {
      problems.error(field, '"*@*" is written "*"', shown, entry.index);
      return;
    }
    list.localParts.set(local, list.localParts.get(local) ?? entry);
    list.entries.push(entry);
    return;
  }
  let self = true;
  let below = bare;
  if (domain.startsWith('*.')) {
    domain = domain.slice(2);
    self = false;
    below = true;
  }
  if (local !== '*' && local.includes('*')) {
    problems.error(field, 'a "*" may only stand for the whole local part', shown, entry.index);
    return;
  }
  if (domain.includes('*')) {
    problems.error(field, 'a "*" in a domain may only lead it, as in "*@*.example.com"', shown, entry.index);
    return;
  }
  const normalized = normalizeDomainName(domain);
  if (!normalized.ok) {
    problems.error(
      field,
      `${normalized.reason.message}; not an address, a domain or a known group`,
      shown,
      entry.index,
    );
    return;
  }
  if (local === '*') {
    list.domains.add(normalized.value, entry, self, below);
  } else {
    if (!self) {
      problems.error(field, 'use "*@*.domain" or "user@domain", not "user@*.domain"', shown, entry.index);
      return;
    }
    const key = local + '@' + normalized.value;
    if (!list.exact.has(key)) list.exact.set(key, entry);
  }
  list.entries.push(entry);
}
