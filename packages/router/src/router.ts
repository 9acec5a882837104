/**
 * `createRouter`: Domino's Router over a MailBox. `submit` routes each recipient (`dispatch`),
 * expands groups and enqueues the message with one destination per recipient; `start` runs the
 * delivery and transfer threads, which lease due work from the MailBox, deliver or transfer it,
 * and settle the outcome (with its reports) in one durable step.
 */
import { hostname } from 'node:os';
import { MailrouteError, silentLogger, systemClock } from '@mailroute/envelope';
import type { MailBox } from './mailbox/types.js';
import { MIN_EXPIRY_MS, type ResolvedTuning, resolveTuning } from './options.js';
import { planAddress } from './plan/plan-recipients.js';
import { destinationOf } from './plan/route.js';
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
import type { RouterContext } from './work/context.js';
import { newCounters } from './work/counters.js';
import { DestinationRetry } from './work/destination-retry.js';
import { RetryStateSaver } from './work/retry-state.js';
import { type RulesSetup, type SubmitRules, submitMessage } from './work/submit.js';
import { RouterThreads } from './work/threads.js';

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

/**
 * The scheduler: runs pumps (a pump leases work into the free threads, see `work/threads.ts`),
 * arms the poll and retry timers, and answers `idle()` and `stop()`.
 */
class RouterEngine implements Router {
  readonly tuning: ResolvedTuning;
  readonly #ctx: RouterContext;
  readonly #retry: DestinationRetry;
  readonly #threads: RouterThreads;
  #started = false;
  #stopping = false;
  #pumping: Promise<void> | undefined;
  #again = false;
  #timer: unknown;
  #timerAtMs = 0;
  #idleWaiters: (() => void)[] = [];
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
    this.#ctx = { ...ctx, newWork: (destinations) => this.#threads.newWork(destinations) };
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
    this.#threads = new RouterThreads(this.#ctx, retry, this.#retrySaver, {
      stopping: () => this.#stopping,
      kick: () => this.#kick(),
      notifyIdle: () => this.#notifyIdle(),
    });
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
    this.#threads.wakeAll();
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
    this.#threads.leasedInLastPump = 0;
    if (this.#retryRestore !== undefined) {
      await this.#retryRestore;
      this.#retryRestore = undefined;
    }
    do {
      this.#again = false;
      try {
        if (await this.#threads.fill()) this.#again = true;
      } catch (error) {
        this.#ctx.logger.error({ error: String(error) }, 'Router: could not lease work; will look again');
        return;
      }
    } while (this.#again && !this.#stopping);
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
    return this.#pumping !== undefined || this.#threads.busy > 0;
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
      if (this.#threads.leasedInLastPump === 0) return;
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
    await this.#threads.finish();
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
      running: this.#threads.counts(),
      rules: { ...this.#ruleCounters },
    };
  }
}
