/**
 * The Router's delivery and transfer threads: which leased unit runs now and which waits in
 * memory. Kept apart from the scheduler in `router.ts` (start, stop, timers, `idle()`) because the
 * slot bookkeeping is the part with the counting rules: thread limits, the per-destination limit
 * (RouterMaxConcurrentTransferThreads), one large delivery at a time, and giving work back when a
 * destination goes into retry.
 */
import type { LeasedMessage } from '../mailbox/types.js';
import { DELIVERY_QUEUE, routeFromJson, UNROUTABLE_QUEUE } from '../plan/route.js';
import { settleAttempt } from './attempt.js';
import type { RouterContext } from './context.js';
import { deliverLocal, failUnroutable } from './deliver-local.js';
import type { DestinationRetry } from './destination-retry.js';
import { giveBackUnits } from './give-back.js';
import { rerouteWaiting } from './reroute.js';
import type { RetryStateSaver } from './retry-state.js';
import { transferUnit } from './transfer.js';

/** What the threads ask of the scheduler that owns them. */
export interface ThreadHooks {
  /** The Router is stopping: start nothing new, lease no transfer work. */
  stopping(): boolean;
  /** Run a pump now (a slot came free, a unit ended). */
  kick(): void;
  /** A unit ended: wake `idle()` callers if nothing runs any more. */
  notifyIdle(): void;
}

/** Leases work into free threads, runs it and frees the slot when it ends. */
export class RouterThreads {
  readonly #ctx: RouterContext;
  readonly #retry: DestinationRetry;
  /** Saves the retry state after changes (with a `retryState` store). */
  readonly #retrySaver: RetryStateSaver | undefined;
  readonly #hooks: ThreadHooks;
  #deliveryRunning = 0;
  #transferRunning = 0;
  /** Running transfer units per destination. */
  readonly #perDestination = new Map<string, number>();
  /** Kinds of work with nothing due as of their last lease. */
  readonly #drained = new Set<'delivery' | 'transfer'>();
  /** Grows with every piece of new work, so a lease knows whether work came in while it ran. */
  readonly #workGeneration = { delivery: 0, transfer: 0 };
  /** The last lease left the delivery queue out (its threads were full). */
  #deliveryExcluded = false;
  /** Leased delivery units waiting for a delivery thread. */
  readonly #pendingDelivery: LeasedMessage[] = [];
  /** Leased transfer units waiting for a slot of their destination. */
  readonly #pending = new Map<string, LeasedMessage[]>();
  readonly #running = new Set<Promise<void>>();
  readonly #aborts = new Set<AbortController>();
  /** RouterMaxConcurrentDeliverySize: one large message at a time. */
  #largeDelivery: Promise<void> = Promise.resolve();
  /** Units leased by the last pump (0: nothing was due); the scheduler resets it per pump. */
  leasedInLastPump = 0;

  constructor(
    ctx: RouterContext,
    retry: DestinationRetry,
    retrySaver: RetryStateSaver | undefined,
    hooks: ThreadHooks,
  ) {
    this.#ctx = ctx;
    this.#retry = retry;
    this.#retrySaver = retrySaver;
    this.#hooks = hooks;
  }

  /** Units running now (deliveries, transfers, give-backs). */
  get busy(): number {
    return this.#running.size;
  }

  /** Threads in use, for `status()`. */
  counts(): { delivery: number; transfer: number } {
    return { delivery: this.#deliveryRunning, transfer: this.#transferRunning };
  }

  /** Anything may have fallen due (a poke, a timer): both kinds are asked again. */
  wakeAll(): void {
    this.#workGeneration.delivery++;
    this.#workGeneration.transfer++;
    this.#drained.clear();
  }

  /**
   * Leases due work into the free threads: delivery work (the delivery and unroutable queues) up
   * to the free delivery threads, transfer work (every other destination) up to the free transfer
   * threads, in a lease each, so a node holds no more units than it can start now (a unit waiting
   * in memory is work other nodes cannot take and a killed node leaves to be sent twice).
   * Destinations at their concurrency limit are left out and the others get at most their free
   * slots (the lease's per-destination bound); a unit for a destination in retry is
   * given back at once with the retry time, so the store stops offering it (its whole queue waits).
   * Returns true when a lease came back full (the scheduler leases again).
   */
  async fill(): Promise<boolean> {
    const ctx = this.#ctx;
    const t = ctx.tuning;
    const nowMs = ctx.clock.now();
    let pendingTransfer = 0;
    for (const list of this.#pending.values()) pendingTransfer += list.length;
    const freeDelivery = Math.max(
      0,
      t.maxDeliveryThreads - this.#deliveryRunning - this.#pendingDelivery.length,
    );
    const freeTransfer = this.#hooks.stopping()
      ? 0
      : Math.max(0, t.maxTransferThreads - this.#transferRunning - pendingTransfer);
    // A kind whose last lease came back short has nothing due until new work arrives for it
    // (a submit, a report, a reroute, a timer): not asking again saves a pass over mail.box.
    const wantDelivery = freeDelivery > 0 && !this.#drained.has('delivery');
    const wantTransfer = freeTransfer > 0 && !this.#drained.has('transfer');
    if (!wantDelivery && !wantTransfer) return false;
    this.#deliveryExcluded = !wantDelivery;
    const generation = { ...this.#workGeneration };
    const waiting = new Map(this.#retry.waiting(nowMs).map((d) => [d, this.#retry.retryAt(d)!]));
    const lease = async (
      scope:
        | { destinations: string[] }
        | {
            excludeDestinations: string[];
            perDestinationLimit: number;
            destinationRoom: Record<string, number>;
          },
      limit: number,
    ): Promise<boolean> => {
      const units = await ctx.mailBox.lease({ owner: ctx.owner, nowMs, leaseMs: t.leaseMs, ...scope, limit });
      this.leasedInLastPump += units.length;
      for (const unit of units) {
        const retryAtMs = waiting.get(unit.destination);
        if (retryAtMs !== undefined) this.#giveBack([unit], retryAtMs);
        else if (unit.destination === DELIVERY_QUEUE || unit.destination === UNROUTABLE_QUEUE) {
          if (this.#deliveryRunning < t.maxDeliveryThreads) this.#startDelivery(unit);
          else this.#pendingDelivery.push(unit);
        } else this.#queueTransfer(unit);
      }
      return units.length === limit;
    };
    let full = false;
    if (wantDelivery) {
      if (await lease({ destinations: [DELIVERY_QUEUE, UNROUTABLE_QUEUE] }, freeDelivery)) full = true;
      // Only when no new work came in while the lease ran (else it may have missed it).
      else if (generation.delivery === this.#workGeneration.delivery) this.#drained.add('delivery');
    }
    // Stop may have begun while the delivery lease ran: then no transfer work is taken.
    if (wantTransfer && !this.#hooks.stopping()) {
      // Per destination, no more units than it has slots free: a destination at its limit is
      // left out, one with units running or waiting here gets the room it has left, every other
      // at most its limit (without the bound, one lease could bring a destination's whole
      // backlog up to the free threads, to wait here in memory). A destination in retry takes
      // no slot: its units are given back at once, as many per lease as the lease takes.
      const exclude = [DELIVERY_QUEUE, UNROUTABLE_QUEUE];
      const room = new Map<string, number>();
      for (const destination of new Set([...this.#perDestination.keys(), ...this.#pending.keys()])) {
        if (waiting.has(destination)) continue;
        const used =
          (this.#perDestination.get(destination) ?? 0) + (this.#pending.get(destination)?.length ?? 0);
        if (used >= t.maxConcurrentTransferThreads) exclude.push(destination);
        else room.set(destination, t.maxConcurrentTransferThreads - used);
      }
      for (const destination of waiting.keys()) room.set(destination, freeTransfer);
      const scope = {
        excludeDestinations: exclude,
        perDestinationLimit: t.maxConcurrentTransferThreads,
        // fromEntries makes own properties whatever the name (even `__proto__`).
        destinationRoom: Object.fromEntries(room),
      };
      if (await lease(scope, freeTransfer)) full = true;
      else if (generation.transfer === this.#workGeneration.transfer) this.#drained.add('transfer');
    }
    return full;
  }

  /** New due work in these destinations: the kinds they belong to are asked again. */
  newWork(destinations: Iterable<string>): void {
    for (const d of destinations) {
      const kind = d === DELIVERY_QUEUE || d === UNROUTABLE_QUEUE ? 'delivery' : 'transfer';
      this.#workGeneration[kind]++;
      this.#drained.delete(kind);
    }
  }

  /**
   * At stop: gives back the units not started, waits for the running ones, and after
   * `stopTimeoutMs` aborts those still running (their settle still runs before this resolves).
   */
  async finish(): Promise<void> {
    const ctx = this.#ctx;
    await this.#releasePending(undefined, ctx.clock.now());
    if (this.#running.size > 0) {
      let timer: unknown;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = ctx.clock.setTimeout(() => resolve('timeout'), ctx.tuning.stopTimeoutMs);
      });
      const done = Promise.all([...this.#running]).then(() => 'done' as const);
      if ((await Promise.race([done, timedOut])) === 'timeout') {
        for (const a of this.#aborts) a.abort(new Error('router stopping'));
        await Promise.all([...this.#running]);
      }
      ctx.clock.clearTimeout(timer);
    }
  }

  /** Starts a transfer unit when a thread and a slot of its destination are free; else it waits in memory. */
  #queueTransfer(unit: LeasedMessage): void {
    const t = this.#ctx.tuning;
    if (
      this.#transferRunning < t.maxTransferThreads &&
      (this.#perDestination.get(unit.destination) ?? 0) < t.maxConcurrentTransferThreads
    ) {
      this.#startTransfer(unit);
      return;
    }
    const list = this.#pending.get(unit.destination) ?? [];
    list.push(unit);
    this.#pending.set(unit.destination, list);
  }

  /** After a transfer ends: the next waiting unit of its destination, else of any destination with a free slot. */
  #startNextPending(destination: string): void {
    if (this.#hooks.stopping()) return;
    const t = this.#ctx.tuning;
    const order = [destination, ...[...this.#pending.keys()].filter((d) => d !== destination)];
    for (const d of order) {
      if (this.#transferRunning >= t.maxTransferThreads) return;
      const list = this.#pending.get(d);
      if (list === undefined || (this.#perDestination.get(d) ?? 0) >= t.maxConcurrentTransferThreads)
        continue;
      const next = list.shift()!;
      if (list.length === 0) this.#pending.delete(d);
      this.#startTransfer(next);
    }
  }

  /** Settles leased units back to waiting, due at `dueMs`, no attempt counted (tracked as work). */
  #giveBack(units: readonly LeasedMessage[], dueMs: number): void {
    this.#track(giveBackUnits(this.#ctx, units, dueMs));
  }

  #track(work: Promise<void>): void {
    const p = work.catch((error: unknown) => {
      this.#ctx.logger.error(
        { error: String(error) },
        'Router: a unit of work failed; its lease will expire',
      );
    });
    this.#running.add(p);
    void p.finally(() => {
      this.#running.delete(p);
      this.#hooks.kick();
      this.#hooks.notifyIdle();
    });
  }

  #startDelivery(unit: LeasedMessage): void {
    this.#deliveryRunning++;
    const ctx = this.#ctx;
    const run = async (): Promise<void> => {
      try {
        if (unit.destination === UNROUTABLE_QUEUE) return await failUnroutable(ctx, unit);
        if (unit.message.sizeBytes > ctx.tuning.maxConcurrentDeliverySizeBytes) {
          // One large message at a time holds one delivery thread (RouterMaxConcurrentDeliverySize).
          const previous = this.#largeDelivery;
          let release!: () => void;
          this.#largeDelivery = new Promise((resolve) => {
            release = resolve;
          });
          await previous;
          try {
            return await deliverLocal(ctx, unit);
          } finally {
            release();
          }
        }
        return await deliverLocal(ctx, unit);
      } finally {
        this.#deliveryRunning--;
        if (this.#deliveryExcluded) this.newWork([DELIVERY_QUEUE]);
        const next = this.#pendingDelivery.shift();
        if (next !== undefined && !this.#hooks.stopping()) this.#startDelivery(next);
        else if (next !== undefined) this.#pendingDelivery.unshift(next);
      }
    };
    this.#track(run());
  }

  #startTransfer(unit: LeasedMessage): void {
    const ctx = this.#ctx;
    const destination = unit.destination;
    this.#transferRunning++;
    this.#perDestination.set(destination, (this.#perDestination.get(destination) ?? 0) + 1);
    const abort = new AbortController();
    this.#aborts.add(abort);
    // Give up before the lease runs out, so no other node takes the work while we still hold it.
    const leaseLeft = unit.leaseExpiresMs - ctx.clock.now() - Math.min(5000, ctx.tuning.leaseMs / 10);
    const timer = ctx.clock.setTimeout(
      () => abort.abort(new Error('lease expiring')),
      Math.max(0, leaseLeft),
    );
    let slotHeld = true;
    // The thread is free once the SMTP transaction is over: the settle that follows is a journal
    // write (group-committed with the others), so the next unit of the destination starts while it
    // flushes. The unit's recipients stay leased until the settle is durable.
    const freeSlot = (): void => {
      if (!slotHeld) return;
      slotHeld = false;
      ctx.clock.clearTimeout(timer);
      this.#aborts.delete(abort);
      this.#transferRunning--;
      // Its destination may have had more due work, left out while at its limit.
      this.newWork([destination]);
      const left = (this.#perDestination.get(destination) ?? 1) - 1;
      if (left === 0) this.#perDestination.delete(destination);
      else this.#perDestination.set(destination, left);
      this.#startNextPending(destination);
    };
    const run = async (): Promise<void> => {
      try {
        const outcome = await transferUnit(ctx, unit, abort.signal);
        const route = routeFromJson(unit.recipients[0]?.route);
        let notBeforeMs: number | undefined;
        if (outcome.destinationFailed) {
          ctx.counters.transferFailures++;
          const hop =
            route.kind === 'mx' || route.kind === 'hosts' || route.kind === 'server' ? route.hop : undefined;
          notBeforeMs = this.#retry.fail(destination, hop, ctx.clock.now());
          this.#retrySaver?.changed();
          ctx.logger.warn(
            {
              destination,
              retryAtMs: notBeforeMs,
              reason: outcome.results[0] && 'reason' in outcome.results[0] ? outcome.results[0].reason : '',
            },
            `Router: ${destination} in retry`,
          );
        } else {
          if (this.#retry.succeed(destination)) this.#retrySaver?.changed();
          // A failed destination keeps its slot until its pending units are given back below.
          freeSlot();
          this.#hooks.kick();
        }
        const results =
          notBeforeMs === undefined
            ? outcome.results
            : outcome.results.map((r) => (r.kind === 'transient' ? { ...r, notBeforeMs } : r));
        await settleAttempt(ctx, unit.message, unit.recipients, results, outcome.body);
        if (outcome.destinationFailed) {
          await this.#releasePending(destination, notBeforeMs!);
          if (route.kind !== 'fail' && route.kind !== 'deliver' && route.hop !== undefined)
            await rerouteWaiting(ctx, destination);
        }
      } finally {
        freeSlot();
      }
    };
    this.#track(run());
  }

  /** Gives back leased, unstarted units (of one destination, or all), due at `dueMs`, no attempt counted. */
  async #releasePending(destination: string | undefined, dueMs: number): Promise<void> {
    const keys = destination === undefined ? [...this.#pending.keys()] : [destination];
    if (destination === undefined) keys.push(DELIVERY_QUEUE);
    for (const key of keys) {
      const units = key === DELIVERY_QUEUE ? this.#pendingDelivery.splice(0) : (this.#pending.get(key) ?? []);
      this.#pending.delete(key);
      await giveBackUnits(this.#ctx, units, dueMs);
    }
  }
}
