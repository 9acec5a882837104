import type { DkimVerification } from './verify.js';

// RFC 2045 token characters; anything else is written as a quoted-string.
const TOKEN = /^[A-Za-z0-9!#$%&'*+\-.^_`{|}~]+$/;

function value(v: string): string {
  return TOKEN.test(v) ? v : `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** How many characters of b= go into header.b: RFC 6008 asks for at least 8. */
const HEADER_B_LENGTH = 8;

/**
 * The `dkim=` part of an RFC 8601 Authentication-Results field for a set of verification
 * results, one resinfo per signature joined with `;\r\n\t` (or `dkim=none` when unsigned), e.g.
 * `dkim=pass header.d=example.com header.s=sel header.a=rsa-sha256 header.b=AbCdEfGh`.
 */
export function authenticationResults(results: readonly DkimVerification[]): string {
  if (results.length === 0) return 'dkim=none';
  return results
    .map((r) => {
      const parts = [`dkim=${r.result}`];
      if (r.result !== 'pass' && r.reason) parts.push(`reason=${value(r.reason)}`);
      if (r.domain) parts.push(`header.d=${value(r.domain)}`);
      if (r.identity) parts.push(`header.i=${value(r.identity)}`);
      if (r.selector) parts.push(`header.s=${value(r.selector)}`);
      if (r.algorithm) parts.push(`header.a=${value(r.algorithm)}`);
      if (r.signatureBase64) parts.push(`header.b=${value(r.signatureBase64.slice(0, HEADER_B_LENGTH))}`);
      return parts.join(' ');
    })
    .join(';\r\n\t');
}
