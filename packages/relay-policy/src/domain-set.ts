/**
 * A set of listed domains answering "which entry covers this name?" in O(labels) hash lookups,
 * whatever the number of entries: every entry sits in one Map under its A-label text, and a name
 * is looked up by its suffixes at label boundaries (or at every character in Domino's substring
 * mode). No scan over the entries ever happens at decision time.
 */
import type { DomainMatchMode } from './config.js';

/** How one listed domain covers names. */
interface Cover<T> {
  /** Matches the name itself (`ibm.com` matches `ibm.com`). */
  self: T | undefined;
  /** Matches names below it (`ibm.com` and `*.ibm.com` match `us.ibm.com`). */
  below: T | undefined;
}

/** What a lookup found: the entry's payload and how it matched. */
export interface DomainHit<T> {
  readonly value: T;
  /** `exact`: the name is the entry; `subdomain`: a label-boundary suffix; `substring`: Domino's mid-label match. */
  readonly how: 'exact' | 'subdomain' | 'substring';
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
  private readonly covers = new Map<string, Cover<T>>();
  private minLength = Number.POSITIVE_INFINITY;
  private maxLength = 0;
  /** Bit n set: some entry has n+1 labels (n < 31); bit 31: some entry has 32 or more. */
  private labelCounts = 0;

  constructor(private readonly mode: DomainMatchMode) {}

  /** Number of distinct names held. */
  get size(): number {
    return this.covers.size;
  }

  /** Adds a name. `self`: matches the name itself; `below`: matches its subdomains. First entry added wins. */
  add(name: string, value: T, self: boolean, below: boolean): void {
    let cover = this.covers.get(name);
    if (cover === undefined) {
      cover = { self: undefined, below: undefined };
      this.covers.set(name, cover);
    }
    if (self && cover.self === undefined) cover.self = value;
    if (below && cover.below === undefined) cover.below = value;
    if (name.length < this.minLength) this.minLength = name.length;
    if (name.length > this.maxLength) this.maxLength = name.length;
    this.labelCounts |= labelBit(countLabels(name));
  }

  /** The entry stored under exactly this name, if any (for the linter). */
  getExact(name: string): { self: T | undefined; below: T | undefined } | undefined {
    return this.covers.get(name);
  }

  /** The most specific entry covering `name` (A-labels, lowercase), or undefined. */
  match(name: string): DomainHit<T> | undefined {
    if (this.covers.size === 0) return undefined;
    let labels = countLabels(name);
    // Only names and suffixes with as many labels as some entry can match: usually one Map probe.
    if (
      name.length <= this.maxLength &&
      (this.mode === 'substring' || (this.labelCounts & labelBit(labels)) !== 0)
    ) {
      const exact = this.covers.get(name);
      if (exact?.self !== undefined) return { value: exact.self, how: 'exact' };
    }
    if (this.mode === 'label') {
      let dot = name.indexOf('.');
      while (dot >= 0) {
        labels--;
        const suffixLength = name.length - dot - 1;
        if (suffixLength < this.minLength) break;
        if (suffixLength <= this.maxLength && (this.labelCounts & labelBit(labels)) !== 0) {
          const cover = this.covers.get(name.slice(dot + 1));
          if (cover?.below !== undefined) return { value: cover.below, how: 'subdomain' };
        }
        dot = name.indexOf('.', dot + 1);
      }
      return undefined;
    }
    // Domino's trailing substring: every suffix counts, on a label boundary or not.
    const start = Math.max(1, name.length - this.maxLength);
    for (let i = start; i <= name.length - this.minLength; i++) {
      const cover = this.covers.get(name.slice(i));
      if (cover === undefined) continue;
      // On a label boundary any entry covers the name; inside a label only a plain one does.
      if (name.charCodeAt(i - 1) === 46) {
        const value = cover.below ?? cover.self;
        if (value !== undefined) return { value, how: 'subdomain' };
      } else if (cover.self !== undefined) {
        return { value: cover.self, how: 'substring' };
      }
    }
    return undefined;
  }

  /** Every stored name with its cover, for the linter. */
  *entries(): IterableIterator<[string, { self: T | undefined; below: T | undefined }]> {
    yield* this.covers.entries();
  }
}
