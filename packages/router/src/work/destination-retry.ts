/**
 * Destinations in retry (Domino: "the connection is in retry" and its whole queue waits) and the
 * routing-graph hops marked down because their destination failed. Held in memory; the Router
 * saves it to a {@link RetryStateStore} after each change and restores it on start when it has one.
 */
import type { RoutingGraph } from '@mailroute/routing';
import type { GraphHop } from '../plan/route.js';
import { retryDelayMs } from './retry-schedule.js';
import type { RetryStateEntry } from './retry-state.js';

interface RetryEntry {
  failures: number;
  retryAtMs: number;
  hop: GraphHop | undefined;
}

/** The retry state of destinations. */
export class DestinationRetry {
  readonly #entries = new Map<string, RetryEntry>();
  readonly #graph: RoutingGraph;
  readonly #intervalMs: number;

  constructor(graph: RoutingGraph, intervalMs: number) {
    this.#graph = graph;
    this.#intervalMs = intervalMs;
  }

  /**
   * Records a failed attempt of the whole destination: its next attempt is 1x, 2x, then 3x the
   * interval away; a hop is marked down in the graph so new routing avoids it. Returns the retry time.
   */
  fail(destination: string, hop: GraphHop | undefined, nowMs: number): number {
    const entry = this.#entries.get(destination) ?? { failures: 0, retryAtMs: 0, hop };
    entry.failures++;
    entry.retryAtMs = nowMs + retryDelayMs(entry.failures, this.#intervalMs);
    if (hop !== undefined && entry.hop === undefined) entry.hop = hop;
    this.#entries.set(destination, entry);
    if (entry.hop !== undefined) this.#graph.markDown(entry.hop[0], entry.hop[1]);
    return entry.retryAtMs;
  }

  /** A transfer to the destination worked: it leaves retry and its hop is up again. True if it was in retry. */
  succeed(destination: string): boolean {
    const entry = this.#entries.get(destination);
    if (entry === undefined) return false;
    this.#entries.delete(destination);
    if (entry.hop !== undefined) this.#graph.markUp(entry.hop[0], entry.hop[1]);
    return true;
  }

  /**
   * Destinations whose retry time has not come, after bringing back up the hops whose time has
   * (the next attempt tells whether they work again; the failure count is kept until one does).
   */
  waiting(nowMs: number): string[] {
    const out: string[] = [];
    for (const [destination, entry] of this.#entries) {
      if (entry.retryAtMs > nowMs) out.push(destination);
      else if (entry.hop !== undefined) this.#graph.markUp(entry.hop[0], entry.hop[1]);
    }
    return out;
  }

  /** The retry time of a destination in retry, if it is. */
  retryAt(destination: string): number | undefined {
    return this.#entries.get(destination)?.retryAtMs;
  }

  /** The earliest retry time still ahead, if any. */
  nextRetryMs(nowMs: number): number | undefined {
    let min: number | undefined;
    for (const e of this.#entries.values())
      if (e.retryAtMs > nowMs && (min === undefined || e.retryAtMs < min)) min = e.retryAtMs;
    return min;
  }

  /** Takes back a saved state (after a restart): the hops of destinations in it are marked down again. */
  restore(entries: readonly RetryStateEntry[]): void {
    for (const e of entries) {
      if (this.#entries.has(e.destination)) continue; // a failure since the start is newer
      const hop: GraphHop | undefined = e.hop === undefined ? undefined : [e.hop[0], e.hop[1]];
      this.#entries.set(e.destination, { failures: e.failures, retryAtMs: e.retryAtMs, hop });
      if (hop !== undefined) this.#graph.markDown(hop[0], hop[1]);
    }
  }

  /** The state to save. */
  entries(): RetryStateEntry[] {
    return [...this.#entries].map(([destination, e]) => ({
      destination,
      failures: e.failures,
      retryAtMs: e.retryAtMs,
      ...(e.hop === undefined ? {} : { hop: [e.hop[0], e.hop[1]] as const }),
    }));
  }

  /** Destinations in retry with their failure count and retry time, for the operator's view. */
  list(): { destination: string; failures: number; retryAtMs: number }[] {
    return [...this.#entries].map(([destination, e]) => ({
      destination,
      failures: e.failures,
      retryAtMs: e.retryAtMs,
    }));
  }
}
