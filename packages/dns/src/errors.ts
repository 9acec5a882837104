/**
 * Typed lookup failures. A permanent not-found (the name or the record does not exist, or the domain
 * publishes a null MX) maps to a 5xx SMTP reply; a temporary failure (SERVFAIL, REFUSED, timeout, bad
 * answers) maps to 4xx, so the router queues and retries instead of bouncing.
 */
import { SmtpReply } from '@mailroute/envelope';
import type { Rcode, RecordType } from './types.js';

/**
 * The SMTP reply a router or policy would give for a failed lookup: an envelope `SmtpReply`, so
 * it formats and classifies like every other reply of mailroute.
 */
export type SuggestedSmtpReply = SmtpReply;

/** Why a lookup failed permanently. */
export type NotFoundReason =
  /** The name does not exist (NXDOMAIN). */
  | 'nxdomain'
  /** The name exists but has no record of the asked type (NODATA). */
  | 'nodata'
  /** The domain publishes a null MX (RFC 7505): it accepts no mail. */
  | 'null-mx'
  /** The name is not a valid domain name (too long, empty label, ...). */
  | 'bad-name'
  /** MX records exist but none leads to a usable address. */
  | 'no-usable-mx';

/** Base class of every lookup failure the resolver throws. */
export abstract class DnsLookupError extends Error {
  /** The name that was looked up (lower case, no trailing dot). */
  readonly qname: string;
  /** The record type that was asked for. */
  readonly qtype: RecordType;
  /** The DNS outcome behind the failure. */
  readonly rcode: Rcode;
  /** True for permanent failures (5xx), false for temporary ones (4xx). */
  abstract readonly permanent: boolean;

  protected constructor(message: string, qname: string, qtype: RecordType, rcode: Rcode) {
    super(message);
    this.qname = qname;
    this.qtype = qtype;
    this.rcode = rcode;
  }

  /** The SMTP reply class: 5 for permanent failures, 4 for temporary ones. */
  get smtpClass(): 4 | 5 {
    return this.permanent ? 5 : 4;
  }

  /** The reply the router or policy would send; the smtp layer turns it into its own reply type. */
  abstract get suggestedReply(): SuggestedSmtpReply;
}

/** A permanent failure: the name or record does not exist, or the domain accepts no mail. */
export class DnsNotFoundError extends DnsLookupError {
  /** Always true. */
  readonly permanent = true;
  /** What exactly was not found. */
  readonly reason: NotFoundReason;

  /** Build the error; `rcode` is what the server said (NOERROR for a null MX). */
  constructor(qname: string, qtype: RecordType, rcode: Rcode, reason: NotFoundReason, detail?: string) {
    super(
      `${qname} ${qtype}: ${reasonText(reason)} (${rcode})${detail === undefined ? '' : `: ${detail}`}`,
      qname,
      qtype,
      rcode,
    );
    this.name = 'DnsNotFoundError';
    this.reason = reason;
  }

  /**
   * 556 5.1.10 for a null MX (RFC 7505 section 3.2), otherwise 550 5.1.2 "bad destination system
   * address" (RFC 3463).
   */
  get suggestedReply(): SuggestedSmtpReply {
    if (this.reason === 'null-mx') {
      return SmtpReply.of(556, '5.1.10', `Recipient address has null MX: ${this.qname} accepts no mail`);
    }
    return SmtpReply.of(550, '5.1.2', `Bad destination system address: ${this.qname} (${this.reason})`);
  }
}

/** A temporary failure: SERVFAIL, REFUSED, a timeout or an unusable answer, after all retries. */
export class DnsTemporaryError extends DnsLookupError {
  /** Always false. */
  readonly permanent = false;
  /** How many upstream attempts were made before giving up. */
  readonly attempts: number;

  /** Build the error. */
  constructor(qname: string, qtype: RecordType, rcode: Rcode, attempts: number, detail?: string) {
    super(
      `${qname} ${qtype}: temporary DNS failure (${rcode}) after ${attempts} attempt(s)${
        detail === undefined ? '' : `: ${detail}`
      }`,
      qname,
      qtype,
      rcode,
    );
    this.name = 'DnsTemporaryError';
    this.attempts = attempts;
  }

  /** 451 4.4.3 "directory or routing server failure" (RFC 3463). */
  get suggestedReply(): SuggestedSmtpReply {
    return SmtpReply.of(451, '4.4.3', `Temporary DNS failure for ${this.qname} (${this.rcode})`);
  }
}

function reasonText(reason: NotFoundReason): string {
  switch (reason) {
    case 'nxdomain':
      return 'no such domain';
    case 'nodata':
      return 'no record of this type';
    case 'null-mx':
      return 'null MX: the domain accepts no mail';
    case 'bad-name':
      return 'not a valid domain name';
    case 'no-usable-mx':
      return 'no MX host has a usable address';
  }
}

/** True when `value` is a permanent not-found failure. */
export function isDnsNotFound(value: unknown): value is DnsNotFoundError {
  return value instanceof DnsNotFoundError;
}

/** True when `value` is a temporary failure. */
export function isDnsTemporary(value: unknown): value is DnsTemporaryError {
  return value instanceof DnsTemporaryError;
}
