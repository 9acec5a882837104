import { type Failed, failed, ok, type Reason, type Result } from '@mailroute/envelope';
import type { BodyCanonicalization } from './canonical/body.js';
import { asciiLower, type HeaderCanonicalization } from './canonical/header.js';
import { parseTagList, stripWhitespace } from './tag-list.js';

/** A DKIM signing algorithm this package implements (rsa-sha1 is refused, RFC 8301). */
export type DkimAlgorithm = 'rsa-sha256' | 'ed25519-sha256';

/** A parsed, checked DKIM-Signature header field value (RFC 6376 3.5). */
export interface DkimSignatureFields {
  /** a= */
  readonly algorithm: DkimAlgorithm;
  /** b=, decoded. */
  readonly signature: Buffer;
  /** b= as written, whitespace removed (for header.b in Authentication-Results). */
  readonly signatureBase64: string;
  /** bh=, decoded. */
  readonly bodyHash: Buffer;
  /** c= header part. */
  readonly headerCanonicalization: HeaderCanonicalization;
  /** c= body part. */
  readonly bodyCanonicalization: BodyCanonicalization;
  /** d=, lower case. */
  readonly domain: string;
  /** s= */
  readonly selector: string;
  /** h=, in order, lower case. */
  readonly signedHeaders: readonly string[];
  /** i=, or `@` + d= when absent. */
  readonly identity: string;
  /** l=, when present. */
  readonly bodyLength?: number | undefined;
  /** t=, seconds since the epoch. */
  readonly timestamp?: number | undefined;
  /** x=, seconds since the epoch. */
  readonly expiration?: number | undefined;
}

/** What could be read from a signature even when it is malformed, for the result report. */
export interface SignatureIdentity {
  /** d=, lower case. */
  readonly domain?: string | undefined;
  /** s= */
  readonly selector?: string | undefined;
  /** a= as written. */
  readonly algorithm?: string | undefined;
  /** b= without whitespace. */
  readonly signatureBase64?: string | undefined;
}

/** The code of a DKIM-Signature that cannot be evaluated (a permerror). */
export const DKIM_SIGNATURE_INVALID = 'DKIM_SIGNATURE_INVALID';

/** Why a DKIM-Signature is unusable, with what identity could be recovered for the result. */
export interface SignatureReason extends Reason {
  readonly partial: SignatureIdentity;
}

/** Parse result: the fields, or a permerror reason (code {@link DKIM_SIGNATURE_INVALID}). */
export type SignatureParseResult = Result<DkimSignatureFields, SignatureReason>;

function unusable(message: string, partial: SignatureIdentity): Failed<SignatureReason> {
  return failed({ code: DKIM_SIGNATURE_INVALID, message, temporary: false, partial });
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const DOMAIN = new RegExp(`^${LABEL}(?:\\.${LABEL})*\\.?$`);
// Selectors are sub-domains too, but underscores are common in practice.
const SELECTOR = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*$/;
const HEADER_NAME = /^[\x21-\x39\x3b-\x7e]+$/;
const DIGITS = /^[0-9]{1,12}$/;

/** Decodes a base64 value that may be folded; undefined when it is not valid base64. */
export function decodeBase64(value: string): Buffer | undefined {
  const clean = stripWhitespace(value);
  if (!BASE64.test(clean) || clean.length % 4 === 1) return undefined;
  return Buffer.from(clean, 'base64');
}

/** Parses and checks a DKIM-Signature value. Never throws: bad input is a reason. */
export function parseSignature(value: string): SignatureParseResult {
  const list = parseTagList(value);
  if (!list.ok) return unusable(`malformed DKIM-Signature: ${list.reason.message}`, {});
  const t = list.value;
  const partial: SignatureIdentity = {
    domain: t.get('d')?.toLowerCase(),
    selector: t.get('s'),
    algorithm: t.get('a'),
    signatureBase64: t.has('b') ? stripWhitespace(t.get('b')!) : undefined,
  };
  const fail = (message: string): SignatureParseResult => unusable(message, partial);
  for (const required of ['v', 'a', 'b', 'bh', 'd', 'h', 's']) {
    if (!t.has(required)) return fail(`missing required tag ${required}=`);
  }
  if (t.get('v') !== '1') return fail(`unsupported version v=${t.get('v')}`);
  const a = t.get('a')!.toLowerCase();
  if (a === 'rsa-sha1') return fail('rsa-sha1 signatures are not acceptable (RFC 8301)');
  if (a !== 'rsa-sha256' && a !== 'ed25519-sha256') return fail(`unsupported algorithm a=${a}`);
  const signature = decodeBase64(t.get('b')!);
  if (!signature || signature.length === 0) return fail('b= is not valid base64');
  const bodyHash = decodeBase64(t.get('bh')!);
  if (bodyHash?.length !== 32) return fail('bh= is not a base64 SHA-256 hash');
  const canon = parseCanonicalization(t.get('c'));
  if (!canon) return fail(`unsupported canonicalization c=${t.get('c')}`);
  const domain = t.get('d')!.toLowerCase();
  if (!DOMAIN.test(domain)) return fail('d= is not a domain name');
  const selector = t.get('s')!;
  if (!SELECTOR.test(selector)) return fail('s= is not a valid selector');
  const signedHeaders = t
    .get('h')!
    .split(':')
    .map((n) => asciiLower(stripWhitespace(n)));
  if (signedHeaders.some((n) => !HEADER_NAME.test(n))) return fail('h= has an invalid header name');
  if (!signedHeaders.includes('from')) return fail('h= does not include From');
  const identity = t.get('i') ?? `@${domain}`;
  const at = identity.lastIndexOf('@');
  const idDomain = at < 0 ? '' : identity.slice(at + 1).toLowerCase();
  if (at < 0 || !(idDomain === domain || idDomain.endsWith(`.${domain}`))) {
    return fail('i= domain is not d= or a subdomain of it');
  }
  let bodyLength: number | undefined;
  if (t.has('l')) {
    const l = t.get('l')!;
    if (!/^[0-9]{1,15}$/.test(l)) return fail('l= is not a number');
    bodyLength = Number(l);
  }
  if (
    t.has('q') &&
    !t
      .get('q')!
      .split(':')
      .some((m) => stripWhitespace(m).toLowerCase() === 'dns/txt')
  ) {
    return fail('q= does not offer dns/txt');
  }
  const timestamp = optionalSeconds(t.get('t'));
  const expiration = optionalSeconds(t.get('x'));
  if (timestamp === null) return fail('t= is not a number');
  if (expiration === null) return fail('x= is not a number');
  // RFC 6376 3.5: the x= value MUST be greater than the t= value.
  if (timestamp !== undefined && expiration !== undefined && expiration <= timestamp) {
    return fail('x= is not after t=');
  }
  return ok({
    algorithm: a,
    signature,
    signatureBase64: partial.signatureBase64!,
    bodyHash,
    headerCanonicalization: canon.header,
    bodyCanonicalization: canon.body,
    domain,
    selector,
    signedHeaders,
    identity,
    bodyLength,
    timestamp,
    expiration,
  });
}

function parseCanonicalization(
  c: string | undefined,
): { header: HeaderCanonicalization; body: BodyCanonicalization } | undefined {
  const [header = 'simple', body = 'simple', ...rest] = (c ?? 'simple/simple').toLowerCase().split('/');
  if (rest.length > 0) return undefined;
  const ok = (x: string): x is 'simple' | 'relaxed' => x === 'simple' || x === 'relaxed';
  return ok(header) && ok(body) ? { header, body } : undefined;
}

function optionalSeconds(v: string | undefined): number | undefined | null {
  if (v === undefined) return undefined;
  return DIGITS.test(v) ? Number(v) : null;
}

/** The DKIM-Signature value with the b= value removed, keeping all other bytes (RFC 6376 3.7). */
export function withoutSignatureValue(value: string): string {
  return value.replace(/(^|;)([ \t\r\n]*b[ \t\r\n]*=)[^;]*/, '$1$2');
}
