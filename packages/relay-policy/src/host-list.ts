/**
 * Host and domain lists (relay from/to lists, the exclusion list, connection lists, local
 * domains): `*`, host or domain names matched by suffix, `*.name` for subdomains only, IP
 * entries in brackets, and group names expanded from the configuration's groups.
 */
import type { DomainMatchMode } from './config.js';
import { DomainSuffixSet } from './domain-set.js';
import { looksLikeIp, parseIpEntries } from './ip-entry.js';
import { IpPrefixSet } from './ip-set.js';
import { type GroupExpander, type ListEntry, splitEntry } from './list-entry.js';
import type { HostAddress } from './names.js';
import { normalizeDomainName } from './names.js';
import type { ProblemLog } from './problems.js';

/** The identity of a host or a mail domain as the lists see it. */
export interface NameAndAddress {
  /** A-label name, lowercase, without trailing dot. */
  readonly name: string | undefined;
  readonly address: HostAddress | undefined;
}

/** A compiled host or domain list. */
export class HostList {
  any: ListEntry | undefined;
  readonly names: DomainSuffixSet<ListEntry>;
  readonly ips = new IpPrefixSet<ListEntry>();
  /** Every accepted entry, in order, for the linter. */
  readonly entries: ListEntry[] = [];

  constructor(
    readonly field: string,
    mode: DomainMatchMode,
  ) {
    this.names = new DomainSuffixSet(mode);
  }

  /** True when the list has no usable entry. */
  get isEmpty(): boolean {
    return this.entries.length === 0;
  }

  /** The entry covering the host or domain, most specific kind first (IP, name, `*`). */
  match(subject: NameAndAddress): ListEntry | undefined {
    if (this.entries.length === 0) return undefined;
    const address = subject.address;
    if (address !== undefined) {
      const hit =
        address.v4 !== undefined ? this.ips.findV4(address.v4) : this.ips.matchV6(address.v6!)?.value;
      if (hit !== undefined) return hit;
    }
    if (subject.name !== undefined) {
      const hit = this.names.find(subject.name);
      if (hit !== undefined) return hit;
    }
    return this.any;
  }
}

/** Options for {@link compileHostList}. */
export interface HostListOptions {
  readonly mode: DomainMatchMode;
  readonly groups: GroupExpander;
  /** A bare name also matches its subdomains (true for host lists and relay domains; false for local domains). */
  readonly nameCoversSubdomains: boolean;
  /** `*` allowed (false for the local domains list). */
  readonly allowStar: boolean;
}

/** Compiles a list of host/domain entries, logging a problem for every bad one. */
export function compileHostList(
  field: string,
  raw: readonly string[] | undefined,
  options: HostListOptions,
  problems: ProblemLog,
): HostList {
  const list = new HostList(field, options.mode);
  if (raw === undefined) return list;
  if (!Array.isArray(raw)) {
    problems.error(field, 'must be a list of strings');
    return list;
  }
  const expanded = new Set<string>();
  raw.forEach((value, index) => {
    for (const entry of options.groups.expand(field, value, index, problems, expanded))
      addEntry(list, entry, options, problems);
  });
  return list;
}

function addEntry(list: HostList, entry: ListEntry, options: HostListOptions, problems: ProblemLog): void {
  const field = list.field;
  const text = entry.text;
  const shown = entry.via === undefined ? text : `${text} (member of ${entry.via})`;
  const split = splitEntry(text);
  if (!split.ok) {
    problems.error(field, split.reason.message, shown, entry.index);
    return;
  }
  const body = split.value.body;
  if (body === '*') {
    if (!options.allowStar) {
      problems.error(field, '"*" is not allowed here', shown, entry.index);
      return;
    }
    list.any ??= entry;
    list.entries.push(entry);
    return;
  }
  if (split.value.bracketed || looksLikeIp(body)) {
    if (!split.value.bracketed)
      problems.warning(
        field,
        'IP entries should be written in brackets, e.g. [192.0.2.1]',
        shown,
        entry.index,
        'ip-without-brackets',
      );
    const ip = parseIpEntries(body);
    if (!ip.ok) {
      problems.error(field, ip.reason.message, shown, entry.index);
      return;
    }
    for (const v of ip.value) {
      if (v.hostBitsSet)
        problems.warning(
          field,
          'CIDR address has host bits set; they are ignored',
          shown,
          entry.index,
          'host-bits-set',
        );
      if (v.family === 4) list.ips.addV4(v.address, v.mask, entry);
      else list.ips.addV6(v.groups, v.prefix, entry);
    }
    list.entries.push(entry);
    return;
  }
  if (body.startsWith('%')) {
    // Domino lets allow-to name a Notes domain ("%AcmeEast"); Notes routing is not this package's.
    problems.warning(
      field,
      'Notes domain entries (%Domain) do not apply to SMTP relays; ignored',
      shown,
      entry.index,
    );
    return;
  }
  let name = body;
  let self = true;
  let below = options.nameCoversSubdomains;
  if (name.startsWith('@')) {
    // Domino: "@xyz.com" names the domain exactly, without its subdomains.
    name = name.slice(1);
    below = false;
  } else if (name.startsWith('*.') || name.startsWith('.')) {
    name = name.slice(name.indexOf('.') + 1);
    self = false;
    below = true;
  }
  if (name.includes('*')) {
    problems.error(
      field,
      'a "*" may only stand alone, lead a name ("*.example.com") or fill an IP octet',
      shown,
      entry.index,
    );
    return;
  }
  const normalized = normalizeDomainName(name);
  if (!normalized.ok) {
    problems.error(
      field,
      `${normalized.reason.message}; not a host name, an IP in brackets or a known group`,
      shown,
      entry.index,
    );
    return;
  }
  list.names.add(normalized.value, entry, self, below);
  list.entries.push(entry);
}
