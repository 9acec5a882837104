/**
 * Results of this package's checks (and of `@mailroute/dkim`) in the Authentication-Results vocabulary.
 */
import type { DkimVerification } from '@mailroute/dkim';
import type { SpfVerdict } from '../spf/check.js';
import type { AuthResult } from './types.js';

/** `spf=<result> smtp.mailfrom=<sender>` (or `smtp.helo=` for the HELO identity), RFC 8601 section 2.7.2. */
export function spfAuthResult(v: SpfVerdict): AuthResult {
  return {
    method: 'spf',
    result: v.result,
    ...(v.problem && (v.result === 'permerror' || v.result === 'temperror') && { reason: v.problem.message }),
    properties: [
      v.identity === 'helo'
        ? { ptype: 'smtp', property: 'helo', value: v.helo }
        : { ptype: 'smtp', property: 'mailfrom', value: v.sender },
    ],
  };
}

/** How many characters of b= go into header.b: RFC 6008 asks for at least 8. */
const HEADER_B_LENGTH = 8;

/** One `dkim=` result per signature (RFC 8601 section 2.7.1, RFC 6008 header.b), or `dkim=none`. */
export function dkimAuthResults(results: readonly DkimVerification[]): AuthResult[] {
  if (results.length === 0) return [{ method: 'dkim', result: 'none', properties: [] }];
  return results.map((r) => {
    const props: { ptype: string; property: string; value: string }[] = [];
    if (r.domain) props.push({ ptype: 'header', property: 'd', value: r.domain });
    if (r.identity) props.push({ ptype: 'header', property: 'i', value: r.identity });
    if (r.selector) props.push({ ptype: 'header', property: 's', value: r.selector });
    if (r.algorithm) props.push({ ptype: 'header', property: 'a', value: r.algorithm });
    if (r.signatureBase64)
      props.push({ ptype: 'header', property: 'b', value: r.signatureBase64.slice(0, HEADER_B_LENGTH) });
    return {
      method: 'dkim',
      result: r.result,
      ...(r.result !== 'pass' && r.reason && { reason: r.reason }),
      properties: props,
    };
  });
}
