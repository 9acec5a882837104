/**
 * `createRouter`: Domino's Router over a MailBox. `submit` routes each recipient (`dispatch`),
 * expands groups and enqueues the message with one destination per recipient; `start` runs the
 * delivery and transfer threads, which lease due work from the MailBox, deliver or transfer it,
 * and settle the outcome (with its reports) in one durable step.
 */
import { hostname } from 'node:os';
import { MailrouteError, silentLogger, systemClock } from '@mailroute/envelope';
import type { LeasedMessage, MailBox } from './mailbox/types.js';
import { MIN_EXPIRY_MS, type ResolvedTuning, resolveTuning } from './options.js';
import { planAddress } from './plan/plan-recipients.js';
import { DELIVERY_QUEUE, destinationOf, routeFromJson, UNROUTABLE_QUEUE } from './plan/route.js';
import type {
  Router,
  RouterOptions,
  RouterStatus,
  SubmitMessage,
  SubmitResult,
  SubmittedRecipient,
} from './router-types.js';
import type { MailRulesVerdict } from './rules/evaluate.js';
import { staticMailRules } from './rules/file.js';
import { evaluateMessageRules, type RuleCounters } from './rules/on-submit.js';
import { subscribeToStoreWork } from './store-wakeups.js';
import { createMemoryTracker, type MessageTracker } from './tracking/tracker.js';
import { trackingMailBox } from './tracking/tracking-mailbox.js';
import type { NextHop } from './transfer/agent.js';
import { settleAttempt } from './work/attempt.js';
import type { RouterContext } from './work/context.js';
import { newCounters } from './work/counters.js';
import { deliverLocal, failUnroutable } from './work/deliver-local.js';
import { DestinationRetry } from './work/destination-retry.js';
import { giveBackUnits } from './work/give-back.js';
import { rerouteWaiting } from './work/reroute.js';
import { RetryStateSaver } from './work/retry-state.js';
import { type RulesSetup, type SubmitRules, submitMessage } from './work/submit.js';
import { transferUnit } from './work/transfer.js';

export type {
  Router,
  RouterOptions,
  RouterStatus,
  SubmitMessage,
  SubmitResult,
  SubmittedRecipient,
} from './router-types.js';

function defaultHopFor(credentials: RouterOptions['relayHostCredentials']) {
  return (host: string, authentication: 'required' | 'enabled' | 'disabled' | undefined): NextHop => {
    const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(host);
    const name = m ? m[1]!.replace(/^\[(.*)\]$/, '$1') : host.replace(/^\[(.*)\]$/, '$1');
    const port = m ? Number(m[2]) : undefined;
    const auth =
      credentials !== undefined && authentication !== undefined && authentication !== 'disabled'
        ? { auth: { user: credentials.user, pass: credentials.pass, mode: authentication } }
        : {};
    return { host: name, ...(port === undefined ? {} : { port }), ...auth };
  };
}

/** Creates a Router. Throws `ROUTER_BAD_OPTION` on a bad option; does not start it. */
export function createRouter(options: RouterOptions): Router {
  const tuning = resolveTuning(options);
  const clock = options.clock ?? systemClock;
  const owner = options.owner ?? `${hostname()}-${process.pid}`;
  const logger = (options.logger ?? silentLogger).child({ component: 'router', owner });
  const reportingMta = options.reportingMta ?? hostname();
  const nullMode = options.routerDSNForNULLReversePath ?? 0;
  if (nullMode !== 0 && nullMode !== 1 && nullMode !== 2)
    throw new MailrouteError('ROUTER_BAD_OPTION', 'routerDSNForNULLReversePath must be 0, 1 or 2');
  if (tuning.expiryMs < MIN_EXPIRY_MS)
    logger.warn(
      { expiryMs: tuning.expiryMs },
      'Router: expiry is shorter than RFC 5321 §4.5.4.1 asks (4-5 days)',
    );
  const tracker = options.tracker ?? createMemoryTracker();
  const rules =
    options.rules === undefined
      ? undefined
      : 'current' in options.rules
        ? options.rules
        : staticMailRules(options.rules);
  const ctx: RouterContext = {
    mailBox: trackingMailBox(options.mailBox, tracker, clock),
    planner: { directory: options.directory, graph: options.graph, dispatchOptions: options.dispatchOptions },
    mailFiles: options.mailFiles,
    transferAgent: options.transferAgent,
    sign: options.sign,
    hopFor: options.hopFor ?? defaultHopFor(options.relayHostCredentials),
    tuning,
    reports: {
      dsn: options.dsn ?? false,
      nullReversePath: nullMode,
      disableRelayReports: options.routerDisableDSNRelayReports ?? false,
    },
    reportingMta,
    postmaster: options.postmaster ?? `postmaster@${reportingMta}`,
    owner,
    clock,
    logger,
    counters: newCounters(),
  };
  const retry = new DestinationRetry(options.graph, tuning.initialTransferRetryIntervalMs);
  return new RouterEngine(ctx, retry, {
    rules,
    journal: options.journal,
    databases: options.ruleDatabases ?? options.mailFiles,
    tracker,
    retryState: options.retryState,
  });
}

/** The scheduler: leases work into free threads, runs it, settles it. */
class RouterEngine implements Router {
  readonly tuning: ResolvedTuning;
  readonly #ctx: RouterContext;
  readonly #retry: DestinationRetry;
  #started = false;
  #stopping = false;
  #pumping: Promise<void> | undefined;
  #again = false;
  #timer: unknown;
  #timerAtMs = 0;
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
  #idleWaiters: (() => void)[] = [];
  /** Units leased by the last pump (0: nothing was due). */
  #leasedInLastPump = 0;
  /** Unsubscribes from the store's wake-ups (a shared store's NOTIFY); set while started. */
  #storeWork: (() => void) | undefined;
  /** Saves the retry state after changes (with a `retryState` store). */
  readonly #retrySaver: RetryStateSaver | undefined;
  /** The saved retry state being read at start: the first lease waits for it. */
  #retryRestore: Promise<void> | undefined;

  readonly #rules: RulesSetup;
  readonly #submitRules: SubmitRules;
  readonly #ruleCounters: RuleCounters = {
    journaled: 0,
    ruleHeld: 0,
    ruleMoved: 0,
    ruleDeleted: 0,
    ruleNdr: 0,
    ruleRefused: 0,
  };

  constructor(ctx: RouterContext, retry: DestinationRetry, rules: RulesSetup) {
    this.#ctx = { ...ctx, newWork: (destinations) => this.#newWork(destinations) };
    this.#retry = retry;
    this.tuning = ctx.tuning;
    this.#rules = rules;
    this.#submitRules = {
      setup: rules,
      counters: this.#ruleCounters,
      evaluate: (message) => this.evaluateRules(message),
    };
    this.#retrySaver =
      rules.retryState === undefined
        ? undefined
        : new RetryStateSaver(rules.retryState, () => retry.entries(), ctx.logger);
  }

  get tracker(): MessageTracker {
    return this.#rules.tracker;
  }

  get mailBox(): MailBox {
    return this.#ctx.mailBox;
  }

  async evaluateRules(
    message: Pick<SubmitMessage, 'envelope' | 'recipients' | 'body'>,
  ): Promise<MailRulesVerdict> {
    const source = this.#rules.rules;
    if (source === undefined)
      return { journal: false, disposition: { type: 'route' }, applied: [], trace: [] };
    return evaluateMessageRules(source, message.body, {
      mailFrom: message.envelope.mailFrom,
      recipients: message.recipients.map((r) => r.address),
    });
  }

  plan(address: string): SubmittedRecipient[] {
    return planAddress(this.#ctx.planner, address, 'to').map((route) => ({
      address,
      destination: destinationOf(route),
      ...(route.kind === 'fail' ? { failure: route.reason } : {}),
    }));
  }

  async submit(message: SubmitMessage): Promise<SubmitResult> {
    const result = await submitMessage(this.#ctx, this.#submitRules, message);
    this.#kick();
    return result;
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#stopping = false;
    this.#storeWork = subscribeToStoreWork(this.#ctx.mailBox, () => this.poke());
    const store = this.#rules.retryState;
    this.#retryRestore = store
      ?.load()
      .then((entries) => this.#retry.restore(entries))
      .catch((error: unknown) =>
        this.#ctx.logger.warn({ error: String(error) }, 'Router: retry state not restored'),
      );
    this.poke();
  }

  poke(): void {
    this.#workGeneration.delivery++;
    this.#workGeneration.transfer++;
    this.#drained.clear();
    this.#kick();
  }

  /** Runs a pump now, or right after the one running. */
  #kick(): void {
    if (!this.#started || this.#stopping) return;
    if (this.#pumping !== undefined) {
      this.#again = true;
      return;
    }
    this.#pumping = this.#pump().finally(() => {
      this.#pumping = undefined;
      this.#schedule();
      this.#notifyIdle();
    });
  }

  async #pump(): Promise<void> {
    this.#leasedInLastPump = 0;
    if (this.#retryRestore !== undefined) {
      await this.#retryRestore;
      this.#retryRestore = undefined;
    }
    do {
      this.#again = false;
      try {
        await this.#fill();
      } catch (error) {
        this.#ctx.logger.error({ error: String(error) }, 'Router: could not lease work; will look again');
        return;
      }
    } while (this.#again && !this.#stopping);
  }

  /**
   * Leases due work into the free threads, in one lease for both kinds (one pass over mail.box).
   * Destinations at their concurrency limit are left out; a unit for a destination in retry is
   * given back at once with the retry time, so the store stops offering it (its whole queue waits).
   * Sets `#again` when the lease came back full.
   */
  async #fill(): Promise<void> {
    const ctx = this.#ctx;
    const t = ctx.tuning;
    const nowMs = ctx.clock.now();
    let pendingTransfer = 0;
    for (const list of this.#pending.values()) pendingTransfer += list.length;
    const freeDelivery = Math.max(
      0,
      t.maxDeliveryThreads - this.#deliveryRunning - this.#pendingDelivery.length,
    );
    const freeTransfer = this.#stopping
      ? 0
      : Math.max(0, t.maxTransferThreads - this.#transferRunning - pendingTransfer);
    // A kind whose last lease came back short has nothing due until new work arrives for it
    // (a submit, a report, a reroute, a timer): not asking again saves a pass over mail.box.
    const wantDelivery = freeDelivery > 0 && !this.#drained.has('delivery');
    const wantTransfer = freeTransfer > 0 && !this.#drained.has('transfer');
    if (!wantDelivery && !wantTransfer) return;
    const limit = (wantDelivery ? freeDelivery : 0) + (wantTransfer ? freeTransfer : 0);
    const exclude = new Set<string>();
    if (!wantDelivery) exclude.add(DELIVERY_QUEUE).add(UNROUTABLE_QUEUE);
    this.#deliveryExcluded = !wantDelivery;
    for (const [destination, running] of this.#perDestination)
      if (running + (this.#pending.get(destination)?.length ?? 0) >= t.maxConcurrentTransferThreads)
        exclude.add(destination);
    const generation = { ...this.#workGeneration };
    const waiting = new Map(this.#retry.waiting(nowMs).map((d) => [d, this.#retry.retryAt(d)!]));
    const units = await ctx.mailBox.lease({
      owner: ctx.owner,
      nowMs,
      leaseMs: t.leaseMs,
      // Transfer threads all taken: only local work (else a lease could pile up transfer units).
      ...(freeTransfer === 0
        ? { destinations: [DELIVERY_QUEUE, UNROUTABLE_QUEUE] }
        : exclude.size > 0
          ? { excludeDestinations: [...exclude] }
          : {}),
      limit,
    });
    this.#leasedInLastPump += units.length;
    for (const unit of units) {
      const retryAtMs = waiting.get(unit.destination);
      if (retryAtMs !== undefined) this.#giveBack([unit], retryAtMs);
      else if (unit.destination === DELIVERY_QUEUE || unit.destination === UNROUTABLE_QUEUE) {
        if (this.#deliveryRunning < t.maxDeliveryThreads) this.#startDelivery(unit);
        else this.#pendingDelivery.push(unit);
      } else this.#queueTransfer(unit);
    }
    if (units.length === limit) this.#again = true;
    else {
      // Only for a kind that got no new work while the lease ran (else it may have missed it).
      if (wantDelivery && generation.delivery === this.#workGeneration.delivery)
        this.#drained.add('delivery');
      if (wantTransfer && generation.transfer === this.#workGeneration.transfer)
        this.#drained.add('transfer');
    }
  }

  /** New due work in these destinations: the kinds they belong to are asked again. */
  #newWork(destinations: Iterable<string>): void {
    for (const d of destinations) {
      const kind = d === DELIVERY_QUEUE || d === UNROUTABLE_QUEUE ? 'delivery' : 'transfer';
      this.#workGeneration[kind]++;
      this.#drained.delete(kind);
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
    if (this.#stopping) return;
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
      this.#kick();
      this.#notifyIdle();
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
        if (this.#deliveryExcluded) this.#newWork([DELIVERY_QUEUE]);
        const next = this.#pendingDelivery.shift();
        if (next !== undefined && !this.#stopping) this.#startDelivery(next);
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
      this.#newWork([destination]);
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
          this.#kick();
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

  #schedule(): void {
    const ctx = this.#ctx;
    if (!this.#started || this.#stopping) return;
    const nowMs = ctx.clock.now();
    let at = nowMs + ctx.tuning.pollIntervalMs;
    const retryAt = this.#retry.nextRetryMs(nowMs);
    if (retryAt !== undefined && retryAt < at) at = retryAt;
    if (this.#timer !== undefined) {
      if (this.#timerAtMs <= at) return;
      ctx.clock.clearTimeout(this.#timer);
    }
    this.#timerAtMs = at;
    this.#timer = ctx.clock.setTimeout(() => {
      this.#timer = undefined;
      this.poke();
    }, at - nowMs);
  }

  #busy(): boolean {
    return this.#pumping !== undefined || this.#running.size > 0;
  }

  #notifyIdle(): void {
    if (this.#busy()) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }

  async idle(): Promise<void> {
    // A finished unit may make more work due (a report to deliver, a rerouted recipient): idle
    // means a whole pump leased nothing while nothing ran.
    for (;;) {
      while (this.#busy()) await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
      if (!this.#started || this.#stopping) return;
      // A pump of our own, started now: one already running may have read an older time.
      this.poke();
      while (this.#busy()) await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
      if (this.#leasedInLastPump === 0) return;
    }
  }

  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#stopping = true;
    this.#storeWork?.();
    this.#storeWork = undefined;
    const ctx = this.#ctx;
    if (this.#timer !== undefined) ctx.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#pumping;
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
    await this.#retrySaver?.settled();
    this.#started = false;
    this.#notifyIdle();
    ctx.logger.info({}, 'Router: stopped');
  }

  async status(): Promise<RouterStatus> {
    return {
      counters: { ...this.#ctx.counters },
      mailBox: await this.#ctx.mailBox.counts(),
      inRetry: this.#retry.list(),
      downHops: this.#ctx.planner.graph.downHops(),
      running: { delivery: this.#deliveryRunning, transfer: this.#transferRunning },
      rules: { ...this.#ruleCounters },
    };
  }
}
