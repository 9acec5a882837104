/**
 * Wake-ups: one connection per node LISTENs on the queue's channel, and every change that makes
 * work due now (an enqueue, a release, a reroute) NOTIFYs it in the same transaction, so an idle
 * node learns of new work without polling a busy database. When that connection is lost the node
 * says so in the log, polls slowly (every `pollIntervalMs`) and reconnects with backoff; once it
 * listens again it wakes its listeners once, for whatever arrived meanwhile.
 */
import type { Clock, Logger, TimerHandle } from '@mailroute/envelope';
import type pg from 'pg';

/** What {@link WorkSignal} needs. */
export interface WorkSignalOptions {
  /** A new, unconnected client for the LISTEN connection. */
  readonly newClient: () => pg.Client;
  readonly channel: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly pollIntervalMs: number;
  readonly reconnectMaxDelayMs: number;
}

const FIRST_RECONNECT_DELAY_MS = 250;

/** The LISTEN connection of one node, its reconnects and its fallback poll. */
export class WorkSignal {
  readonly #options: WorkSignalOptions;
  readonly #listeners = new Set<() => void>();
  #client: pg.Client | undefined;
  #stopped = false;
  #lostAtMs: number | undefined;
  #delayMs = FIRST_RECONNECT_DELAY_MS;
  #reconnectTimer: TimerHandle | undefined;
  #pollTimer: TimerHandle | undefined;
  #listening = false;

  constructor(options: WorkSignalOptions) {
    this.#options = options;
  }

  /** True while the LISTEN connection is up. */
  get listening(): boolean {
    return this.#listening;
  }

  /** Calls `listener` when work may have become due; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Connects and LISTENs; a first failure is a lost connection like any other (logged, retried). */
  async start(): Promise<void> {
    await this.#connect();
  }

  /** Stops listening, polling and reconnecting. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#listening = false;
    const { clock } = this.#options;
    if (this.#reconnectTimer !== undefined) clock.clearTimeout(this.#reconnectTimer);
    if (this.#pollTimer !== undefined) clock.clearTimeout(this.#pollTimer);
    const c = this.#client;
    this.#client = undefined;
    await c?.end().catch(() => {});
  }

  #fire(): void {
    for (const l of [...this.#listeners]) {
      try {
        l();
      } catch (e) {
        this.#options.logger.error({ err: e }, 'a work listener threw');
      }
    }
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    const { newClient, channel, logger, clock } = this.#options;
    const client = newClient();
    this.#client = client;
    const lost = (err: unknown): void => this.#lost(client, err);
    client.on('error', lost);
    client.on('end', () => lost(new Error('connection ended')));
    client.on('notification', () => this.#fire());
    try {
      await client.connect();
      await client.query(`LISTEN "${channel}"`);
    } catch (e) {
      lost(e);
      return;
    }
    if (this.#stopped || this.#client !== client) return;
    this.#listening = true;
    this.#delayMs = FIRST_RECONNECT_DELAY_MS;
    if (this.#pollTimer !== undefined) {
      clock.clearTimeout(this.#pollTimer);
      this.#pollTimer = undefined;
    }
    if (this.#lostAtMs !== undefined) {
      logger.info(
        { channel, downMs: clock.now() - this.#lostAtMs },
        'queue-postgres: LISTEN connection back; wake-ups by NOTIFY again',
      );
      this.#lostAtMs = undefined;
      this.#fire(); // whatever was enqueued while we were deaf
    }
  }

  #lost(client: pg.Client, err: unknown): void {
    if (this.#stopped || this.#client !== client) return; // stopped, or an old client's late event
    this.#client = undefined;
    this.#listening = false;
    client.end().catch(() => {});
    const { logger, clock, pollIntervalMs, reconnectMaxDelayMs, channel } = this.#options;
    const reason = err instanceof Error ? err.message : String(err);
    if (this.#lostAtMs === undefined) {
      this.#lostAtMs = clock.now();
      logger.warn(
        { channel, reason, pollIntervalMs },
        `queue-postgres: lost the LISTEN connection to PostgreSQL (${reason}); polling every ${pollIntervalMs} ms and reconnecting with backoff`,
      );
      this.#poll();
    } else {
      logger.debug({ channel, reason, retryInMs: this.#delayMs }, 'queue-postgres: reconnect failed');
    }
    const delay = this.#delayMs;
    this.#delayMs = Math.min(reconnectMaxDelayMs, this.#delayMs * 2);
    this.#reconnectTimer = clock.setTimeout(() => {
      this.#reconnectTimer = undefined;
      void this.#connect();
    }, delay);
  }

  #poll(): void {
    const { clock, pollIntervalMs } = this.#options;
    this.#pollTimer = clock.setTimeout(() => {
      this.#pollTimer = undefined;
      if (this.#stopped || this.#listening) return;
      this.#fire();
      this.#poll();
    }, pollIntervalMs);
  }
}
