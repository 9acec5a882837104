/**
 * A string-keyed hash index from key to entry numbers, for directories of millions of names.
 * Open addressing with linear probing over typed arrays: inserting a key costs one FNV-1a hash and
 * no allocation besides the key itself, about half of what a `Map` costs at this size, and the
 * garbage collector never walks the slot arrays. Keys are compared exactly (callers normalize).
 */
export class StringIndex {
  #keys: (string | undefined)[];
  /**
   * Per slot, side by side so one cache line holds both: the key's hash at `2i`, and at `2i + 1`
   * the entry number (>= 0) or -(j + 1) for `#shared[j]`, a list of several numbers.
   */
  #slots: Int32Array;
  readonly #shared: number[][] = [];
  #mask: number;
  #size = 0;

  constructor(expected = 16) {
    let capacity = 16;
    while (capacity < expected * 2) capacity *= 2;
    this.#keys = new Array(capacity);
    this.#slots = new Int32Array(capacity * 2);
    this.#mask = capacity - 1;
  }

  /** Number of distinct keys. */
  get size(): number {
    return this.#size;
  }

  /** Adds entry number `id` under `key` (once: adding the same pair again changes nothing). */
  add(key: string, id: number): void {
    if ((this.#size + 1) * 2 > this.#keys.length) this.#grow();
    const h = hash(key);
    const mask = this.#mask;
    const keys = this.#keys;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const k = keys[i];
      if (k === undefined) {
        keys[i] = key;
        this.#slots[2 * i] = h;
        this.#slots[2 * i + 1] = id;
        this.#size++;
        return;
      }
      if (this.#slots[2 * i] === h && k === key) {
        const v = this.#slots[2 * i + 1]!;
        if (v >= 0) {
          if (v !== id) {
            this.#shared.push([v, id]);
            this.#slots[2 * i + 1] = -this.#shared.length;
          }
        } else {
          const list = this.#shared[-v - 1]!;
          if (!list.includes(id)) list.push(id);
        }
        return;
      }
    }
  }

  /** The entry numbers under `key`: a number, an array of several, or undefined. */
  get(key: string): number | readonly number[] | undefined {
    const h = hash(key);
    const mask = this.#mask;
    const keys = this.#keys;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const k = keys[i];
      if (k === undefined) return undefined;
      if (this.#slots[2 * i] === h && k === key) {
        const v = this.#slots[2 * i + 1]!;
        return v >= 0 ? v : this.#shared[-v - 1];
      }
    }
  }

  #grow(): void {
    const oldKeys = this.#keys;
    const oldSlots = this.#slots;
    const capacity = oldKeys.length * 2;
    this.#keys = new Array(capacity);
    this.#slots = new Int32Array(capacity * 2);
    this.#mask = capacity - 1;
    for (let j = 0; j < oldKeys.length; j++) {
      const k = oldKeys[j];
      if (k === undefined) continue;
      const h = oldSlots[2 * j]!;
      let i = h & this.#mask;
      while (this.#keys[i] !== undefined) i = (i + 1) & this.#mask;
      this.#keys[i] = k;
      this.#slots[2 * i] = h;
      this.#slots[2 * i + 1] = oldSlots[2 * j + 1]!;
    }
  }
}

/** FNV-1a over UTF-16 code units, as a signed 32-bit integer. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}
