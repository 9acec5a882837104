/**
 * @mailroute/smtp-client: the transfer side of mail. A connection (`connect`) speaks ESMTP to one
 * server: EHLO with HELO fallback, STARTTLS, AUTH, PIPELINING, CHUNKING/BDAT, SIZE, 8BITMIME,
 * SMTPUTF8, DSN, with RFC 5321's timeouts. A transfer agent (`createTransferAgent`) delivers to a
 * domain's MX hosts or through a relay host over pooled sessions, and returns a result per
 * recipient: delivered, transient or permanent, with the reply a DSN needs. Nothing the network
 * or the peer does makes either throw.
 *
 * @packageDocumentation
 */
export { createTransferAgent } from './agent.js';
export type { TransferAgentOptions, TransferResolver } from './agent-options.js';
export type { AuthCredentials, AuthMechanism } from './auth.js';
export { type Capabilities, parseCapabilities } from './capabilities.js';
export { connect } from './connect.js';
export type { CertificateMode, ClientTlsOptions, ConnectOptions, TlsState } from './connect-options.js';
export { SmtpConnection } from './connection.js';
export { establish, type SessionPolicy, type TlsPolicy } from './establish.js';
export {
  createMtaSts,
  type MtaSts,
  type MtaStsFetcher,
  type MtaStsOptions,
  type MtaStsPolicy,
  type MtaStsResponse,
  mxMatches,
  parseMtaStsPolicy,
  parseMtaStsTxt,
} from './mta-sts.js';
export { RFC5321_TIMEOUTS, resolveTimeouts, type SmtpTimeouts } from './options.js';
export { ConnectionPool, type Lease, type PoolOptions } from './pool.js';
export type { SmtpClientReason, SmtpClientReasonCode } from './reasons.js';
export {
  createReplyReader,
  type ReplyChunk,
  type ReplyReader,
  type ReplyReaderLimits,
} from './reply-reader.js';
export { saveOutboundMessage } from './save-outbound.js';
export { parseQueueId, type TransactionOutcome } from './transaction.js';
export type {
  DeliveryOptions,
  DeliveryResult,
  NextHop,
  NextHopAuth,
  OutboundEnvelope,
  OutboundMessage,
  OutboundRecipient,
  RecipientOutcome,
  RecipientResult,
  TransferAgent,
} from './types.js';
export type { ClientDebugLevel } from './wire.js';
