/**
 * Sessions kept open per destination for the next message (RSET between messages), with an idle
 * limit, a lifetime limit, a message limit and a limit of concurrent sessions per destination.
 */
import type { Clock } from '@mailroute/envelope';
import type { SmtpConnection } from './connection.js';
import { positiveInteger } from './options.js';

/** Limits of the pool. */
export interface PoolOptions {
  /** An idle session is closed (QUIT) after this long; default 30,000 ms. */
  readonly maxIdleMs?: number;
  /** A session is not reused once this old; default 300,000 ms. */
  readonly maxLifetimeMs?: number;
  /** A session is not reused after this many transactions; default 100. */
  readonly maxMessagesPerConnection?: number;
  /** Sessions open at once per destination (in use and idle); default 20. Further deliveries wait. */
  readonly maxConnectionsPerDestination?: number;
}

interface Idle {
  readonly conn: SmtpConnection;
  readonly timer: unknown;
}

interface Destination {
  open: number;
  readonly idle: Idle[];
  readonly waiting: (() => void)[];
}

/** A lease on a session slot: a reused session, or the right to open one. */
export interface Lease {
  /** The idle session handed out, if there was one. */
  readonly conn: SmtpConnection | undefined;
  /** Gives the slot back; a usable session within its limits is kept for the next message. */
  release(conn: SmtpConnection | undefined): void;
}

/** The pool of a transfer agent. */
export class ConnectionPool {
  readonly #clock: Clock;
  readonly #maxIdleMs: number;
  readonly #maxLifetimeMs: number;
  readonly #maxMessages: number;
  readonly #maxOpen: number;
  readonly #destinations = new Map<string, Destination>();
  #closed = false;

  constructor(clock: Clock, options: PoolOptions = {}) {
    this.#clock = clock;
    this.#maxIdleMs = positiveInteger('maxIdleMs', options.maxIdleMs ?? 30_000);
    this.#maxLifetimeMs = positiveInteger('maxLifetimeMs', options.maxLifetimeMs ?? 300_000);
    this.#maxMessages = positiveInteger('maxMessagesPerConnection', options.maxMessagesPerConnection ?? 100);
    this.#maxOpen = positiveInteger(
      'maxConnectionsPerDestination',
      options.maxConnectionsPerDestination ?? 20,
    );
  }

  /** Sessions open now (in use and idle), over all destinations. */
  get openSessions(): number {
    let n = 0;
    for (const d of this.#destinations.values()) n += d.open;
    return n;
  }

  /**
   * Waits for a slot at `key` (or the signal), then hands out an idle session if one is still
   * usable. Resolves undefined when the signal aborted or the pool closed.
   */
  async acquire(key: string, signal?: AbortSignal): Promise<Lease | undefined> {
    const d = this.#destination(key);
    for (;;) {
      if (this.#closed || signal?.aborted) return undefined;
      // An idle session is taken even at the limit: it already holds a slot.
      for (let idle = d.idle.pop(); idle !== undefined; idle = d.idle.pop()) {
        this.#clock.clearTimeout(idle.timer);
        if (this.#reusable(idle.conn)) return this.#lease(key, d, idle.conn);
        d.open--;
        void idle.conn.quit();
      }
      if (d.open < this.#maxOpen) {
        d.open++;
        return this.#lease(key, d, undefined);
      }
      await new Promise<void>((resolve) => {
        const onAbort = (): void => {
          const i = d.waiting.indexOf(wake);
          if (i >= 0) d.waiting.splice(i, 1);
          resolve();
        };
        const wake = (): void => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        d.waiting.push(wake);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    }
  }

  /** QUITs every idle session and refuses further leases. */
  async close(): Promise<void> {
    this.#closed = true;
    const quits: Promise<void>[] = [];
    for (const d of this.#destinations.values()) {
      for (const idle of d.idle.splice(0)) {
        this.#clock.clearTimeout(idle.timer);
        d.open--;
        quits.push(idle.conn.quit());
      }
      for (const w of d.waiting.splice(0)) w();
    }
    await Promise.all(quits);
  }

  #destination(key: string): Destination {
    let d = this.#destinations.get(key);
    if (d === undefined) {
      d = { open: 0, idle: [], waiting: [] };
      this.#destinations.set(key, d);
    }
    return d;
  }

  #reusable(conn: SmtpConnection): boolean {
    return (
      conn.usable &&
      conn.messages < this.#maxMessages &&
      this.#clock.now() - conn.openedAt < this.#maxLifetimeMs
    );
  }

  #lease(key: string, d: Destination, conn: SmtpConnection | undefined): Lease {
    let released = false;
    return {
      conn,
      release: (used) => {
        if (released) return;
        released = true;
        if (used !== undefined && !this.#closed && this.#reusable(used)) {
          const timer = this.#clock.setTimeout(() => {
            const i = d.idle.findIndex((x) => x.conn === used);
            if (i < 0) return;
            d.idle.splice(i, 1);
            d.open--;
            void used.quit();
            if (d.open === 0 && d.waiting.length === 0) this.#destinations.delete(key);
            else d.waiting.shift()?.();
          }, this.#maxIdleMs);
          d.idle.push({ conn: used, timer });
        } else {
          d.open--;
          if (used !== undefined) void used.quit();
          if (d.open === 0 && d.idle.length === 0 && d.waiting.length === 0) this.#destinations.delete(key);
        }
        d.waiting.shift()?.();
      },
    };
  }
}
