/**
 * @mailroute/testing: the kit to unit-test mail logic with. A fake DNS zone declared as data, a
 * directory builder, scripted SMTP conversations (in memory on the real session engine, or over a
 * socket), a capture server for code that sends mail, a fake clock and a seeded PRNG, and
 * assertions for node:test with the same checks as Vitest/Jest matchers.
 *
 * @packageDocumentation
 */
export { assertReply, describeReply, type ReplyLike, replyMismatch, toReply } from './assert-reply.js';
export {
  assertDeliveryReport,
  assertDkim,
  assertRelayDecision,
  type DkimExpectation,
  deliveryReportMismatch,
  dkimMismatch,
  type ExpectedDsnRecipient,
  relayDecisionMismatch,
} from './assertions.js';
export {
  type CapturedMessage,
  type CaptureRules,
  type CaptureServer,
  type CaptureServerOptions,
  type CaptureStats,
  type MessageFilter,
  messageMatches,
  reply,
  startCaptureServer,
  type WaitOptions,
} from './capture-server.js';
export {
  type ConversationOptions,
  connectConversation,
  dataPayload,
  type ReplyPromise,
  type SmtpConversation,
  type SocketConversationOptions,
  startConversation,
  type TranscriptLine,
} from './conversation.js';
export {
  type DeliveryReport,
  type DsnRecipient,
  parseDeliveryReport,
  parseStatusFields,
} from './delivery-report.js';
export {
  type BuiltDirectory,
  type ConnectionFields,
  DirectoryBuildError,
  type DirectoryBuilder,
  type DirectoryBuilderOptions,
  directoryBuilder,
  type GroupFields,
  type PersonFields,
  type ServerFields,
} from './directory-builder.js';
export { FAKE_CLOCK_START_MS, FakeClock, type FakeClockOptions, flushPromises } from './fake-clock.js';
export { createFakeZone, type FakeResolverOptions, type FakeZone, type ZoneQuery } from './fake-zone.js';
export { type MailrouteMatchers, type MatcherResult, mailrouteMatchers } from './matchers.js';
export { prng, type SeededRandom, seededRandom } from './prng.js';
export { parseReplies, ReplyReader } from './reply-stream.js';
export { nextHopFromSmtpUrl, type SmtpUrlHop } from './smtp-url.js';
export {
  type ZoneDeclaration,
  ZoneDeclarationError,
  type ZoneFailure,
  type ZoneMx,
  type ZoneProblem,
  type ZoneRecords,
  type ZoneTypeFailure,
} from './zone-declaration.js';
