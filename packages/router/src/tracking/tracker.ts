/**
 * Message tracking (Domino's Message Tracking Collector, `track` at the console): for a queue id
 * or a Message-ID, the path the message took and each attempt's reply. `MessageTracker` is the
 * interface; `createMemoryTracker` the default, bounded in messages and in events per message
 * (the oldest message is forgotten first).
 */

/** One thing that happened to a message. */
export interface TrackingEvent {
  readonly queueId: string;
  readonly atMs: number;
  /**
   * `queued` (with destinations), `rule` (a server mail rule acted), `attempt` (an outcome with
   * its reply), `held`, `released`, `rerouted`, `deleted`, `report` (a DSN was queued), `journaled`.
   */
  readonly kind:
    | 'queued'
    | 'rule'
    | 'attempt'
    | 'held'
    | 'released'
    | 'rerouted'
    | 'deleted'
    | 'report'
    | 'journaled';
  readonly messageId?: string | undefined;
  /** The recipient it is about, when one. */
  readonly recipient?: string | undefined;
  readonly destination?: string | undefined;
  /** For `attempt`: the recipient's new state. */
  readonly state?: string | undefined;
  /** The reply, as `550 5.1.1 No such user`. */
  readonly reply?: string | undefined;
  readonly remoteMta?: string | undefined;
  /** Free text: the rule and its action, the report's queue id. */
  readonly detail?: string | undefined;
}

/** Where tracking events go and how they are found. */
export interface MessageTracker {
  record(event: TrackingEvent): void;
  /** Every event of the messages with this queue id or Message-ID (angle brackets optional), oldest first. */
  find(key: string): TrackingEvent[];
}

/** Options of {@link createMemoryTracker}. */
export interface MemoryTrackerOptions {
  /** Messages remembered. Default 10,000. */
  readonly maxMessages?: number;
  /** Events kept per message (the first ones and the latest ones). Default 200. */
  readonly maxEventsPerMessage?: number;
}

function normalizeMessageId(id: string): string {
  return id.trim().replace(/^<|>$/g, '').toLowerCase();
}

/**
 * A copy of `text` that holds no larger string. V8 makes a long substring a slice that keeps its
 * whole parent alive: a Message-ID read from a header field kept the message's header block (432
 * bytes in the relay benchmark) alive for as long as the tracker remembered the message, 4.3 MB
 * at 10,000 messages (heap snapshot of the gateway).
 */
function ownCopy(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}

/**
 * The texts that recur from message to message (recipients, destinations, states, replies,
 * remote MTAs): one copy each instead of one per event. Bounded: when full of one-off texts
 * (replies that name the next hop's queue id) it starts again rather than grow.
 */
class TextPool {
  readonly #texts = new Map<string, string>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  get(text: string | undefined): string | undefined {
    if (text === undefined) return undefined;
    const known = this.#texts.get(text);
    if (known !== undefined) return known;
    if (this.#texts.size >= this.#max) this.#texts.clear();
    const own = ownCopy(text);
    this.#texts.set(own, own);
    return own;
  }
}

type StoredEvent = { -readonly [K in keyof TrackingEvent]: TrackingEvent[K] };

/**
 * The event as kept: every field in one order (one object shape for all events), the queue id the
 * map's own key, recurring texts from the pool, the Message-ID an own copy.
 */
function keptEvent(e: TrackingEvent, queueId: string, pool: TextPool): StoredEvent {
  return {
    queueId,
    atMs: e.atMs,
    kind: e.kind,
    messageId: e.messageId === undefined ? undefined : ownCopy(e.messageId),
    recipient: pool.get(e.recipient),
    destination: pool.get(e.destination),
    state: pool.get(e.state),
    reply: pool.get(e.reply),
    remoteMta: pool.get(e.remoteMta),
    detail: pool.get(e.detail),
  };
}

/** The event as handed out: only the fields it has, as it was recorded. */
function givenEvent(e: StoredEvent): TrackingEvent {
  const out: StoredEvent = { queueId: e.queueId, atMs: e.atMs, kind: e.kind };
  for (const k of ['messageId', 'recipient', 'destination', 'state', 'reply', 'remoteMta', 'detail'] as const)
    if (e[k] !== undefined) out[k] = e[k];
  return out;
}

/**
 * An in-memory tracker with bounded memory. Kept compact, as a busy server keeps it full: in the
 * relay benchmark's pattern (a `queued` and an `attempt` event) a message took 1,160 bytes of
 * heap, and 700 once recurring texts were pooled, event lists kept at their exact length and a
 * Message-ID's one queue id kept without a Set of its own.
 */
export function createMemoryTracker(options: MemoryTrackerOptions = {}): MessageTracker {
  const maxMessages = options.maxMessages ?? 10_000;
  const maxEvents = options.maxEventsPerMessage ?? 200;
  if (
    !Number.isSafeInteger(maxMessages) ||
    maxMessages < 1 ||
    !Number.isSafeInteger(maxEvents) ||
    maxEvents < 2
  )
    throw new RangeError('createMemoryTracker: maxMessages must be >= 1 and maxEventsPerMessage >= 2');
  // Each list at its exact length: most messages have two or three events, and a list grown by
  // push keeps room for 17.
  const byQueueId = new Map<string, readonly StoredEvent[]>();
  // Almost every Message-ID has one queue id: a string then, an array only for more.
  const byMessageId = new Map<string, string | string[]>();
  const pool = new TextPool(4096);
  /** The event that filed a message under its Message-ID: its first event that has one. */
  const filerIndex = (list: readonly StoredEvent[]): number =>
    list.findIndex((e) => e.messageId !== undefined);
  /** The Message-ID a message is filed under, normalized; undefined when none. */
  const messageIdIn = (list: readonly StoredEvent[] | undefined): string | undefined => {
    const found = list === undefined ? undefined : list[filerIndex(list)]?.messageId;
    return found === undefined ? undefined : normalizeMessageId(found);
  };
  /**
   * A full list less one event: the first half (how it arrived) and the latest events (where it
   * is now) stay. Never the event that filed the message under its Message-ID: `forget` reads it.
   */
  const trimmed = (list: readonly StoredEvent[]): StoredEvent[] => {
    let drop = Math.floor(maxEvents / 2);
    if (drop === filerIndex(list)) drop = drop === list.length - 1 ? drop - 1 : drop + 1;
    return [...list.slice(0, drop), ...list.slice(drop + 1)];
  };
  const forget = (queueId: string): void => {
    const mid = messageIdIn(byQueueId.get(queueId));
    byQueueId.delete(queueId);
    if (mid === undefined) return;
    const ids = byMessageId.get(mid);
    if (ids === queueId) byMessageId.delete(mid);
    else if (Array.isArray(ids)) {
      const left = ids.filter((id) => id !== queueId);
      byMessageId.set(mid, left.length === 1 ? (left[0] as string) : left);
    }
  };
  return {
    record(given) {
      let key = given.queueId;
      let list = byQueueId.get(key);
      if (list === undefined) {
        if (byQueueId.size >= maxMessages) forget(byQueueId.keys().next().value as string);
        key = ownCopy(key);
        list = [];
      } else key = (list[0] as StoredEvent).queueId;
      const event = keptEvent(given, key, pool);
      const filed = event.messageId !== undefined && messageIdIn(list) === undefined;
      byQueueId.set(key, list.length >= maxEvents ? [...trimmed(list), event] : [...list, event]);
      if (filed) {
        const mid = normalizeMessageId(event.messageId as string);
        const ids = byMessageId.get(mid);
        byMessageId.set(mid, ids === undefined ? key : typeof ids === 'string' ? [ids, key] : [...ids, key]);
      }
    },
    find(key) {
      const direct = byQueueId.get(key.trim());
      if (direct !== undefined) return direct.map(givenEvent);
      const ids = byMessageId.get(normalizeMessageId(key));
      if (ids === undefined) return [];
      return (typeof ids === 'string' ? [ids] : ids)
        .flatMap((id) => byQueueId.get(id) ?? [])
        .sort((a, b) => a.atMs - b.atMs)
        .map(givenEvent);
    },
  };
}

/** An event as one line for the console (`track`). */
export function formatTrackingEvent(e: TrackingEvent): string {
  const parts = [new Date(e.atMs).toISOString(), e.queueId, e.kind];
  if (e.recipient !== undefined) parts.push(e.recipient);
  if (e.destination !== undefined) parts.push(`-> ${e.destination}`);
  if (e.state !== undefined) parts.push(e.state);
  if (e.reply !== undefined) parts.push(`"${e.reply}"`);
  if (e.remoteMta !== undefined) parts.push(`(${e.remoteMta})`);
  if (e.detail !== undefined) parts.push(e.detail);
  return parts.join(' ');
}
