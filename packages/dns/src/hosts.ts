/**
 * The local hosts table used by the "Host name lookup" order. It is data: parse a hosts file's text,
 * or build it from a map. Reading `/etc/hosts` is the caller's choice ({@link loadHostsFile}).
 */
import { readFile } from 'node:fs/promises';
import { isIPv4, isIPv6 } from 'node:net';
import { normalizeName } from './names.js';

/** Name-to-address lookups from a local table. */
export interface HostsTable {
  /** Addresses for `name` (already lower case, no trailing dot) of the given family; empty when none. */
  lookup(name: string, type: 'A' | 'AAAA'): readonly string[];
}

/** Most lines read from a hosts file; a larger file is cut off rather than growing memory without bound. */
const MAX_LINES = 100_000;

/** Build a table from `{ name: [addresses] }`; addresses that are not IPs are ignored. */
export function createHostsTable(entries: Readonly<Record<string, readonly string[]>>): HostsTable {
  const v4 = new Map<string, string[]>();
  const v6 = new Map<string, string[]>();
  for (const [rawName, addresses] of Object.entries(entries)) {
    const name = normalizeName(rawName);
    if (!name) continue;
    for (const a of addresses) {
      const map = isIPv4(a) ? v4 : isIPv6(a) ? v6 : undefined;
      if (!map) continue;
      const list = map.get(name) ?? [];
      const addr = a.toLowerCase();
      if (!list.includes(addr)) list.push(addr);
      map.set(name, list);
    }
  }
  return { lookup: (name, type) => (type === 'A' ? v4 : v6).get(name) ?? [] };
}

/**
 * Parse hosts-file text (`address name [aliases...]`, `#` comments). Malformed lines are skipped;
 * IPv6 zone suffixes (`fe80::1%eth0`) are dropped because they cannot be used off-host.
 */
export function parseHostsFile(text: string): HostsTable {
  const entries: Record<string, string[]> = {};
  const lines = text.split(/\r?\n/, MAX_LINES);
  for (const line of lines) {
    const fields = line.replace(/#.*/, '').trim().split(/\s+/);
    if (fields.length < 2) continue;
    const address = fields[0]!.replace(/%.*/, '');
    if (!isIPv4(address) && !isIPv6(address)) continue;
    for (const name of fields.slice(1)) {
      if (!Object.hasOwn(entries, name)) entries[name] = [];
      entries[name]!.push(address);
    }
  }
  return createHostsTable(entries);
}

/** Read and parse a hosts file; default `/etc/hosts`. */
export async function loadHostsFile(path = '/etc/hosts'): Promise<HostsTable> {
  return parseHostsFile(await readFile(path, 'utf8'));
}

/** A table with no entries (the resolver's default). */
export const emptyHostsTable: HostsTable = Object.freeze({ lookup: () => [] });
