/**
 * The destinations of the due index ordered by the earliest entry of their due queue (then by
 * destination name, so ties between two destinations of one message have one order): a binary
 * min-heap in which every destination knows its place, so one whose queue head changed moves up
 * or down in O(log destinations), and one can be taken out from anywhere.
 *
 * A queue's head may be a stale entry (see {@link DueIndex}); its time is then no later than the
 * destination's earliest live entry, so the order here is by a lower bound, and the index cleans a
 * destination's head before it trusts it.
 */
import { type DueEntry, DueQueue, entryBefore } from './due-queue.js';

/** A destination's due queue and its place in the heap. */
export class DestinationQueue {
  readonly queue = new DueQueue();
  /** Index in the heap's array; -1 while out of the heap. */
  pos = -1;
  constructor(readonly name: string) {}

  /** The queue's earliest entry (the heap holds only destinations whose queue has one). */
  get head(): DueEntry {
    return this.queue.peek()!;
  }
}

/** Whether `a`'s head comes before `b`'s (by time, queue id, then destination name). */
export function destinationBefore(a: DestinationQueue, b: DestinationQueue): boolean {
  const x = a.head;
  const y = b.head;
  return entryBefore(x, y) || (!entryBefore(y, x) && a.name < b.name);
}

/** A keyed min-heap of {@link DestinationQueue} by their heads. */
export class DestinationHeap {
  private readonly heap: DestinationQueue[] = [];

  get size(): number {
    return this.heap.length;
  }

  /** The destination with the earliest head, without taking it. */
  peek(): DestinationQueue | undefined {
    return this.heap[0];
  }

  /** Adds a destination whose queue is not empty. */
  push(d: DestinationQueue): void {
    d.pos = this.heap.length;
    this.heap.push(d);
    this.up(d);
  }

  /** Takes a destination out, wherever it is (nothing when it is not in the heap). */
  remove(d: DestinationQueue): void {
    const i = d.pos;
    if (i < 0) return;
    const last = this.heap.pop()!;
    d.pos = -1;
    if (last === d) return;
    this.heap[i] = last;
    last.pos = i;
    this.up(last);
    this.down(last);
  }

  /** Puts a destination back in order after its queue's head changed (either way). */
  moved(d: DestinationQueue): void {
    if (d.pos < 0) return;
    this.up(d);
    this.down(d);
  }

  clear(): void {
    for (const d of this.heap) d.pos = -1;
    this.heap.length = 0;
  }

  // Both sifts move the parents (or children) into the gap and place `d` once at the end.
  private up(d: DestinationQueue): void {
    const h = this.heap;
    let i = d.pos;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = h[parent]!;
      if (!destinationBefore(d, p)) break;
      h[i] = p;
      p.pos = i;
      i = parent;
    }
    h[i] = d;
    d.pos = i;
  }

  private down(d: DestinationQueue): void {
    const h = this.heap;
    let i = d.pos;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const child = r < h.length && destinationBefore(h[r]!, h[l]!) ? r : l;
      const c = h[child]!;
      if (!destinationBefore(c, d)) break;
      h[i] = c;
      c.pos = i;
      i = child;
    }
    h[i] = d;
    d.pos = i;
  }
}
