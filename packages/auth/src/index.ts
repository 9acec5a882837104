/**
 * @mailroute/auth: inbound mail authentication. SPF (RFC 7208) with the Received-SPF header,
 * over the `@mailroute/dns` resolver.
 *
 * @packageDocumentation
 */

export { type AuthLookupOptions, type AuthResolver, type LookupOutcome, settle } from './resolver.js';
export { checkSpf, type SpfCheckInput, type SpfCheckOptions, type SpfVerdict } from './spf/check.js';
export { type HostCheck, RFC7208_LIMITS, type SpfLimits, type SpfResult } from './spf/check-host.js';
export { type ClientIp, parseIp } from './spf/ip.js';
export { type MacroToken, parseDomainSpec, parseMacroString } from './spf/macro.js';
export { receivedSpf } from './spf/received-spf.js';
export {
  isSpfRecord,
  parseSpfRecord,
  type SpfMechanism,
  type SpfMechanismBase,
  type SpfParse,
  type SpfQualifier,
  type SpfRecord,
} from './spf/record.js';
