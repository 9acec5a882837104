/**
 * @mailroute/relay-policy: Domino's SMTP inbound controls as a pure, explainable decision.
 * Relay controls and enforcement, connection, sender and recipient controls, DNS black- and
 * whitelists and the authenticated-sender check: a compiled policy takes facts about the session
 * and returns a decision (accept, tag, reject, tempfail) with its reply, the items to add and a
 * trace of every rule consulted. A small async gatherer fetches the facts through DNS and
 * directory interfaces defined here.
 *
 * @packageDocumentation
 */
export type {
  AuthenticatedRelay,
  ConnectionConfig,
  DkimCheckAction,
  DmarcAction,
  DnsBlacklistAction,
  DnsBlacklistConfig,
  DnsListSite,
  DnsWhitelistAction,
  DnsWhitelistConfig,
  DomainMatchMode,
  PolicyConfig,
  RecipientConfig,
  RelayConfig,
  RelayEnforcement,
  SenderAuthenticationConfig,
  SenderConfig,
  SpfCheckAction,
} from './config.js';
export {
  type DnsListHit,
  isAccepted,
  type PolicyAction,
  type PolicyDecision,
  type PolicyItem,
  type PolicyStage,
  type RuleOutcome,
  type TraceStep,
} from './decision.js';
export { dnsListQueryName } from './dns-list-name.js';
export { explainDecision } from './explain.js';
export type {
  AuthenticatedAddress,
  ConnectFacts,
  DkimFact,
  DmarcFact,
  DnsListAnswer,
  DomainExistence,
  MailFromFacts,
  MessageFacts,
  PtrFact,
  RcptToFacts,
  RecipientLookup,
  SessionFacts,
  SpfFact,
} from './facts.js';
export {
  createPolicyGatherer,
  type Gathered,
  type GathererOptions,
  type MessageContent,
  POLICY_AUTHENTICATION_MISSING,
  type PolicyGatherer,
} from './gather.js';
export { resolvePolicyGroups } from './groups.js';
export type {
  AddressAnswer,
  MessageQuestion,
  PolicyAuthentication,
  PolicyDirectory,
  PolicyDns,
  PtrAnswer,
  SpfQuestion,
} from './interfaces.js';
export { type LintCode, type LintFinding, lintPolicy } from './lint.js';
export {
  type CompiledPolicy,
  compilePolicy,
  POLICY_DIRECTORY_MISSING,
  type PolicySettings,
  type PolicyWiring,
  policyProblems,
  type RelayPolicy,
} from './policy.js';
export type { ConfigProblem, ProblemCode, ProblemSeverity } from './problems.js';
export {
  type HiddenDestination,
  hiddenDestinations,
  type RelayTrick,
} from './relay-tricks.js';
export { DnsListStatistics, type DnsListStatisticsOptions } from './statistics.js';
