/**
 * `createRouter`: Domino's Router over a MailBox. `submit` routes each recipient (`dispatch`),
 * expands groups and enqueues the message with one destination per recipient; `start` runs the
 * delivery and transfer threads, which lease due work from the MailBox, deliver or transfer it,
 * and settle the outcome (with its reports) in one durable step.
 */
import { hostname } from 'node:os';
import { type Clock, type Logger, MailrouteError, silentLogger, systemClock } from '@mailroute/envelope';
import type { Directory, DispatchOptions, RoutingGraph } from '@mailroute/routing';
import type { MailFiles } from './delivery/mail-files.js';
import type { JournalStore } from './journal/journal-store.js';
import type { LeasedMessage, MailBox, MailBoxCounts, QueuedEnvelope, QueueId } from './mailbox/types.js';
import { bccAddresses } from './message/bcc.js';
import { headerFields } from './message/header-block.js';
import {
  MIN_EXPIRY_MS,
  type NullReversePathReports,
  type ResolvedTuning,
  type RouterTuning,
  resolveTuning,
} from './options.js';
import { planAddress, planRecipients, type SubmitRecipient } from './plan/plan-recipients.js';
import { DELIVERY_QUEUE, destinationOf, routeFromJson, routeToJson, UNROUTABLE_QUEUE } from './plan/route.js';
import type { CompiledMailRules } from './rules/compile.js';
import type { MailRulesVerdict } from './rules/evaluate.js';
import { type MailRulesSource, staticMailRules } from './rules/file.js';
import { applyVerdict, evaluateMessageRules, type RuleCounters, type RuleStep } from './rules/on-submit.js';
import { createMemoryTracker, type MessageTracker } from './tracking/tracker.js';
import { trackingMailBox } from './tracking/tracking-mailbox.js';
import type { NextHop, TransferAgent } from './transfer/agent.js';
import type { SignHook } from './transfer/sign.js';
import { settleAttempt } from './work/attempt.js';
import type { RouterContext } from './work/context.js';
import { newCounters, type RouterCounters } from './work/counters.js';
import { deliverLocal, failUnroutable } from './work/deliver-local.js';
import { DestinationRetry } from './work/destination-retry.js';
import { RetryStateSaver, type RetryStateStore } from './work/retry-state.js';
import { transferUnit } from './work/transfer.js';

/** Options of {@link createRouter}. */
export interface RouterOptions extends RouterTuning {
  /** mail.box: the durable queue. */
  readonly mailBox: MailBox;
  /** The Domino Directory and this server's routing graph (`@mailroute/routing`). */
  readonly directory: Directory;
  readonly graph: RoutingGraph;
  /** Overrides of this server's Configuration Settings for `dispatch`. */
  readonly dispatchOptions?: DispatchOptions;
  /** Local delivery; without it local recipients wait (and expire) with a logged error. */
  readonly mailFiles?: MailFiles;
  /** SMTP transfer (`createTransferAgent` of `@mailroute/smtp-client`); without it remote recipients wait. */
  readonly transferAgent?: TransferAgent;
  /** DKIM signing of outbound mail from authenticated users and of the Router's reports. */
  readonly sign?: SignHook;
  /**
   * Turns a host name from the directory (relay host, smart host, Server document host name) into
   * a NextHop. Default: `host` or `host:port` / `[ip]:port`, with `relayHostCredentials` for a relay
   * host whose authentication is Required or Enabled.
   */
  readonly hopFor?: (
    host: string,
    authentication: 'required' | 'enabled' | 'disabled' | undefined,
  ) => NextHop;
  /** The user and password for "Use authentication when sending messages to the relay host". */
  readonly relayHostCredentials?: { readonly user: string; readonly pass: string };
  /** Router/SMTP Basics "DSN extension" (RFC 3461): Enabled. Default false (Domino's default). */
  readonly dsn?: boolean;
  /** notes.ini `RouterDSNForNULLReversePath`: 0 (default) dead, 1 sent, 2 not created. */
  readonly routerDSNForNULLReversePath?: NullReversePathReports;
  /** notes.ini `RouterDisableDSNRelayReports=1`. Default false. */
  readonly routerDisableDSNRelayReports?: boolean;
  /** This server's host name for Reporting-MTA. Default the machine's host name. */
  readonly reportingMta?: string;
  /** The address reports come from, and where reports for `<>` go. Default `postmaster@<reportingMta>`. */
  readonly postmaster?: string;
  /** This router node's name in leases (stable per process; unique among nodes sharing a store). */
  readonly owner?: string;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /**
   * Server mail rules (Configuration Settings, Router/SMTP - Restrictions and Controls - Rules):
   * a compiled set, or a source such as `watchMailRulesFile` that reloads without a restart.
   * Evaluated once per submitted message. Default none.
   */
  readonly rules?: CompiledMailRules | MailRulesSource;
  /** Where "Journal this message" copies go (Router/SMTP - Advanced - Journaling: mailjrn.nsf). */
  readonly journal?: JournalStore;
  /** Where "Move to database" puts messages (`mailFile` is the rule's database). Default `mailFiles`. */
  readonly ruleDatabases?: MailFiles;
  /** Message tracking (Message Tracking Collector). Default an in-memory tracker of the last 10,000 messages. */
  readonly tracker?: MessageTracker;
  /**
   * Keeps the destinations' retry state (failure count, retry time, hop marked down) across a
   * restart (`createFileRetryState`). Default none: the counts start again after a restart.
   */
  readonly retryState?: RetryStateStore;
}

/** A message handed to the Router. */
export interface SubmitMessage {
  readonly envelope: QueuedEnvelope;
  readonly recipients: readonly SubmitRecipient[];
  /** The message as received (Received header first), CRLF line ends. */
  readonly body: Uint8Array;
  /** Default the clock's now. */
  readonly arrivalMs?: number;
  /** Makes the submit idempotent (a repeat returns the first id). */
  readonly idempotencyKey?: string;
  /**
   * The mail rules verdict the caller already has (the gateway evaluated the rules at the end of
   * DATA with `router.evaluateRules`): submit applies it instead of evaluating again, so each
   * message is evaluated once.
   */
  readonly ruleVerdict?: MailRulesVerdict;
}

/** Where one submitted recipient went. */
export interface SubmittedRecipient {
  readonly address: string;
  readonly destination: string;
  /** For `unroutable`: Domino's reason (a failure report follows). */
  readonly failure?: string;
}

/** What {@link Router.submit} resolves with: after the MailBox made the message durable. */
export interface SubmitResult {
  readonly id: QueueId;
  readonly recipients: readonly SubmittedRecipient[];
}

/** The Router's view for the operator (`tell router show queues`). */
export interface RouterStatus {
  readonly counters: Readonly<RouterCounters>;
  readonly mailBox: MailBoxCounts;
  readonly inRetry: readonly { destination: string; failures: number; retryAtMs: number }[];
  readonly downHops: readonly (readonly [string, string])[];
  readonly running: { readonly delivery: number; readonly transfer: number };
  /** What server mail rules did since start. */
  readonly rules: Readonly<RuleCounters>;
}

/** Domino's Router. */
export interface Router {
  /** Routes and enqueues a message; resolves once it is durable (send the 250 after this). */
  submit(message: SubmitMessage): Promise<SubmitResult>;
  /** Where a recipient would go now, without enqueueing (for RCPT-time checks and `explain`). */
  plan(address: string): SubmittedRecipient[];
  /** Starts the delivery and transfer threads. */
  start(): void;
  /** Stops gracefully: no new work; running work finishes (or is aborted after `stopTimeoutMs`); leased but unstarted work is released. */
  stop(): Promise<void>;
  /** Resolves when no work is running and none is due now (tests and `drain`). */
  idle(): Promise<void>;
  /** Looks at the queue now (after a release or a reroute by the operator). */
  poke(): void;
  status(): Promise<RouterStatus>;
  /** The resolved thread counts and times. */
  readonly tuning: ResolvedTuning;
  /**
   * Evaluates the server mail rules for a message without submitting it (the gateway calls this
   * at the end of DATA, answers a `dontAccept` with `RULE_REFUSAL_REPLY`, and passes the verdict
   * to `submit` as `ruleVerdict`). With no rules configured, nothing applies.
   */
  evaluateRules(message: Pick<SubmitMessage, 'envelope' | 'recipients' | 'body'>): Promise<MailRulesVerdict>;
  /** Message tracking: every event of a queue id or Message-ID, oldest first. */
  readonly tracker: MessageTracker;
  /** The MailBox as the Router uses it (tracked): the operator's view goes through this. */
  readonly mailBox: MailBox;
}

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

function fieldOfFactory(body: Uint8Array): (address: string) => 'to' | 'cc' | 'bcc' {
  const fields = headerFields(body);
  const bcc = bccAddresses(fields);
  const listed = (name: string): Set<string> => {
    const out = new Set<string>();
    for (const f of fields)
      if (f.name.toLowerCase() === name)
        for (const part of f.value.split(',')) {
          const m = /<([^>]+)>/.exec(part);
          out.add((m ? m[1]! : part).trim().toLowerCase());
        }
    return out;
  };
  const to = listed('to');
  const cc = listed('cc');
  return (address) => {
    const a = address.toLowerCase();
    if (bcc.has(a)) return 'bcc';
    if (to.has(a)) return 'to';
    if (cc.has(a)) return 'cc';
    // An envelope recipient in neither To nor Cc is a blind copy (as the itemizer's BlindCopyTo).
    return 'bcc';
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

/** The mail rules part of the Router. */
interface RulesSetup {
  readonly rules: MailRulesSource | undefined;
  readonly journal: JournalStore | undefined;
  readonly databases: MailFiles | undefined;
  readonly tracker: MessageTracker;
  readonly retryState: RetryStateStore | undefined;
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
  /** Saves the retry state after changes (with a `retryState` store). */
  readonly #retrySaver: RetryStateSaver | undefined;
  /** The saved retry state being read at start: the first lease waits for it. */
  #retryRestore: Promise<void> | undefined;

  readonly #rules: RulesSetup;
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

  /** Evaluates (once) and applies the mail rules of a submitted message. */
  async #applyRules(
    message: SubmitMessage,
    messageId: string | undefined,
    arrivalMs: number,
  ): Promise<RuleStep> {
    // A report the Router wrote itself is not subject to the rules (it never reaches submit anyway).
    if (this.#rules.rules === undefined && message.ruleVerdict === undefined) return { next: 'route' };
    const verdict = message.ruleVerdict ?? (await this.evaluateRules(message));
    if (verdict.applied.length === 0) return { next: 'route' };
    return applyVerdict(
      {
        journal: this.#rules.journal,
        databases: this.#rules.databases,
        tracker: this.#rules.tracker,
        logger: this.#ctx.logger,
        counters: this.#ruleCounters,
        nowMs: this.#ctx.clock.now(),
      },
      verdict,
      {
        mailFrom: message.envelope.mailFrom,
        recipients: message.recipients.map((r) => r.address),
        body: message.body,
        messageId,
        arrivalMs,
      },
    );
  }

  plan(address: string): SubmittedRecipient[] {
    return planAddress(this.#ctx.planner, address, 'to').map((route) => ({
      address,
      destination: destinationOf(route),
      ...(route.kind === 'fail' ? { failure: route.reason } : {}),
    }));
  }

  async submit(message: SubmitMessage): Promise<SubmitResult> {
    if (message.recipients.length === 0)
      throw new MailrouteError('ROUTER_NO_RECIPIENTS', 'A message needs at least one recipient');
    const ctx = this.#ctx;
    const body = message.body;
    const fields = headerFields(body);
    const messageIdField = fields.find((f) => f.name.toLowerCase() === 'message-id')?.value;
    const arrivalMs = message.arrivalMs ?? ctx.clock.now();
    const step = await this.#applyRules(message, messageIdField, arrivalMs);
    if (step.next === 'done')
      return {
        id: step.id,
        recipients: message.recipients.map((r) => ({ address: r.address, destination: step.destination })),
      };
    const planned = planRecipients(ctx.planner, message.recipients, fieldOfFactory(body));
    // HOLD keeps every recipient in mail.box; Don't deliver with an NDR fails each with a report.
    const recipients =
      step.state === 'held'
        ? planned.map((r) => ({ ...r, state: 'held' as const }))
        : step.ndr !== undefined
          ? planned.map((r) => {
              const field = routeFromJson(r.route).field;
              const route = { kind: 'fail', field, failure: 'policy', reason: step.ndr ?? '' } as const;
              return { ...r, destination: UNROUTABLE_QUEUE, route: routeToJson(route) };
            })
          : planned;
    const contentType = fields.find((f) => f.name.toLowerCase() === 'content-type')?.value ?? '';
    const isReport =
      message.envelope.isReport === true ||
      (/^\s*multipart\/report\b/i.test(contentType) &&
        /report-type\s*=\s*"?delivery-status/i.test(contentType));
    const messageId = fields.find((f) => f.name.toLowerCase() === 'message-id')?.value;
    const id = await ctx.mailBox.enqueue({
      envelope: { ...message.envelope, ...(isReport ? { isReport: true } : {}) },
      arrivalMs,
      ...(messageId === undefined ? {} : { messageId }),
      recipients,
      body,
      ...(message.idempotencyKey === undefined ? {} : { idempotencyKey: message.idempotencyKey }),
    });
    ctx.logger.info(
      { queueId: id, recipients: recipients.length, from: message.envelope.mailFrom },
      'Router: queued',
    );
    this.#newWork(recipients.map((r) => r.destination));
    this.#kick();
    return {
      id,
      recipients: recipients.map((r) => {
        const route = routeFromJson(r.route);
        return {
          address: r.address,
          destination: r.destination,
          ...(route.kind === 'fail' ? { failure: route.reason } : {}),
        };
      }),
    };
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#stopping = false;
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
    const ctx = this.#ctx;
    this.#track(
      (async () => {
        for (const unit of units)
          await ctx.mailBox.settle({
            id: unit.message.id,
            owner: ctx.owner,
            outcomes: unit.recipients.map((r) => ({
              index: r.index,
              state: 'waiting' as const,
              nextAttemptMs: Math.max(dueMs, r.nextAttemptMs),
              attemptMs: ctx.clock.now(),
              countsAsAttempt: false,
            })),
          });
      })(),
    );
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
            await this.#reroute(destination);
        }
      } finally {
        freeSlot();
      }
    };
    this.#track(run());
  }

  /** Gives back leased, unstarted units (of one destination, or all), due at `dueMs`, no attempt counted. */
  async #releasePending(destination: string | undefined, dueMs: number): Promise<void> {
    const ctx = this.#ctx;
    const keys = destination === undefined ? [...this.#pending.keys()] : [destination];
    if (destination === undefined) keys.push(DELIVERY_QUEUE);
    for (const key of keys) {
      const units = key === DELIVERY_QUEUE ? this.#pendingDelivery.splice(0) : (this.#pending.get(key) ?? []);
      this.#pending.delete(key);
      for (const unit of units) {
        await ctx.mailBox.settle({
          id: unit.message.id,
          owner: ctx.owner,
          outcomes: unit.recipients.map((r) => ({
            index: r.index,
            state: 'waiting' as const,
            nextAttemptMs: Math.max(dueMs, r.nextAttemptMs),
            attemptMs: ctx.clock.now(),
            countsAsAttempt: false,
          })),
        });
      }
    }
  }

  /**
   * After a hop went down: every waiting recipient of the destination is routed again, and moved
   * when the least-cost path now leads elsewhere (a second gateway takes the mail).
   */
  async #reroute(destination: string): Promise<void> {
    const ctx = this.#ctx;
    let after: string | undefined;
    for (;;) {
      const page = await ctx.mailBox.list({
        destination,
        state: 'waiting',
        limit: 100,
        ...(after ? { after } : {}),
      });
      if (page.length === 0) break;
      for (const message of page) {
        for (const r of message.recipients) {
          if (r.destination !== destination || r.state !== 'waiting') continue;
          const old = routeFromJson(r.route);
          const routes = planAddress(ctx.planner, r.address, old.field);
          const route = routes.find((x) => x.kind !== 'fail' && destinationOf(x) !== destination);
          if (route === undefined) continue;
          const moved = old.group === undefined ? route : { ...route, group: old.group };
          await ctx.mailBox.reroute(
            message.id,
            r.index,
            destinationOf(moved),
            routeToJson(moved),
            ctx.clock.now(),
          );
          this.#newWork([destinationOf(moved)]);
          ctx.logger.info(
            { queueId: message.id, recipient: r.address, from: destination, to: destinationOf(moved) },
            'Router: rerouted to the next least-cost path',
          );
        }
      }
      after = page[page.length - 1]!.id;
      if (page.length < 100) break;
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
