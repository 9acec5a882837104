/**
 * @mailroute/auth: inbound mail authentication. SPF (RFC 7208) with the Received-SPF header,
 * over the `@mailroute/dns` resolver.
 *
 * @packageDocumentation
 */

export { type ArcSealOptions, type ArcSealResult, sealArc } from './arc/seal.js';
export { type ArcChainStatus, type ArcVerdict, type ArcVerifyOptions, verifyArc } from './arc/verify.js';
export { dkimAuthResults, spfAuthResult } from './authres/from-checks.js';
export { MAX_AUTHRES_LENGTH, parseAuthenticationResults } from './authres/parse.js';
export type { AuthenticationResults, AuthResult, AuthResultProperty } from './authres/types.js';
export {
  formatAuthenticationResults,
  formatAuthResult,
  removeOwnAuthenticationResults,
} from './authres/write.js';
export {
  checkDmarc,
  type DmarcInput,
  type DmarcOptions,
  type DmarcResult,
  type DmarcSpfInput,
  type DmarcVerdict,
} from './dmarc/check.js';
export { headerFromDomain } from './dmarc/from-domain.js';
export { aligned, organizationalDomain } from './dmarc/org-domain.js';
export {
  type DmarcParse,
  type DmarcPolicy,
  type DmarcRecord,
  isDmarcRecord,
  parseDmarcRecord,
} from './dmarc/record.js';
export { type DmarcReportRecord, dmarcReportRecord, mergeReportRecords } from './dmarc/report.js';
export { type AuthLookupOptions, type AuthResolver, type LookupOutcome, settle } from './resolver.js';
export {
  checkSpf,
  createSpfChecker,
  type SpfChecker,
  type SpfCheckerOptions,
  type SpfCheckInput,
  type SpfCheckOptions,
  type SpfVerdict,
} from './spf/check.js';
export {
  type HostCheck,
  type ParsedRecordCache,
  parsedRecordCache,
  RFC7208_LIMITS,
  type SpfLimits,
  type SpfResult,
} from './spf/check-host.js';
export { type ClientIp, parseClientIp } from './spf/ip.js';
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
