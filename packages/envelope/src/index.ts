/**
 * @mailroute/envelope: everything about the SMTP envelope that the server, the client, the
 * policy and the router share: paths, commands and parameters, replies with enhanced codes and
 * their catalogue, the DATA codec and the Received header. Pure: no sockets, no clock.
 *
 * Parsers never throw on bad input: they return the SDK's `Result`, `{ ok: true, value }` or
 * `{ ok: false, reason }`, where the reason of a refused command or path carries the reply to send.
 *
 * @packageDocumentation
 */
export {
  type AuthCommand,
  type BdatCommand,
  type CommandOptions,
  DEFAULT_MAX_COMMAND_LENGTH,
  type EtrnCommand,
  type HelloCommand,
  type HelpCommand,
  type LookupCommand,
  type MailCommand,
  type NoopCommand,
  type PlainCommand,
  parseCommand,
  type RcptCommand,
  type SmtpCommand,
  type SmtpVerb,
} from './command.js';
export {
  createDataDecoder,
  type DataChunkResult,
  type DataDecoder,
  type DataDecoderOptions,
} from './data-decoder.js';
export { createDataEncoder, type DataEncoder } from './data-encoder.js';
export {
  type AddressLiteral,
  type DomainName,
  type DomainOptions,
  type DomainProblem,
  type DomainReason,
  type DomainResult,
  type MailDomain,
  parseAddressLiteral,
  parseDomain,
} from './domain.js';
export {
  formatIPv4,
  formatIPv6,
  type IPv4Options,
  type IpAddress,
  isIPv4Mapped,
  parseIPv4,
  parseIPv6,
  parseIp,
} from './ip.js';
export { isDotString } from './local-part.js';
export {
  type BodyType,
  type MailParameters,
  type NotifyCondition,
  type ParameterExtensions,
  parseMailParameters,
  parseRcptParameters,
  type RcptParameters,
} from './parameters.js';
export {
  type ForwardPath,
  isPostmaster,
  type Mailbox,
  type MailboxPath,
  type NullPath,
  type PathOptions,
  type PathRole,
  type PostmasterPath,
  parseForwardPath,
  parseReversePath,
  type ReversePath,
} from './path.js';
export {
  formatReceived,
  formatRfc5322Date,
  type ReceivedFields,
  type ReceivedProtocol,
  receivedProtocol,
  type SessionKind,
} from './received.js';
export { ENVELOPE_REFUSED, type ReplyReason, type ReplyResult, refused } from './refusal.js';
export { Replies, type ReplyCatalogue } from './replies.js';
export {
  type EnhancedCode,
  formatReply,
  isEnhancedCode,
  type ReplyClass,
  SmtpError,
  SmtpReply,
} from './reply.js';
export { isLastReplyLine, parseReply, SMTP_REPLY_MALFORMED } from './reply-parse.js';
export { type Clock, sleep, systemClock, type TimerHandle } from './vocabulary/clock.js';
export {
  isMailrouteError,
  MailrouteError,
  type MailrouteErrorOptions,
  type Reason,
} from './vocabulary/errors.js';
export {
  createLineLogger,
  type Logger,
  type LogLevel,
  type LogRecord,
  silentLogger,
} from './vocabulary/logger.js';
export { type RandomSource, seededRandomSource } from './vocabulary/random.js';
export { type Failed, failed, type Ok, ok, type Result } from './vocabulary/result.js';
export { encodeXtext } from './xtext.js';
