/**
 * Typed lookup failures, in the SDK's one error shape (`MailrouteError` of @mailroute/envelope):
 * a stable string `code` named as Node's own DNS errors are (`ENOTFOUND`, `ENODATA`, `ESERVFAIL`,
 * `ETIMEOUT`, ...), and `temporary`. A failure that will not change (the name or the record does
 * not exist, or the domain publishes a null MX) has `temporary: false` and a 5xx reply; a temporary
 * one (SERVFAIL, REFUSED, timeout, bad answers) has `temporary: true` and a 4xx reply, so the
 * router queues and retries instead of bouncing.
 *
 * Callers tell errors apart by `code` and `temporary` (or {@link isDnsError}, a shape check),
 * never by `instanceof`: two installed copies of this package have two classes.
 */
import { isMailrouteError, MailrouteError, SmtpReply } from '@mailroute/envelope';
import type { Rcode, RecordType } from './types.js';

/**
 * Why a lookup failed. The first five never change on a retry (`temporary: false`); the rest may
 * (`temporary: true`). Where Node's `dns` module has a code for the same outcome, it is that code.
 */
export type DnsErrorCode =
  /** The name does not exist (NXDOMAIN). */
  | 'ENOTFOUND'
  /** The name exists but has no record of the asked type (NODATA). */
  | 'ENODATA'
  /** The domain publishes a null MX (RFC 7505): it accepts no mail. */
  | 'ENULLMX'
  /** MX records exist but none leads to an address, and no host failed temporarily. */
  | 'ENOUSABLEMX'
  /** The name is not a valid domain name (too long, empty label, ...), or a DNSBL query is malformed. */
  | 'EBADNAME'
  /** The server answered SERVFAIL on every attempt. */
  | 'ESERVFAIL'
  /** The server refused the query (REFUSED). */
  | 'EREFUSED'
  /** The server could not read the query (FORMERR, also without EDNS). */
  | 'EFORMERR'
  /** The server does not implement the query (NOTIMP). */
  | 'ENOTIMP'
  /** No answer arrived within the retry schedule. */
  | 'ETIMEOUT'
  /** Answers arrived but none could be used (malformed, truncated beyond repair, a broken CNAME chain). */
  | 'EBADRESP';

const FINAL_CODES: ReadonlySet<string> = new Set([
  'ENOTFOUND',
  'ENODATA',
  'ENULLMX',
  'ENOUSABLEMX',
  'EBADNAME',
]);
const TEMPORARY_CODES: ReadonlySet<string> = new Set([
  'ESERVFAIL',
  'EREFUSED',
  'EFORMERR',
  'ENOTIMP',
  'ETIMEOUT',
  'EBADRESP',
]);

/** The code of a temporary failure whose last outcome was `rcode`. */
export function temporaryCode(rcode: Rcode): DnsErrorCode {
  switch (rcode) {
    case 'SERVFAIL':
      return 'ESERVFAIL';
    case 'REFUSED':
      return 'EREFUSED';
    case 'FORMERR':
      return 'EFORMERR';
    case 'NOTIMP':
      return 'ENOTIMP';
    case 'TIMEOUT':
      return 'ETIMEOUT';
    default:
      return 'EBADRESP';
  }
}

/** Facts of a failed lookup besides its code. */
export interface DnsErrorDetails {
  /** The name that was looked up (lower case, no trailing dot). */
  readonly qname: string;
  /** The record type that was asked for. */
  readonly qtype: RecordType;
  /** The DNS outcome behind the failure (NOERROR for a null MX). */
  readonly rcode: Rcode;
  /** Upstream attempts made before giving up; 0 when none was needed (a cache hit, a bad name). */
  readonly attempts?: number;
  /** Free text from the transport or the resolver, appended to the message. */
  readonly detail?: string;
}

/** Every lookup failure the resolver throws. */
export class DnsError extends MailrouteError {
  declare readonly code: DnsErrorCode;
  /** The SMTP reply a router or policy would give (always set). */
  declare readonly reply: SmtpReply;
  /** The name that was looked up (lower case, no trailing dot). */
  readonly qname: string;
  /** The record type that was asked for. */
  readonly qtype: RecordType;
  /** The DNS outcome behind the failure. */
  readonly rcode: Rcode;
  /** Upstream attempts made before giving up. */
  readonly attempts: number;

  /** Build the error; `temporary` follows from `code`. */
  constructor(code: DnsErrorCode, details: DnsErrorDetails) {
    const temporary = TEMPORARY_CODES.has(code);
    const { qname, qtype, rcode } = details;
    const attempts = details.attempts ?? 0;
    const what = temporary
      ? `temporary DNS failure (${rcode}) after ${attempts} attempt(s)`
      : `${codeText(code)} (${rcode})`;
    super(code, `${qname} ${qtype}: ${what}${details.detail === undefined ? '' : `: ${details.detail}`}`, {
      temporary,
      reply: replyFor(code, qname, rcode),
    });
    this.name = 'DnsError';
    this.qname = qname;
    this.qtype = qtype;
    this.rcode = rcode;
    this.attempts = attempts;
  }
}

/**
 * 556 5.1.10 for a null MX (RFC 7505 section 3.2), 550 5.1.2 "bad destination system address"
 * (RFC 3463) for the other final failures, 451 4.4.3 "directory or routing server failure" for
 * temporary ones.
 */
function replyFor(code: DnsErrorCode, qname: string, rcode: Rcode): SmtpReply {
  if (code === 'ENULLMX') {
    return SmtpReply.of(556, '5.1.10', `Recipient address has null MX: ${qname} accepts no mail`);
  }
  if (FINAL_CODES.has(code)) {
    return SmtpReply.of(550, '5.1.2', `Bad destination system address: ${qname} (${codeText(code)})`);
  }
  return SmtpReply.of(451, '4.4.3', `Temporary DNS failure for ${qname} (${rcode})`);
}

function codeText(code: DnsErrorCode): string {
  switch (code) {
    case 'ENOTFOUND':
      return 'no such domain';
    case 'ENODATA':
      return 'no record of this type';
    case 'ENULLMX':
      return 'null MX: the domain accepts no mail';
    case 'EBADNAME':
      return 'not a valid domain name';
    case 'ENOUSABLEMX':
      return 'no MX host has a usable address';
    default:
      return code;
  }
}

/**
 * True when `value` has the shape of a {@link DnsError} (a DNS code, `temporary`, `qname`), from
 * this copy of the package or another. Then test `code` or `temporary`.
 */
export function isDnsError(value: unknown): value is DnsError {
  return (
    isMailrouteError(value) &&
    (FINAL_CODES.has(value.code) || TEMPORARY_CODES.has(value.code)) &&
    typeof (value as { qname?: unknown }).qname === 'string'
  );
}
