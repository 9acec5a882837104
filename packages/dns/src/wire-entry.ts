/**
 * `@mailroute/dns/wire`: what a transport, a test responder or a DNS tool is built from, and what
 * a typical user of the resolver never calls. The RFC 1035 codec the wire transport reads with
 * (shipped so responders encode with the same code the client decodes with), the question, record
 * and answer shapes of the `DnsTransport` interface, the server address parser, and the pure
 * helpers the resolver is made of (name normalisation, reverse names, MX planning).
 *
 * @packageDocumentation
 */

export { type MxCandidate, type MxPlan, planMx, shuffleEqualPreferences } from './mx.js';
export { addressLiteral, normalizeName, reverseName } from './names.js';
export type {
  AaaaRecord,
  ARecord,
  CnameRecord,
  DnsQuestion,
  DnsRecord,
  MxRecord,
  PtrRecord,
  TransportAnswer,
  TransportQueryOptions,
  TxtRecord,
} from './types.js';
export { parseServer } from './udp-transport.js';
export {
  type DecodedMessage,
  decodeHeader,
  decodeMessage,
  EDNS_UDP_SIZE,
  encodeQuery,
  encodeResponse,
  type MessageHeader,
  type ResponseSpec,
} from './wire.js';
