/**
 * The Router's public shapes: its options, what `submit` takes and gives, the operator's status,
 * and the `Router` interface `createRouter` returns.
 */
import type { Clock, Logger } from '@mailroute/envelope';
import type { Directory, DispatchOptions, RoutingGraph } from '@mailroute/routing';
import type { MailFiles } from './delivery/mail-files.js';
import type { JournalStore } from './journal/journal-store.js';
import type { MailBox, MailBoxCounts, QueuedEnvelope, QueueId } from './mailbox/types.js';
import type { NullReversePathReports, ResolvedTuning, RouterTuning } from './options.js';
import type { SubmitRecipient } from './plan/plan-recipients.js';
import type { CompiledMailRules } from './rules/compile.js';
import type { MailRulesVerdict } from './rules/evaluate.js';
import type { MailRulesSource } from './rules/file.js';
import type { RuleCounters } from './rules/on-submit.js';
import type { MessageTracker } from './tracking/tracker.js';
import type { NextHop, TransferAgent } from './transfer/agent.js';
import type { SignHook } from './transfer/sign.js';
import type { RouterCounters } from './work/counters.js';
import type { RetryStateStore } from './work/retry-state.js';

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
