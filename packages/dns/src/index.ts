/**
 * @mailroute/dns: the mail resolver. MX, A, AAAA, PTR, TXT and DNSBL lookups with positive and
 * negative caches, Domino's retry doubling, coalescing of identical queries, MX ordering and typed
 * errors that map to SMTP reply classes. Transports: the wire client (UDP with TCP fallback), node's
 * resolver, and a static zone for tests and offline use.
 *
 * @packageDocumentation
 */

export { createSystemClock } from './clock.js';
export type { DnsblResult } from './dnsbl.js';
export {
  DnsLookupError,
  DnsNotFoundError,
  DnsTemporaryError,
  isDnsNotFound,
  isDnsTemporary,
  type NotFoundReason,
  type SuggestedSmtpReply,
} from './errors.js';
export {
  createHostsTable,
  emptyHostsTable,
  type HostsTable,
  loadHostsFile,
  parseHostsFile,
} from './hosts.js';
export { type MxCandidate, type MxPlan, planMx, type SkippedMx, shuffleEqualPreferences } from './mx.js';
export type { MxHost, MxResolution } from './mx-resolution.js';
export { addressLiteral, normalizeName, reverseName } from './names.js';
export { createNodeResolverTransport, type NodeResolverTransportOptions } from './node-transport.js';
export {
  DEFAULT_OPTIONS,
  type HostLookupOrder,
  type ResolvedOptions,
  type ResolverOptions,
  totalRetryBudgetMs,
} from './options.js';
export { createResolver, type LookupOptions, type MailResolver } from './resolver.js';
export {
  createStaticTransport,
  type StaticTransport,
  type StaticZone,
  type StaticZoneEntry,
} from './static-transport.js';
export type { DnsStats, DnsTraceEvent, DnsTraceKind } from './trace.js';
export type {
  AaaaRecord,
  ARecord,
  Clock,
  CnameRecord,
  DnsQuestion,
  DnsRecord,
  DnsTransport,
  MxRecord,
  PtrRecord,
  RandomSource,
  Rcode,
  RecordType,
  TimerHandle,
  TransportAnswer,
  TransportQueryOptions,
  TxtRecord,
} from './types.js';
export {
  createUdpTransport,
  type DnsServer,
  parseServer,
  type UdpTransportOptions,
} from './udp-transport.js';
export {
  type DecodedMessage,
  type DecodeResult,
  decodeHeader,
  decodeMessage,
  EDNS_UDP_SIZE,
  encodeQuery,
  encodeResponse,
  type MessageHeader,
  type ResponseSpec,
} from './wire.js';
