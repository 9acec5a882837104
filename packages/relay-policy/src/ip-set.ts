/**
 * IP prefix tables: IPv4 entries grouped by their 32-bit mask (a CIDR length or the mask a
 * `[192.168.*.*]` wildcard gives), IPv6 entries by prefix length. A lookup costs one hash probe
 * per distinct mask present (at most a few dozen), not one per entry.
 */

/** What an IP lookup found. */
export interface IpHit<T> {
  readonly value: T;
  /** The number of fixed bits of the matching entry (32 or 128 for a single address). */
  readonly bits: number;
}

interface V4Table<T> {
  readonly mask: number;
  readonly bits: number;
  readonly values: Map<number, T>;
}

interface V6Table<T> {
  readonly prefix: number;
  readonly values: Map<string, T>;
}

/** Builds the key of the first `prefix` bits of an IPv6 address (eight 16-bit groups). */
export function v6Key(groups: Uint16Array, prefix: number): string {
  let key = '';
  let remaining = prefix;
  for (let i = 0; i < 8 && remaining > 0; i++) {
    const take = Math.min(remaining, 16);
    const masked = take === 16 ? groups[i] : groups[i] & ((0xffff << (16 - take)) & 0xffff);
    key += masked.toString(16) + ':';
    remaining -= take;
  }
  return key + '/' + prefix;
}

/** Counts the set bits of a 32-bit mask. */
function popcount(mask: number): number {
  let m = mask >>> 0;
  let n = 0;
  while (m !== 0) {
    n += m & 1;
    m >>>= 1;
  }
  return n;
}

/** A set of IPv4 and IPv6 entries (single addresses, CIDR prefixes, octet wildcards). */
export class IpPrefixSet<T> {
  private readonly v4: V4Table<T>[] = [];
  private readonly v6: V6Table<T>[] = [];
  private count = 0;

  /** Number of entries added (duplicates included). */
  get size(): number {
    return this.count;
  }

  /** Adds an IPv4 entry: `value & mask` must equal `address & mask`. First entry added wins. */
  addV4(address: number, mask: number, value: T): void {
    const m = mask >>> 0;
    let table = this.v4.find((t) => t.mask === m);
    if (table === undefined) {
      table = { mask: m, bits: popcount(m), values: new Map() };
      this.v4.push(table);
      // Most specific masks first, so a lookup reports the narrowest entry.
      this.v4.sort((a, b) => b.bits - a.bits);
    }
    // Signed 32-bit keys stay small integers in V8; unsigned ones above 2^31 would be boxed.
    const key = address & m;
    if (!table.values.has(key)) table.values.set(key, value);
    this.count++;
  }

  /** Adds an IPv6 prefix. */
  addV6(groups: Uint16Array, prefix: number, value: T): void {
    let table = this.v6.find((t) => t.prefix === prefix);
    if (table === undefined) {
      table = { prefix, values: new Map() };
      this.v6.push(table);
      this.v6.sort((a, b) => b.prefix - a.prefix);
    }
    const key = v6Key(groups, prefix);
    if (!table.values.has(key)) table.values.set(key, value);
    this.count++;
  }

  /** The most specific entry covering an IPv4 address (32-bit number). */
  matchV4(address: number): IpHit<T> | undefined {
    for (const table of this.v4) {
      const value = table.values.get(address & table.mask);
      if (value !== undefined) return { value, bits: table.bits };
    }
    return undefined;
  }

  /** The payload of the most specific entry covering an IPv4 address, without allocating. */
  findV4(address: number): T | undefined {
    const tables = this.v4;
    for (let i = 0; i < tables.length; i++) {
      const value = tables[i].values.get(address & tables[i].mask);
      if (value !== undefined) return value;
    }
    return undefined;
  }

  /** The most specific entry covering an IPv6 address. */
  matchV6(groups: Uint16Array): IpHit<T> | undefined {
    for (const table of this.v6) {
      const value = table.values.get(v6Key(groups, table.prefix));
      if (value !== undefined) return { value, bits: table.prefix };
    }
    return undefined;
  }

  /** Every IPv4 entry as (mask, masked address, value), for the linter. */
  *v4Entries(): IterableIterator<{ mask: number; bits: number; address: number; value: T }> {
    for (const t of this.v4)
      for (const [address, value] of t.values) yield { mask: t.mask, bits: t.bits, address, value };
  }
}
