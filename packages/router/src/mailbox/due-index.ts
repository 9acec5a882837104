/**
 * The due index: one due queue per destination, each holding the messages with a recipient there
 * and the time the first of those falls due, and above the queues a heap of the destinations by
 * their queue's earliest entry. A lease takes the earliest due entry of all destinations from the
 * top of that heap, O(log destinations), where looking at every queue's head cost one step per
 * destination for every unit leased: an Internet relay has a destination per MX domain, thousands.
 * A lease for a few named queues (the delivery queues) looks at those queues only, and leaving a
 * hot destination out (at its concurrency limit) costs nothing per message of its backlog.
 *
 * A message's live entries are in its `dueAt` map (destination to time); an entry in a queue whose
 * time differs from the map (or whose message is gone) is stale and skipped when it comes up.
 */
import { DestinationHeap, DestinationQueue, destinationBefore } from './destination-heap.js';
import type { QueueId } from './types.js';

/** What the index needs of a message record. */
export interface Indexed {
  readonly id: QueueId;
  /** Per destination, the time of the message's live entry; kept by the index. */
  dueAt?: Map<string, number> | undefined;
}

/** Destinations a lease takes from: `only` these (when given), never those in `never`. */
export interface DestinationFilter {
  readonly only?: ReadonlySet<string> | undefined;
  readonly never?: ReadonlySet<string> | undefined;
}

export class DueIndex {
  private readonly queues = new Map<string, DestinationQueue>();
  /** The destinations with a non-empty queue, by their queue's earliest entry. */
  private readonly heads = new DestinationHeap();
  /** Entries in all queues, stale ones included. */
  private entries = 0;
  /** Live entries (the sum of every message's `dueAt` size). */
  private live = 0;

  /** Records a message's due times per destination after a change (`dues`: destination to time). */
  set(m: Indexed, dues: ReadonlyMap<string, number>): void {
    if (m.dueAt !== undefined)
      for (const [d, at] of m.dueAt)
        if (dues.get(d) !== at) {
          m.dueAt.delete(d); // its entry, if still queued, is now stale
          this.live--;
        }
    for (const [d, at] of dues) {
      if (m.dueAt?.get(d) === at) continue;
      m.dueAt ??= new Map();
      m.dueAt.set(d, at);
      this.live++;
      this.push(d, at, m.id);
    }
    if (m.dueAt?.size === 0) m.dueAt = undefined;
  }

  /** Forgets a message that left the store (its queued entries become stale). */
  forget(m: Indexed): void {
    if (m.dueAt === undefined) return;
    this.live -= m.dueAt.size;
    m.dueAt = undefined;
  }

  /** Whether stale entries outnumber live ones enough to rebuild (see {@link rebuild}). */
  get bloated(): boolean {
    return this.entries > 4 * this.live + 1024;
  }

  /** Rebuilds every queue from the messages' live entries. */
  rebuild(messages: Iterable<Indexed>): void {
    this.queues.clear();
    this.heads.clear();
    this.entries = 0;
    for (const m of messages)
      if (m.dueAt !== undefined) for (const [d, at] of m.dueAt) this.push(d, at, m.id);
  }

  /**
   * Takes the earliest live entry due by `nowMs` among the destinations the filter allows (by
   * time, then queue id, then destination name), out of the index: the caller puts the message
   * back with {@link set}.
   */
  popDue<M extends Indexed>(
    nowMs: number,
    filter: DestinationFilter,
    lookup: (id: QueueId) => M | undefined,
  ): { record: M; destination: string } | undefined {
    if (filter.only !== undefined) {
      // A handful of named queues (the delivery queues): their heads are looked at directly.
      let best: DestinationQueue | undefined;
      for (const name of filter.only) {
        const d = this.queues.get(name);
        if (d === undefined || filter.never?.has(name)) continue;
        this.dropStale(d, lookup);
        const head = d.queue.peek();
        if (head === undefined || head.at > nowMs) continue;
        if (best === undefined || destinationBefore(d, best)) best = d;
      }
      return best === undefined ? undefined : this.take(best, lookup);
    }
    // Excluded destinations whose head comes first are set aside (out of the heap) until the
    // earliest allowed one is found, and put back before returning: O(k log D) for k of them, and
    // k is small: a lease leaves out the delivery queues and the destinations at their concurrency
    // limit, at most one per running transfer thread (a destination in retry is not left out: its
    // units are given back with the retry time, so its entries stop being due).
    const never = filter.never;
    const aside: DestinationQueue[] = [];
    try {
      for (;;) {
        const d = this.heads.peek();
        // The head is no later than any live entry of any destination: nothing is due.
        if (d === undefined || d.head.at > nowMs) return undefined;
        if (never?.has(d.name)) {
          this.heads.remove(d);
          aside.push(d);
        } else if (!this.dropStale(d, lookup)) return this.take(d, lookup);
      }
    } finally {
      for (const d of aside) this.heads.push(d);
    }
  }

  /** Queues an entry, adding its destination to the index on its first entry. */
  private push(name: string, at: number, id: QueueId): void {
    let d = this.queues.get(name);
    const entry = { at, id };
    this.entries++;
    if (d === undefined) {
      d = new DestinationQueue(name);
      this.queues.set(name, d);
      d.queue.push(entry);
      this.heads.push(d);
    } else {
      d.queue.push(entry);
      if (d.head === entry) this.heads.moved(d);
    }
  }

  /**
   * Drops the stale entries at the head of a destination's queue, so its head is live (or the
   * destination leaves the index, its queue empty). Returns whether any was dropped.
   */
  private dropStale(d: DestinationQueue, lookup: (id: QueueId) => Indexed | undefined): boolean {
    let dropped = false;
    for (let top = d.queue.peek(); top !== undefined; top = d.queue.peek()) {
      if (lookup(top.id)?.dueAt?.get(d.name) === top.at) break;
      d.queue.pop();
      this.entries--;
      dropped = true;
    }
    if (dropped) this.reordered(d);
    return dropped;
  }

  /** Takes a destination's head (live) out of the index, with its message's entry. */
  private take<M extends Indexed>(
    d: DestinationQueue,
    lookup: (id: QueueId) => M | undefined,
  ): { record: M; destination: string } {
    const entry = d.queue.pop()!;
    this.entries--;
    this.reordered(d);
    const record = lookup(entry.id)!;
    record.dueAt!.delete(d.name);
    this.live--;
    if (record.dueAt!.size === 0) record.dueAt = undefined;
    return { record, destination: d.name };
  }

  /** After a queue lost its head: the destination moves down, or leaves the index when empty. */
  private reordered(d: DestinationQueue): void {
    if (d.queue.size > 0) this.heads.moved(d);
    else {
      this.heads.remove(d);
      this.queues.delete(d.name);
    }
  }
}
