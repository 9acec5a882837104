/**
 * A set of listed domains answering "which entry covers this name?" in O(length of the name),
 * whatever the number of entries. Entries live in an open-addressing hash table over typed arrays;
 * a name is hashed once, from its last character to its first, and the hash of every suffix that
 * starts at a label boundary (or, in Domino's substring mode, at any character) is looked up as it
 * comes. No substring is allocated and no entry is scanned.
 */
import type { DomainMatchMode } from './config.js';

/** What a lookup found: the entry's payload and how it matched. */
export interface DomainHit<T> {
  readonly value: T;
  /** `exact`: the name is the entry; `subdomain`: a label-boundary suffix; `substring`: Domino's mid-label match. */
  readonly how: 'exact' | 'subdomain' | 'substring';
}

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;
/** Longest name the lookup looks at (RFC 1035 limit in presentation form, with slack). */
const MAX_NAME = 256;

/** The hash of `text` read backwards, as `match` computes it for suffixes. */
function suffixHash(text: string): number {
  let h = FNV_OFFSET;
  for (let i = text.length - 1; i >= 0; i--) h = Math.imul(h ^ text.charCodeAt(i), FNV_PRIME);
  return h;
}

function countLabels(name: string): number {
  let n = 1;
  for (let i = 0; i < name.length; i++) if (name.charCodeAt(i) === 46) n++;
  return n;
}

function labelBit(labels: number): number {
  return 1 << (Math.min(labels, 32) - 1);
}

/** Domain names (A-labels, lowercase, no trailing dot) mapped to a payload, matched by suffix. */
export class DomainSuffixSet<T> {
  private names: string[] = [];
  private hashes: number[] = [];
  private selfValues: (T | undefined)[] = [];
  private belowValues: (T | undefined)[] = [];
  /** Slot -> entry index + 1 (0: empty). Capacity is a power of two, at most half full. */
  private table = new Int32Array(16);
  private minLength = Number.POSITIVE_INFINITY;
  private maxLength = 0;
  /** Bit n set: some entry has n+1 labels (n < 31); bit 31: some entry has 32 or more. */
  private labelCounts = 0;
  /** Suffix start positions and hashes of the name being matched (no allocation per lookup). */
  private readonly starts = new Int32Array(MAX_NAME + 1);
  private readonly startHashes = new Int32Array(MAX_NAME + 1);

  constructor(private readonly mode: DomainMatchMode) {}

  /** Number of distinct names held. */
  get size(): number {
    return this.names.length;
  }

  private indexOf(name: string, hash: number): number {
    const mask = this.table.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const at = this.table[slot];
      if (at === 0) return -1;
      if (this.hashes[at - 1] === hash && this.names[at - 1] === name) return at - 1;
    }
  }

  private insert(index: number): void {
    const mask = this.table.length - 1;
    let slot = this.hashes[index] & mask;
    while (this.table[slot] !== 0) slot = (slot + 1) & mask;
    this.table[slot] = index + 1;
  }

  /** Adds a name. `self`: matches the name itself; `below`: matches its subdomains. First entry added wins. */
  add(name: string, value: T, self: boolean, below: boolean): void {
    const hash = suffixHash(name);
    let index = this.indexOf(name, hash);
    if (index < 0) {
      index = this.names.length;
      this.names.push(name);
      this.hashes.push(hash);
      this.selfValues.push(undefined);
      this.belowValues.push(undefined);
      if (this.names.length * 2 > this.table.length) {
        this.table = new Int32Array(this.table.length * 2);
        for (let i = 0; i < this.names.length; i++) this.insert(i);
      } else {
        this.insert(index);
      }
    }
    if (self && this.selfValues[index] === undefined) this.selfValues[index] = value;
    if (below && this.belowValues[index] === undefined) this.belowValues[index] = value;
    if (name.length < this.minLength) this.minLength = name.length;
    if (name.length > this.maxLength) this.maxLength = name.length;
    this.labelCounts |= labelBit(countLabels(name));
  }

  /** The entry stored under exactly this name, if any (for the linter). */
  getExact(name: string): { self: T | undefined; below: T | undefined } | undefined {
    const index = this.indexOf(name, suffixHash(name));
    return index < 0 ? undefined : { self: this.selfValues[index], below: this.belowValues[index] };
  }

  /** Index of the entry equal to `name.slice(start)` with the given hash, or -1. */
  private probe(name: string, start: number, hash: number): number {
    const length = name.length - start;
    const mask = this.table.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const at = this.table[slot];
      if (at === 0) return -1;
      const entry = this.names[at - 1];
      if (this.hashes[at - 1] === hash && entry.length === length && name.endsWith(entry)) return at - 1;
    }
  }

  /** How the last successful {@link DomainSuffixSet.find} matched (scratch, read right after it). */
  private lastHow: DomainHit<T>['how'] = 'exact';

  /** The most specific entry covering `name` (A-labels, lowercase) and how it matched, or undefined. */
  match(name: string): DomainHit<T> | undefined {
    const value = this.find(name);
    return value === undefined ? undefined : { value, how: this.lastHow };
  }

  /** The payload of the most specific entry covering `name`, without allocating. */
  find(name: string): T | undefined {
    const n = name.length;
    if (this.names.length === 0 || n > MAX_NAME || n < this.minLength) return undefined;
    const label = this.mode === 'label';
    // Walk backwards once, noting the hash of each candidate suffix: label mode keeps suffixes
    // that start after a dot and have as many labels as some entry; substring mode keeps all.
    let h = FNV_OFFSET;
    let count = 0;
    let labels = 1;
    const maxLength = this.maxLength;
    for (let i = n - 1; i >= 0; i--) {
      // No entry is longer than this suffix: nothing further left can match (not even the exact name).
      if (n - i - 1 > maxLength) break;
      const c = name.charCodeAt(i);
      if (c === 46) {
        const length = n - i - 1;
        if (
          length >= this.minLength &&
          length <= this.maxLength &&
          (!label || (this.labelCounts & labelBit(labels)) !== 0)
        ) {
          this.starts[count] = i + 1;
          this.startHashes[count++] = h;
        }
        labels++;
      }
      h = Math.imul(h ^ c, FNV_PRIME);
      if (!label && i > 0 && c !== 46 && name.charCodeAt(i - 1) !== 46) {
        const length = n - i;
        if (length >= this.minLength && length <= this.maxLength) {
          this.starts[count] = i;
          this.startHashes[count++] = h;
        }
      }
    }
    if (n <= this.maxLength && (!label || (this.labelCounts & labelBit(labels)) !== 0)) {
      const exact = this.probe(name, 0, h);
      if (exact >= 0 && this.selfValues[exact] !== undefined) {
        this.lastHow = 'exact';
        return this.selfValues[exact];
      }
    }
    // Longest suffix first: the most specific entry wins.
    for (let k = count - 1; k >= 0; k--) {
      const start = this.starts[k];
      const index = this.probe(name, start, this.startHashes[k]);
      if (index < 0) continue;
      if (name.charCodeAt(start - 1) === 46) {
        // On a label boundary any entry covers the name in substring mode; in label mode only `below`.
        const value = label ? this.belowValues[index] : (this.belowValues[index] ?? this.selfValues[index]);
        if (value !== undefined) {
          this.lastHow = 'subdomain';
          return value;
        }
      } else if (this.selfValues[index] !== undefined) {
        this.lastHow = 'substring';
        return this.selfValues[index];
      }
    }
    return undefined;
  }

  /** Every stored name with its cover, for the linter. */
  *entries(): IterableIterator<[string, { self: T | undefined; below: T | undefined }]> {
    for (let i = 0; i < this.names.length; i++)
      yield [this.names[i], { self: this.selfValues[i], below: this.belowValues[i] }];
  }
}
