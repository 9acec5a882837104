/**
 * The due index: one due queue per destination, each holding the messages with a recipient there
 * and the time the first of those falls due. A lease asks only the queues of the destinations it
 * wants, so leaving a hot destination out (at its concurrency limit) or asking for local work only
 * costs nothing per message of that destination's backlog. With one queue for every destination,
 * such a lease popped and put back every due message of the backlog: measured as the largest cost
 * of the state machine in the end-to-end relay benchmark, paid after every finished transfer.
 *
 * A message's live entries are in its `dueAt` map (destination to time); an entry in a queue whose
 * time differs from the map (or whose message is gone) is stale and skipped when it comes up.
 */
import { DueQueue } from './due-queue.js';
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
  private readonly queues = new Map<string, DueQueue>();
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
      this.queue(d).push({ at, id: m.id });
      this.entries++;
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
    this.entries = 0;
    for (const m of messages)
      if (m.dueAt !== undefined)
        for (const [d, at] of m.dueAt) {
          this.queue(d).push({ at, id: m.id });
          this.entries++;
        }
  }

  /**
   * Takes the earliest live entry due by `nowMs` among the destinations the filter allows (by
   * time, then queue id), out of the index: the caller puts the message back with {@link set}.
   */
  popDue<M extends Indexed>(
    nowMs: number,
    filter: DestinationFilter,
    lookup: (id: QueueId) => M | undefined,
  ): { record: M; destination: string } | undefined {
    let best: { destination: string; queue: DueQueue; at: number; id: QueueId } | undefined;
    const consider = (destination: string, queue: DueQueue): void => {
      // Stale entries at the top are dropped here, so the top is live (or the queue is empty).
      for (let top = queue.peek(); top !== undefined; top = queue.peek()) {
        if (lookup(top.id)?.dueAt?.get(destination) === top.at) break;
        queue.pop();
        this.entries--;
      }
      const top = queue.peek();
      if (top === undefined) {
        this.queues.delete(destination);
        return;
      }
      if (top.at > nowMs) return;
      if (best === undefined || top.at < best.at || (top.at === best.at && top.id < best.id))
        best = { destination, queue, at: top.at, id: top.id };
    };
    if (filter.only !== undefined) {
      for (const d of filter.only) {
        const q = this.queues.get(d);
        if (q !== undefined && !filter.never?.has(d)) consider(d, q);
      }
    } else for (const [d, q] of this.queues) if (!filter.never?.has(d)) consider(d, q);
    if (best === undefined) return undefined;
    best.queue.pop();
    this.entries--;
    const record = lookup(best.id)!;
    record.dueAt!.delete(best.destination);
    this.live--;
    if (record.dueAt!.size === 0) record.dueAt = undefined;
    return { record, destination: best.destination };
  }

  private queue(destination: string): DueQueue {
    let q = this.queues.get(destination);
    if (q === undefined) {
      q = new DueQueue();
      this.queues.set(destination, q);
    }
    return q;
  }
}
