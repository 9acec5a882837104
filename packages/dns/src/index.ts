/**
 * @mailroute/dns: the mail resolver. MX, A, AAAA, PTR, TXT and DNSBL lookups with positive and
 * negative caches, Domino's retry doubling, coalescing of identical queries, MX ordering and typed
 * errors (Node-style `code`, `temporary`, the SMTP reply to give). Transports: the wire client (UDP
 * with TCP fallback), node's resolver, and a static zone for tests and offline use.
 *
 * The RFC 1035 codec, the record shapes a transport returns and the resolver's building blocks
 * are in the `@mailroute/dns/wire` subpath.
 *
 * @packageDocumentation
 */

export type { DnsblResult } from './dnsbl.js';
export { DnsError, type DnsErrorCode, type DnsErrorDetails, isDnsError } from './errors.js';
export { createHostsTable, type HostsTable, loadHostsFile, parseHostsFile } from './hosts.js';
export type { DnsLogEvent } from './lookup.js';
export type { SkippedMx } from './mx.js';
export type { MxHost, MxResolution } from './mx-resolution.js';
export { createNodeResolverTransport, type NodeResolverTransportOptions } from './node-transport.js';
export type { HostLookupOrder, ResolverOptions } from './options.js';
export { createResolver, type LookupOptions, type MailResolver } from './resolver.js';
export {
  createStaticTransport,
  type StaticTransport,
  type StaticZone,
  type StaticZoneEntry,
} from './static-transport.js';
export type { DnsStats } from './stats.js';
export type { DnsTransport, Rcode, RecordType } from './types.js';
export { createUdpTransport, type DnsServer, type UdpTransportOptions } from './udp-transport.js';
