/**
 * The due queue: messages ordered by when their first recipient falls due (then by queue id), as
 * a binary min-heap. A lease pops what is due instead of walking the whole queue, so its cost
 * follows the work it takes, not the size of mail.box (a queue of 100,000 messages waiting for
 * their retry time costs nothing to poll).
 *
 * Entries are not removed when a message changes: the state machine keeps, per message, the time
 * of its one live entry, and an entry whose time differs (or whose message is gone) is stale and
 * skipped when it comes up.
 */
import type { QueueId } from './types.js';

/** One entry: a message and the time it falls due. */
export interface DueEntry {
  readonly at: number;
  readonly id: QueueId;
}

/** Whether `a` comes before `b`: earlier, or as early with the smaller queue id. */
export function entryBefore(a: DueEntry, b: DueEntry): boolean {
  return a.at < b.at || (a.at === b.at && a.id < b.id);
}

/** A min-heap of {@link DueEntry} by (at, id). */
export class DueQueue {
  private readonly heap: DueEntry[] = [];

  get size(): number {
    return this.heap.length;
  }

  /** The earliest entry, without taking it. */
  peek(): DueEntry | undefined {
    return this.heap[0];
  }

  push(entry: DueEntry): void {
    const h = this.heap;
    // Sift up: parents later than the entry move down one level, then the entry goes in the gap.
    let i = h.length;
    h.push(entry);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = h[parent]!;
      if (!entryBefore(entry, p)) break;
      h[i] = p;
      i = parent;
    }
    h[i] = entry;
  }

  pop(): DueEntry | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length === 0 || last === undefined) return top;
    // Sift down: the last entry falls from the root while a child is earlier than it.
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const child = r < h.length && entryBefore(h[r]!, h[l]!) ? r : l;
      if (!entryBefore(h[child]!, last)) break;
      h[i] = h[child]!;
      i = child;
    }
    h[i] = last;
    return top;
  }

  /** Drops every entry (before a rebuild). */
  clear(): void {
    this.heap.length = 0;
  }
}
