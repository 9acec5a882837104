/**
 * What the capture server keeps: accepted messages within a cap on count and octets (refusing, or
 * forgetting the oldest, when full: a long test run never grows without bound), its counters, and
 * the tests waiting for messages.
 */
import { MailrouteError } from '@mailroute/envelope';
import type { CapturedMessage, MessageFilter } from './capture-types.js';
import { messageMatches } from './captured-message.js';

/** The caps of a {@link CaptureStore}, already validated. */
export interface CaptureLimits {
  readonly maxMessages: number;
  readonly maxTotalBytes: number;
  readonly whenFull: 'refuse' | 'drop-oldest';
}

interface Waiter {
  readonly count: number;
  readonly filter: MessageFilter | undefined;
  readonly resolve: (messages: CapturedMessage[]) => void;
  readonly reject: (error: Error) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/** The kept messages, the counters and the waits of one capture server. */
export class CaptureStore {
  /** Messages kept (including those evicted since). */
  accepted = 0;
  /** Messages refused because a cap was reached. */
  refusedFull = 0;
  /** Messages refused by a rule or the parser. */
  refusedByRule = 0;
  /** Messages forgotten to make room. */
  evicted = 0;
  private readonly kept: CapturedMessage[] = [];
  private bytes = 0;
  private readonly waiters = new Set<Waiter>();
  private closed = false;

  constructor(private readonly limits: CaptureLimits) {}

  /** Octets kept now. */
  get keptBytes(): number {
    return this.bytes;
  }

  /** The messages kept, oldest first (a copy). */
  get messages(): CapturedMessage[] {
    return [...this.kept];
  }

  /** True when `whenFull` is `refuse` and no further message fits by count (answered at MAIL FROM). */
  refusesByCount(): boolean {
    return this.limits.whenFull === 'refuse' && this.kept.length >= this.limits.maxMessages;
  }

  /** True when a message of `size` octets could never be kept, whatever is forgotten. */
  tooLarge(size: number): boolean {
    return size > this.limits.maxTotalBytes;
  }

  /**
   * Keeps `message`, forgetting the oldest first under `drop-oldest`. False when it does not fit
   * under `refuse` (counted; the server then answers 452, so nothing is dropped in silence).
   */
  keep(message: CapturedMessage): boolean {
    const size = message.raw.length;
    const full = () =>
      this.kept.length + 1 > this.limits.maxMessages || this.bytes + size > this.limits.maxTotalBytes;
    if (full()) {
      if (this.limits.whenFull === 'refuse') {
        this.refusedFull++;
        return false;
      }
      while (this.kept.length > 0 && full()) {
        const old = this.kept.shift()!;
        this.bytes -= old.raw.length;
        this.evicted++;
      }
    }
    this.kept.push(message);
    this.bytes += size;
    this.accepted++;
    this.settle();
    return true;
  }

  /** Forgets every kept message (the counters stay). */
  clear(): void {
    this.kept.length = 0;
    this.bytes = 0;
  }

  /** Resolves once `count` kept messages match `filter`, with the first `count` of them. */
  wait(count: number, filter: MessageFilter | undefined, timeoutMs: number): Promise<CapturedMessage[]> {
    if (!Number.isInteger(count) || count <= 0)
      throw new RangeError(`count must be a positive integer, got ${count}`);
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
      throw new RangeError(`timeoutMs must be a positive integer, got ${String(timeoutMs)}`);
    }
    return new Promise((resolve, reject) => {
      if (this.closed)
        return reject(new MailrouteError('TESTING_CAPTURE_CLOSED', 'the capture server is closed'));
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(this.timeoutError(count, filter, timeoutMs));
      }, timeoutMs);
      const waiter: Waiter = { count, filter, resolve, reject, timer };
      this.waiters.add(waiter);
      this.settle();
    });
  }

  /** Rejects every pending wait and refuses new ones (the server is closing). */
  close(): void {
    this.closed = true;
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(new MailrouteError('TESTING_CAPTURE_CLOSED', 'the capture server closed while a test waited'));
    }
    this.waiters.clear();
  }

  /** Resolves the waits that are satisfied now. */
  private settle(): void {
    for (const w of [...this.waiters]) {
      let found: CapturedMessage[];
      try {
        found = this.kept.filter((m) => messageMatches(m, w.filter));
      } catch (error) {
        // A test's predicate that throws fails that test's wait, never the SMTP session.
        this.waiters.delete(w);
        clearTimeout(w.timer);
        w.reject(error instanceof Error ? error : new Error(String(error)));
        continue;
      }
      if (found.length >= w.count) {
        this.waiters.delete(w);
        clearTimeout(w.timer);
        w.resolve(found.slice(0, w.count));
      }
    }
  }

  /** The timeout says what the server did keep, so a failing test shows what went wrong. */
  private timeoutError(count: number, filter: MessageFilter | undefined, timeoutMs: number): MailrouteError {
    let have = 0;
    try {
      have = this.kept.filter((m) => messageMatches(m, filter)).length;
    } catch {
      // reported by settle() already
    }
    const seen = this.kept.map((m) => `${m.recipients.join(',')}: ${JSON.stringify(m.subject)}`).join('; ');
    return new MailrouteError(
      'TESTING_WAIT_TIMEOUT',
      `waited ${timeoutMs} ms for ${count} message(s)${filter === undefined ? '' : ' matching the filter'}; ` +
        `${have} matched, ${this.kept.length} kept (${seen || 'none'})`,
      { temporary: true },
    );
  }
}
