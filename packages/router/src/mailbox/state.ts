/**
 * The MailBox rules as a pure, synchronous state machine: which recipients are due, what a
 * settlement may change, when a message is dropped. The memory store is this plus bodies in
 * memory; the file store is this plus a journal, so both follow the one set of rules.
 *
 * Every change returns the recipients' new absolute values, never a delta, so a journal replayed
 * twice (a snapshot taken while a change was being written) ends in the same state.
 */
import { DueIndex } from './due-index.js';
import { mailBoxError } from './errors.js';
import { leaseRoom, validateLeaseRequest } from './lease-rules.js';
import {
  validateSettlement as checkSettlement,
  emptyStateCounts,
  isFinal,
  mayRecordOutcome,
} from './settlement-rules.js';
import {
  type ChangeResult,
  frozenCopy,
  type KeyRecord,
  type MessageRecord,
  messageView,
  type RecipientChange,
  type RecipientRecord,
  recipientView,
} from './state-records.js';
import type {
  DestinationCount,
  JsonValue,
  LeasedMessage,
  LeaseRequest,
  ListFilter,
  MailBoxCounts,
  QueuedMessage,
  QueueId,
  RecipientOutcome,
  Settlement,
} from './types.js';

export * from './state-records.js';

const ID_TIME_WIDTH = 9; // base 36 milliseconds: enough until the year 5138
const ID_SEQ_WIDTH = 5; // base 36: 60 million ids per millisecond

/**
 * The queue's state. Insertion order of `messages` is queue-id order, because ids grow and a
 * message is inserted when its id is made (or, on recovery, replayed in journal order).
 */
export class MailBoxState<B> {
  readonly messages = new Map<QueueId, MessageRecord<B>>();
  readonly keys = new Map<string, KeyRecord>();
  /** Messages by the time they fall due, per destination: what a lease pops. */
  private readonly due = new DueIndex();
  private lastStamp = 0;
  private lastSeq = 0;

  /** A new queue id, greater than every id made before (even if the clock steps back). */
  nextId(nowMs: number): QueueId {
    const now = Math.max(0, Math.floor(nowMs));
    if (now > this.lastStamp) {
      this.lastStamp = now;
      this.lastSeq = 0;
    } else {
      this.lastSeq++;
    }
    return this.lastId()!;
  }

  /** The last id made or noted, if any. */
  lastId(): QueueId | undefined {
    if (this.lastStamp === 0 && this.lastSeq === 0) return undefined;
    return (
      this.lastStamp.toString(36).padStart(ID_TIME_WIDTH, '0') +
      this.lastSeq.toString(36).padStart(ID_SEQ_WIDTH, '0')
    ).toUpperCase();
  }

  /** Remembers an id read back from disk, so new ids sort after it. */
  noteId(id: QueueId): void {
    if (!/^[0-9A-Z]{14}$/.test(id)) return; // another store's id scheme: nothing to order by
    const stamp = Number.parseInt(id.slice(0, ID_TIME_WIDTH), 36);
    const seq = Number.parseInt(id.slice(ID_TIME_WIDTH), 36);
    if (stamp > this.lastStamp || (stamp === this.lastStamp && seq > this.lastSeq)) {
      this.lastStamp = stamp;
      this.lastSeq = seq;
    }
  }

  /** The queue id already stored under `key`, if any. */
  keyed(key: string | undefined): QueueId | undefined {
    return key === undefined ? undefined : this.keys.get(key)?.id;
  }

  /** Adds a message (replay skips one already there). */
  insert(record: MessageRecord<B>): void {
    if (this.messages.has(record.id)) return;
    this.messages.set(record.id, record);
    this.touch(record);
    if (record.idempotencyKey !== undefined && !this.keys.has(record.idempotencyKey))
      this.keys.set(record.idempotencyKey, { id: record.id });
    this.noteId(record.id);
  }

  /** A visible message, or undefined. */
  visible(id: QueueId): MessageRecord<B> | undefined {
    const m = this.messages.get(id);
    return m?.visible ? m : undefined;
  }

  /** Drops a message; its key stays (with the time) so a late retry still finds it. */
  drop(id: QueueId, nowMs: number): MessageRecord<B> | undefined {
    const m = this.messages.get(id);
    if (!m) return undefined;
    this.messages.delete(id);
    this.due.forget(m);
    if (m.idempotencyKey !== undefined) {
      const k = this.keys.get(m.idempotencyKey);
      if (k && k.id === m.id) k.droppedAtMs = nowMs;
    }
    return m;
  }

  /** Forgets keys of messages dropped more than `retentionMs` ago. */
  pruneKeys(nowMs: number, retentionMs: number): void {
    for (const [key, k] of this.keys)
      if (k.droppedAtMs !== undefined && nowMs - k.droppedAtMs > retentionMs) this.keys.delete(key);
  }

  /** Takes due work: see {@link LeaseRequest}. */
  lease(req: LeaseRequest): LeasedMessage[] {
    validateLeaseRequest(req);
    const bounded = req.perDestinationLimit !== undefined || req.destinationRoom !== undefined;
    const never = new Set(req.excludeDestinations ?? []);
    let only = req.destinations ? new Set(req.destinations) : undefined;
    if (bounded) {
      const roomy = new Set<string>();
      for (const [destination, room] of Object.entries(req.destinationRoom ?? {})) {
        if (room === 0) never.add(destination);
        else if (only === undefined || only.has(destination)) roomy.add(destination);
      }
      // No room by default: only the destinations given room of their own can be taken from.
      if (req.perDestinationLimit === 0) only = roomy;
    }
    // `never` grows between pops as destinations use up their room, so the due index stops
    // offering them (their queues are not even looked at again in this call).
    const filter = { only, never };
    const taken = new Map<string, number>();
    const expires = req.nowMs + req.leaseMs;
    const out: LeasedMessage[] = [];
    // Messages taken out of the index (leased, or not yet visible) go back once the lease is
    // made, so one call never sees a (message, destination) twice.
    const putBack: MessageRecord<B>[] = [];
    const lookup = (id: QueueId) => this.messages.get(id);
    while (out.length < req.limit) {
      const hit = this.due.popDue(req.nowMs, filter, lookup);
      if (hit === undefined) break;
      const { record: m, destination } = hit;
      putBack.push(m);
      if (!m.visible) continue;
      const rs = m.recipients.filter(
        (r) =>
          r.destination === destination &&
          ((r.state === 'waiting' && r.nextAttemptMs <= req.nowMs) ||
            (r.state === 'in-flight' && (r.leaseExpiresMs ?? 0) <= req.nowMs)),
      );
      if (rs.length === 0) continue;
      for (const r of rs) {
        r.state = 'in-flight';
        r.leaseOwner = req.owner;
        r.leaseExpiresMs = expires;
      }
      out.push({
        message: messageView(m),
        destination,
        recipients: rs.map(recipientView),
        leaseExpiresMs: expires,
      });
      if (bounded) {
        const n = (taken.get(destination) ?? 0) + 1;
        taken.set(destination, n);
        if (n >= leaseRoom(req, destination)) never.add(destination);
      }
    }
    for (const m of putBack) if (this.messages.get(m.id) === m) this.touch(m);
    return out;
  }

  /** Checks a settlement before anything changes, so a bad one changes nothing. */
  validateSettlement(s: Settlement): void {
    checkSettlement(s, s && typeof s.id === 'string' ? this.visible(s.id)?.recipients.length : undefined);
  }

  /**
   * Applies outcomes (already validated). A message that is gone was settled before: nothing
   * to do, which is what makes a repeated settlement harmless.
   */
  settle(s: Settlement, nowMs: number): ChangeResult {
    const m = this.visible(s.id);
    if (!m) return { changes: [], dropped: false };
    const changes: RecipientChange[] = [];
    for (const o of s.outcomes) {
      const r = m.recipients[o.index]!;
      if (!mayRecordOutcome(r, o, s.owner)) continue;
      applyOutcome(r, o);
      changes.push(r);
    }
    return this.finish(m, changes, nowMs);
  }

  /** Holds waiting recipients. */
  hold(id: QueueId, indexes: readonly number[] | undefined, nowMs: number): ChangeResult {
    const m = this.found(id);
    const changes: RecipientChange[] = [];
    for (const r of this.pick(m, indexes)) {
      if (r.state !== 'waiting') continue;
      r.state = 'held';
      changes.push(r);
    }
    return this.finish(m, changes, nowMs);
  }

  /** Makes held or dead recipients waiting and due at `nowMs`. */
  release(id: QueueId, nowMs: number, indexes: readonly number[] | undefined): ChangeResult {
    const m = this.found(id);
    if (!Number.isFinite(nowMs)) throw mailBoxError('MAILBOX_INVALID', 'nowMs is not a time');
    const changes: RecipientChange[] = [];
    for (const r of this.pick(m, indexes)) {
      if (r.state !== 'held' && r.state !== 'dead') continue;
      r.state = 'waiting';
      r.nextAttemptMs = nowMs;
      changes.push(r);
    }
    return this.finish(m, changes, nowMs);
  }

  /** Moves a recipient to another destination and route, waiting and due at `nowMs`. */
  reroute(
    id: QueueId,
    index: number,
    destination: string,
    route: JsonValue | undefined,
    nowMs: number,
  ): ChangeResult {
    const m = this.found(id);
    if (typeof destination !== 'string' || destination === '')
      throw mailBoxError('MAILBOX_INVALID', 'reroute needs a destination');
    if (!Number.isFinite(nowMs)) throw mailBoxError('MAILBOX_INVALID', 'nowMs is not a time');
    const [r] = this.pick(m, [index]);
    if (isFinal(r!.state)) return { changes: [], dropped: false };
    if (r!.state === 'in-flight')
      throw mailBoxError('MAILBOX_IN_FLIGHT', `recipient ${index} of ${id} is in flight; settle it first`);
    r!.destination = destination;
    if (route === undefined) delete r!.route;
    else r!.route = frozenCopy(route);
    r!.state = 'waiting';
    r!.nextAttemptMs = nowMs;
    return this.finish(m, [r!], nowMs);
  }

  /** Replays recipients' recorded values (from the journal). */
  replay(id: QueueId, changes: readonly RecipientRecord[], nowMs: number): void {
    const m = this.messages.get(id);
    if (!m) return;
    for (const c of changes) if (m.recipients[c.index]) m.recipients[c.index] = { ...c };
    this.finish(m, [], nowMs);
  }

  /** Counts by state and destination. */
  counts(): MailBoxCounts {
    const recipients = emptyStateCounts();
    const dest = new Map<string, { waiting: number; inFlight: number; nextAttemptMs?: number }>();
    let messages = 0;
    for (const m of this.messages.values()) {
      if (!m.visible) continue;
      messages++;
      for (const r of m.recipients) {
        recipients[r.state]++;
        if (r.state !== 'waiting' && r.state !== 'in-flight') continue;
        let d = dest.get(r.destination);
        if (!d) {
          d = { waiting: 0, inFlight: 0 };
          dest.set(r.destination, d);
        }
        if (r.state === 'waiting') {
          d.waiting++;
          if (d.nextAttemptMs === undefined || r.nextAttemptMs < d.nextAttemptMs)
            d.nextAttemptMs = r.nextAttemptMs;
        } else d.inFlight++;
      }
    }
    const destinations: DestinationCount[] = [...dest.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([destination, d]) =>
        d.nextAttemptMs === undefined
          ? { destination, waiting: d.waiting, inFlight: d.inFlight }
          : { destination, waiting: d.waiting, inFlight: d.inFlight, nextAttemptMs: d.nextAttemptMs },
      );
    return { messages, recipients, destinations };
  }

  /** Messages in id order that pass the filter. */
  list(filter: ListFilter = {}): QueuedMessage[] {
    const limit = filter.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1)
      throw mailBoxError('MAILBOX_INVALID', 'limit must be positive');
    const out: QueuedMessage[] = [];
    for (const m of this.messages.values()) {
      if (!m.visible) continue;
      if (filter.after !== undefined && m.id <= filter.after) continue;
      if (filter.arrivedBeforeMs !== undefined && !(m.arrivalMs < filter.arrivedBeforeMs)) continue;
      if (filter.state !== undefined || filter.destination !== undefined) {
        const hit = m.recipients.some(
          (r) =>
            (filter.state === undefined || r.state === filter.state) &&
            (filter.destination === undefined || r.destination === filter.destination),
        );
        if (!hit) continue;
      }
      out.push(messageView(m));
      if (out.length >= limit) break;
    }
    return out;
  }

  private found(id: QueueId): MessageRecord<B> {
    const m = this.visible(id);
    if (!m) throw mailBoxError('MAILBOX_NOT_FOUND', `no message ${String(id)}`);
    return m;
  }

  private pick(m: MessageRecord<B>, indexes: readonly number[] | undefined): RecipientRecord[] {
    if (indexes === undefined) return m.recipients;
    return indexes.map((i) => {
      const r = Number.isInteger(i) ? m.recipients[i] : undefined;
      if (!r) throw mailBoxError('MAILBOX_NOT_FOUND', `message ${m.id} has no recipient ${i}`);
      return r;
    });
  }

  private finish(m: MessageRecord<B>, changes: RecipientChange[], nowMs: number): ChangeResult {
    const dropped = m.recipients.every((r) => isFinal(r.state));
    if (dropped) this.drop(m.id, nowMs);
    else this.touch(m);
    return { changes, dropped };
  }

  /** Per destination, when the message's first recipient there falls due (none: never). */
  private dueOf(m: MessageRecord<B>): Map<string, number> {
    const dues = new Map<string, number>();
    for (const r of m.recipients) {
      const at =
        r.state === 'waiting'
          ? r.nextAttemptMs
          : r.state === 'in-flight'
            ? (r.leaseExpiresMs ?? 0)
            : undefined;
      if (at === undefined) continue;
      const was = dues.get(r.destination);
      if (was === undefined || at < was) dues.set(r.destination, at);
    }
    return dues;
  }

  /** Puts a message in the due index at its due times after a change. */
  private touch(m: MessageRecord<B>): void {
    this.due.set(m, this.dueOf(m));
    // Stale entries are dropped as they come up; an index mostly stale is rebuilt.
    if (this.due.bloated) this.due.rebuild(this.messages.values());
  }
}

function applyOutcome(r: RecipientRecord, o: RecipientOutcome): void {
  r.state = o.state;
  delete r.leaseOwner;
  delete r.leaseExpiresMs;
  if (o.countsAsAttempt !== false) {
    r.attempts++;
    r.lastAttemptMs = o.attemptMs;
  }
  if (o.state === 'waiting') r.nextAttemptMs = o.nextAttemptMs!;
  if (o.reply !== undefined) r.lastReply = { ...o.reply };
  if (o.remoteMta !== undefined) r.remoteMta = o.remoteMta;
  if (o.delayReported) r.delayReported = true;
}
