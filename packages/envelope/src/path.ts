/**
 * Reverse-paths and forward-paths (RFC 5321 4.1.2, RFC 6531): `<local@domain>`, the null path
 * `<>`, `<postmaster>`, source routes `<@a,@b:user@c>` (accepted, route kept aside and not used),
 * and Domino's lenient form without angle brackets (`SMTPStrict821AddressSyntax=0`).
 */
import { describeDomainProblem, type MailDomain, parseDomain } from './domain.js';
import {
  formatLocalPart,
  type LocalPartProblem,
  MAX_LOCAL_PART_OCTETS,
  scanLocalPart,
} from './local-part.js';
import { type ReplyReason, type ReplyResult, refused } from './refusal.js';
import { Replies } from './replies.js';
import type { SmtpReply } from './reply.js';
import type { Failed } from './vocabulary/result.js';

/** Longest path RFC 5321 4.5.3.1.3 allows, brackets included, in octets. */
export const MAX_PATH_OCTETS = 256;

/** A mailbox: `local-part@domain`. */
export interface Mailbox {
  /** The local part's value (a quoted string's content, quotes and escapes removed). Case is kept. */
  readonly localPart: string;
  /** True when the client wrote the local part as a quoted string. */
  readonly quoted: boolean;
  /** The domain or address literal. */
  readonly domain: MailDomain;
  /** `local@domain` for the wire, domain in A-labels, local part re-quoted only if it needs quotes. */
  readonly address: string;
  /** The same with the domain in U-labels, for display and for SMTPUTF8 peers. */
  readonly addressUnicode: string;
  /** True when the local part holds non-ASCII characters, so the address can only travel over SMTPUTF8. */
  readonly utf8: boolean;
}

/** A path naming a mailbox. */
export interface MailboxPath {
  readonly kind: 'mailbox';
  readonly mailbox: Mailbox;
  /**
   * Domains of an RFC 821 source route (`<@a,@b:user@c>` gives `['a', 'b']`), in A-labels.
   * RFC 5321 4.1.1.3 says to accept and ignore the route; it is kept here because relay policy must
   * treat such a path with suspicion. Empty when there was none.
   */
  readonly sourceRoute: readonly string[];
  /** False when the client omitted the angle brackets (accepted only with SMTPStrict821AddressSyntax=0). */
  readonly bracketed: boolean;
}

/** The null reverse-path `<>`, used by bounces and other notifications. */
export interface NullPath {
  readonly kind: 'null';
}

/** `<Postmaster>` without a domain: RFC 5321 4.1.1.3 requires every server to accept it. */
export interface PostmasterPath {
  readonly kind: 'postmaster';
}

/** What MAIL FROM names. */
export type ReversePath = NullPath | MailboxPath;
/** What RCPT TO names. */
export type ForwardPath = PostmasterPath | MailboxPath;

/** Options for the path parsers. */
export interface PathOptions {
  /**
   * Domino's `SMTPStrict821AddressSyntax`. false (the Domino default, 0): `MAIL FROM: user@x`
   * without brackets and with a space after the colon is accepted. true (1): `<...>` is required.
   */
  readonly strict821AddressSyntax?: boolean;
  /**
   * The transaction is SMTPUTF8 (RFC 6531): UTF-8 local parts and U-label domains are allowed.
   * Default false, in which case any non-ASCII character gets `553 5.6.7`.
   */
  readonly smtputf8?: boolean;
}

/** Which side of the envelope a path is on: it picks the enhanced codes of error replies. */
export type PathRole = 'sender' | 'recipient';

/** A path found inside a longer text, and the index just past it. */
export interface ScannedPath<T> {
  readonly path: T;
  readonly end: number;
}

/** True for `<postmaster>` and for any `postmaster@domain` (case-insensitive local part). */
export function isPostmaster(path: ForwardPath | ReversePath): boolean {
  if (path.kind === 'postmaster') return true;
  return path.kind === 'mailbox' && path.mailbox.localPart.toLowerCase() === 'postmaster';
}

/**
 * Parses a reverse-path, the argument of `MAIL FROM:` without parameters: `<user@example.com>`,
 * `<>`, or (lenient mode) `user@example.com`. Never throws: returns the path or the reply to send.
 */
export function parseReversePath(text: string, options: PathOptions = {}): ReplyResult<ReversePath> {
  return whole(text, 'sender', options) as ReplyResult<ReversePath>;
}

/**
 * Parses a forward-path, the argument of `RCPT TO:` without parameters: `<user@example.com>`,
 * `<postmaster>`, or (lenient mode) `user@example.com`. Never throws.
 */
export function parseForwardPath(text: string, options: PathOptions = {}): ReplyResult<ForwardPath> {
  return whole(text, 'recipient', options) as ReplyResult<ForwardPath>;
}

function whole(text: string, role: PathRole, options: PathOptions): ReplyResult<ReversePath | ForwardPath> {
  let start = 0;
  let end = text.length;
  if (options.strict821AddressSyntax !== true) {
    while (start < end && text.charCodeAt(start) === 32) start++;
    while (end > start && text.charCodeAt(end - 1) === 32) end--;
  }
  const scanned = scanPath(text.slice(0, end), start, role, options);
  if (!scanned.ok) return scanned;
  if (scanned.value.end !== end) return refused(addressError(role, 'unexpected text after the address'));
  return { ok: true, value: scanned.value.path };
}

/**
 * Scans a path that starts at `start` and ends at its closing `>` (or, unbracketed, at a space
 * or the end of the text). The command parser uses it to find where the parameters begin.
 */
export function scanPath(
  text: string,
  start: number,
  role: PathRole,
  options: PathOptions,
): ReplyResult<ScannedPath<ReversePath | ForwardPath>> {
  const utf8 = options.smtputf8 === true;
  const n = text.length;
  let i = start;
  const bracketed = i < n && text.charCodeAt(i) === 60;
  if (!bracketed) {
    if (options.strict821AddressSyntax === true) {
      return fail(role, 'angle brackets required (SMTPStrict821AddressSyntax)');
    }
    if (i >= n || text.charCodeAt(i) === 32) return fail(role, 'missing address');
  } else {
    i++;
    if (text.charCodeAt(i) === 62) {
      if (role === 'recipient') return fail(role, 'empty recipient address');
      return { ok: true, value: { path: { kind: 'null' }, end: i + 1 } };
    }
  }

  // Source route: "@" Domain *( "," "@" Domain ) ":"
  const sourceRoute: string[] = [];
  if (bracketed && text.charCodeAt(i) === 64) {
    for (;;) {
      i++; // past "@"
      let j = i;
      while (j < n && text.charCodeAt(j) !== 44 && text.charCodeAt(j) !== 58 && text.charCodeAt(j) !== 62)
        j++;
      const hop = parseDomain(text.slice(i, j), { allowUtf8: utf8 });
      if (!hop.ok) return domainFail(role, hop.reason.problem);
      sourceRoute.push(hop.value.ascii);
      const sep = text.charCodeAt(j);
      if (sep === 58) {
        i = j + 1;
        break;
      }
      if (sep !== 44 || text.charCodeAt(j + 1) !== 64) return fail(role, 'malformed source route');
      i = j + 1;
    }
  }

  const localStart = i;
  const local = scanLocalPart(text, i, utf8);
  if (!local.ok) return localFail(role, local.reason.problem);
  i = local.value.end;
  const localOctets = local.value.utf8 ? Buffer.byteLength(text.slice(localStart, i)) : i - localStart;
  if (localOctets > MAX_LOCAL_PART_OCTETS)
    return fail(role, `local part longer than ${MAX_LOCAL_PART_OCTETS} octets`);

  const closeAt = (k: number) =>
    bracketed ? text.charCodeAt(k) === 62 : k >= n || text.charCodeAt(k) === 32;
  if (text.charCodeAt(i) !== 64) {
    if (
      role === 'recipient' &&
      sourceRoute.length === 0 &&
      !local.value.quoted &&
      closeAt(i) &&
      local.value.value.toLowerCase() === 'postmaster'
    ) {
      return { ok: true, value: { path: { kind: 'postmaster' }, end: bracketed ? i + 1 : i } };
    }
    if (bracketed && i >= n) return fail(role, 'missing closing angle bracket');
    return fail(role, closeAt(i) ? 'missing @domain' : 'invalid character in local part');
  }
  i++; // past "@"

  const domainStart = i;
  if (text.charCodeAt(i) === 91) {
    const close = text.indexOf(']', i);
    if (close < 0) return fail(role, 'unbalanced bracket in address literal');
    i = close + 1;
  } else {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 62 || c === 32 || c === 60) break;
      i++;
    }
  }
  const domain = parseDomain(text.slice(domainStart, i), { allowUtf8: utf8 });
  if (!domain.ok) return domainFail(role, domain.reason.problem);

  if (bracketed) {
    if (i >= n) return fail(role, 'missing closing angle bracket');
    if (text.charCodeAt(i) !== 62) return fail(role, 'invalid character in domain');
    i++;
  } else if (i < n && text.charCodeAt(i) !== 32) {
    return fail(role, 'invalid character in domain');
  }

  const pathOctets = (bracketed ? 0 : 2) + (utf8 ? Buffer.byteLength(text.slice(start, i)) : i - start);
  if (pathOctets > MAX_PATH_OCTETS) return fail(role, `path longer than ${MAX_PATH_OCTETS} octets`);

  const value = local.value.value;
  const wireLocal = local.value.quoted ? formatLocalPart(value) : value;
  const d = domain.value;
  const mailbox: Mailbox = {
    localPart: value,
    quoted: local.value.quoted,
    domain: d,
    address: `${wireLocal}@${d.ascii}`,
    addressUnicode: d.unicode === d.ascii ? `${wireLocal}@${d.ascii}` : `${wireLocal}@${d.unicode}`,
    utf8: local.value.utf8,
  };
  return { ok: true, value: { path: { kind: 'mailbox', mailbox, sourceRoute, bracketed }, end: i } };
}

/** The reply for a malformed address on the given side of the envelope. */
export function addressError(role: PathRole, reason: string): SmtpReply {
  return role === 'sender' ? Replies.badSenderSyntax(reason) : Replies.badRecipientSyntax(reason);
}

function fail(role: PathRole, reason: string): Failed<ReplyReason> {
  return refused(addressError(role, reason));
}

function localFail(role: PathRole, problem: LocalPartProblem): Failed<ReplyReason> {
  switch (problem) {
    case 'non-ascii':
      return refused(Replies.nonAsciiAddress);
    case 'unbalanced-quote':
      return fail(role, 'unbalanced quote in local part');
    case 'empty':
      return fail(role, 'missing local part');
    case 'too-long':
      return fail(role, `local part longer than ${MAX_LOCAL_PART_OCTETS} octets`);
    case 'syntax':
      return fail(role, 'invalid local part');
  }
}

function domainFail(
  role: PathRole,
  problem: Parameters<typeof describeDomainProblem>[0],
): Failed<ReplyReason> {
  if (problem === 'non-ascii') return refused(Replies.nonAsciiAddress);
  return fail(role, describeDomainProblem(problem));
}
