/**
 * @mailroute/router: Domino's Router. A message lands in mail.box (a {@link MailBox}); the Router
 * decides per recipient where it goes, delivers or transfers it, retries on Domino's schedule and
 * reports what failed (RFC 3464).
 *
 * @packageDocumentation
 */

export {
  createFolderMailFiles,
  deliveredNote,
  type FolderMailFilesOptions,
  mailFileSegments,
  type StoredMailDocument,
} from './delivery/folder-mail-files.js';
export { INBOX_FOLDER, type LocalDelivery, type MailFiles } from './delivery/mail-files.js';
export {
  createFolderJournalStore,
  type JournalEntry,
  type JournalStore,
} from './journal/journal-store.js';
export { bodyChunks } from './mailbox/body.js';
export { type MailBoxErrorCode, mailBoxError } from './mailbox/errors.js';
export {
  createFileMailBox,
  type FileMailBox,
  type FileMailBoxOptions,
  type FileMailBoxStats,
} from './mailbox/file/store.js';
export { leaseRoom, validateLeaseRequest } from './mailbox/lease-rules.js';
export {
  createMemoryMailBox,
  DEFAULT_KEY_RETENTION_MS,
  type MemoryMailBoxOptions,
} from './mailbox/memory.js';
export {
  emptyStateCounts,
  isFinal,
  mayRecordOutcome,
  RECIPIENT_STATES,
  validateSettlement,
} from './mailbox/settlement-rules.js';
export { validateNewMessage } from './mailbox/state.js';
export {
  type DestinationCount,
  FINAL_RECIPIENT_STATES,
  type JsonValue,
  type LeasedMessage,
  type LeaseRequest,
  type ListFilter,
  type MailBox,
  type MailBoxCounts,
  type NewMessage,
  type NewRecipient,
  type QueuedEnvelope,
  type QueuedMessage,
  type QueuedRecipient,
  type QueueId,
  type RecipientOutcome,
  type RecipientState,
  type Settlement,
  type StoredReply,
} from './mailbox/types.js';
export { bccViewFor, withoutBcc } from './message/bcc.js';
export {
  createQueueOperator,
  formatMailStatistics,
  type MailStatistics,
  mailStatistics,
  type QueueOperator,
  type QueueOperatorOptions,
} from './operator/queue-operator.js';
export {
  type DebugRouter,
  type LogMailRouting,
  type RoutingLogOptions,
  routingLogger,
} from './operator/routing-log.js';
export {
  dominoThreadCount,
  MIN_EXPIRY_MS,
  type NullReversePathReports,
  type ResolvedTuning,
  type RouterTuning,
  resolveTuning,
} from './options.js';
export type { Planner, SubmitRecipient } from './plan/plan-recipients.js';
export {
  DELIVERY_QUEUE,
  type GraphHop,
  type RouteCommon,
  type StoredRoute,
  UNROUTABLE_QUEUE,
} from './plan/route.js';
export type { DsnAction, ReportRecipient } from './reports/delivery-status.js';
export { type BuiltReport, buildReport, type ReportInput } from './reports/report-message.js';
export type { ReportSwitches } from './reports/report-policy.js';
export {
  createRouter,
  type Router,
  type RouterOptions,
  type RouterStatus,
  type SubmitMessage,
  type SubmitResult,
  type SubmittedRecipient,
} from './router.js';
export {
  type CompiledClause,
  type CompiledMailRules,
  type CompiledRule,
  type CompileMailRulesOptions,
  compileMailRules,
  DEFAULT_MAX_MAIL_RULES,
  type MailRulesReason,
} from './rules/compile.js';
export {
  evaluateMailRules,
  type MailRulesDisposition,
  type MailRulesVerdict,
  type MailRuleTrace,
  ROUTE_VERDICT,
} from './rules/evaluate.js';
export { type FactsEnvelope, factsFromNote, messageFacts } from './rules/facts.js';
export {
  loadMailRulesFile,
  type MailRulesSource,
  type MailRulesWatcher,
  parseMailRulesJson,
  type RulesFileSystem,
  staticMailRules,
  type WatchMailRulesOptions,
  watchMailRulesFile,
} from './rules/file.js';
export { evaluateMessageRules, RULE_REFUSAL_REPLY, type RuleCounters } from './rules/on-submit.js';
export type {
  MailRule,
  MailRuleAction,
  MailRuleClause,
  MailRuleField,
  MailRuleOperator,
  MessageFacts,
} from './rules/types.js';
export {
  createMemoryTracker,
  formatTrackingEvent,
  type MemoryTrackerOptions,
  type MessageTracker,
  type TrackingEvent,
} from './tracking/tracker.js';
export { trackingMailBox } from './tracking/tracking-mailbox.js';
export type {
  DeliveryOptions,
  DeliveryResult,
  NextHop,
  OutboundEnvelope,
  OutboundMessage,
  OutboundRecipient,
  RecipientResult,
  TransferAgent,
  TransferOutcome,
} from './transfer/agent.js';
export type { SignHook } from './transfer/sign.js';
export type { RouterCounters } from './work/counters.js';
export { DEFAULT_TRANSFER_RETRY_INTERVAL_MS, retryDelayMs } from './work/retry-schedule.js';
export {
  createFileRetryState,
  type RetryStateEntry,
  type RetryStateStore,
} from './work/retry-state.js';
