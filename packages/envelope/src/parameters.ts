/**
 * ESMTP parameters of MAIL FROM and RCPT TO: SIZE (RFC 1870), BODY (RFC 6152, RFC 3030),
 * SMTPUTF8 (RFC 6531), RET and ENVID (RFC 3461), AUTH= (RFC 4954) on MAIL; NOTIFY and ORCPT
 * (RFC 3461) on RCPT.
 */

import { type ReplyReason, type ReplyResult, refused } from './refusal.js';
import { Replies } from './replies.js';
import type { Failed } from './vocabulary/result.js';
import { decodeUtf8AddrXtext, decodeXtext } from './xtext.js';

/** BODY= values. */
export type BodyType = '7BIT' | '8BITMIME' | 'BINARYMIME';

/** Parameters of MAIL FROM. Absent parameters are undefined. */
export interface MailParameters {
  /** SIZE=n: the client's estimate of the message size in octets. */
  readonly size?: number;
  /** BODY=7BIT|8BITMIME|BINARYMIME. */
  readonly body?: BodyType;
  /** SMTPUTF8 was given: addresses and headers may be UTF-8. */
  readonly smtputf8: boolean;
  /** DSN RET=FULL|HDRS: how much of the message a failure DSN returns. */
  readonly ret?: 'FULL' | 'HDRS';
  /** DSN ENVID, xtext-decoded. */
  readonly envid?: string;
  /** AUTH=: the submitter's identity (xtext-decoded mailbox), or `<>` for "unknown". */
  readonly auth?: string;
}

/** A DSN NOTIFY condition. */
export type NotifyCondition = 'SUCCESS' | 'FAILURE' | 'DELAY';

/** Parameters of RCPT TO. */
export interface RcptParameters {
  /** NOTIFY=NEVER gives `'NEVER'`; NOTIFY=SUCCESS,FAILURE gives the list. */
  readonly notify?: 'NEVER' | readonly NotifyCondition[];
  /** ORCPT=type;xtext: the original recipient, decoded (`rfc822` xtext, `utf-8` per RFC 6533). */
  readonly orcpt?: { readonly type: string; readonly address: string };
}

/**
 * Which service extensions the server offers; a parameter of an extension that is off gets
 * `555 5.5.4` as RFC 5321 4.1.1.11 asks. Every field defaults to true (the parser recognises all;
 * the server narrows it to what its EHLO advertised).
 */
export interface ParameterExtensions {
  /** SIZE (RFC 1870). */
  readonly size?: boolean;
  /** 8BITMIME (RFC 6152): BODY=7BIT|8BITMIME. */
  readonly eightBitMime?: boolean;
  /** BINARYMIME with CHUNKING (RFC 3030): BODY=BINARYMIME. */
  readonly binaryMime?: boolean;
  /** SMTPUTF8 (RFC 6531). */
  readonly smtputf8?: boolean;
  /** DSN (RFC 3461): RET, ENVID, NOTIFY, ORCPT. */
  readonly dsn?: boolean;
  /** AUTH (RFC 4954): the AUTH= parameter. */
  readonly auth?: boolean;
}

/** Longest SIZE value accepted: beyond 2^53 a number cannot be exact. */
const MAX_SIZE_DIGITS = 15;
/** RFC 3461 4.4 / 4.2 limits on ENVID and ORCPT values. */
const MAX_ENVID = 100;
const MAX_ORCPT = 500;

interface RawParameter {
  readonly keyword: string;
  readonly value: string | undefined;
}

/**
 * Splits the text after a path into `keyword[=value]` items (RFC 5321 4.1.2 esmtp-param).
 * `allowUtf8` admits UTF-8 in values (SMTPUTF8 transactions).
 */
function splitParameters(text: string, allowUtf8: boolean): ReplyResult<RawParameter[]> {
  const out: RawParameter[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    while (i < n && text.charCodeAt(i) === 32) i++;
    if (i >= n) break;
    const start = i;
    let eq = -1;
    while (i < n && text.charCodeAt(i) !== 32) {
      const c = text.charCodeAt(i);
      if (c === 61 && eq < 0) eq = i;
      else if (eq < 0 && !isKeywordChar(c, i === start)) return badParam(`invalid parameter keyword`);
      else if (eq >= 0 && !isValueChar(c, allowUtf8)) {
        return c > 127 ? refused(Replies.nonAsciiAddress) : badParam('invalid parameter value');
      }
      i++;
    }
    if (eq === start) return badParam('missing parameter keyword');
    const keyword = text.slice(start, eq < 0 ? i : eq).toUpperCase();
    const value = eq < 0 ? undefined : text.slice(eq + 1, i);
    if (value === '') return badParam(`empty value for ${keyword}`);
    out.push({ keyword, value });
  }
  return { ok: true, value: out };
}

// esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
function isKeywordChar(c: number, first: boolean): boolean {
  if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)) return true;
  return c === 45 && !first;
}

// esmtp-value = 1*(%d33-60 / %d62-126), plus UTF-8 under RFC 6531
function isValueChar(c: number, allowUtf8: boolean): boolean {
  if (c >= 33 && c <= 126 && c !== 61) return true;
  return c > 127 && allowUtf8 && c !== 0xfffd;
}

function badParam(detail: string): Failed<ReplyReason> {
  return refused(Replies.badArguments(detail));
}

function duplicate(keyword: string) {
  return badParam(`duplicate parameter ${keyword}`);
}

function unknown(keyword: string) {
  return refused(Replies.parametersNotRecognized(keyword));
}

/** Parses the parameters after `MAIL FROM:<path>`. */
export function parseMailParameters(
  text: string,
  extensions: ParameterExtensions = {},
): ReplyResult<MailParameters> {
  // SMTPUTF8 may appear anywhere in the list and admits UTF-8 in the others, so look for it first.
  const allowUtf8 = extensions.smtputf8 !== false && /(^|\s)smtputf8(\s|$)/i.test(text);
  const split = splitParameters(text, allowUtf8);
  if (!split.ok) return split;
  let size: number | undefined;
  let body: BodyType | undefined;
  let smtputf8 = false;
  let ret: 'FULL' | 'HDRS' | undefined;
  let envid: string | undefined;
  let auth: string | undefined;
  for (const { keyword, value } of split.value) {
    switch (keyword) {
      case 'SIZE': {
        if (extensions.size === false) return unknown(keyword);
        if (size !== undefined) return duplicate(keyword);
        if (value === undefined || !/^\d+$/.test(value) || value.length > MAX_SIZE_DIGITS) {
          return badParam('SIZE must be a number of octets');
        }
        size = Number(value);
        break;
      }
      case 'BODY': {
        if (extensions.eightBitMime === false && extensions.binaryMime === false) return unknown(keyword);
        if (body !== undefined) return duplicate(keyword);
        const v = value?.toUpperCase();
        if (v === '7BIT' || v === '8BITMIME') body = v;
        else if (v === 'BINARYMIME') {
          if (extensions.binaryMime === false)
            return refused(Replies.parameterNotImplemented('BODY=BINARYMIME'));
          body = v;
        } else return badParam('BODY must be 7BIT, 8BITMIME or BINARYMIME');
        break;
      }
      case 'SMTPUTF8': {
        if (extensions.smtputf8 === false) return unknown(keyword);
        if (smtputf8) return duplicate(keyword);
        if (value !== undefined) return badParam('SMTPUTF8 takes no value');
        smtputf8 = true;
        break;
      }
      case 'RET': {
        if (extensions.dsn === false) return unknown(keyword);
        if (ret !== undefined) return duplicate(keyword);
        const v = value?.toUpperCase();
        if (v !== 'FULL' && v !== 'HDRS') return badParam('RET must be FULL or HDRS');
        ret = v;
        break;
      }
      case 'ENVID': {
        if (extensions.dsn === false) return unknown(keyword);
        if (envid !== undefined) return duplicate(keyword);
        const decoded = value === undefined || value.length > MAX_ENVID ? undefined : decodeXtext(value);
        if (decoded === undefined) return badParam('ENVID must be xtext of at most 100 characters');
        envid = decoded;
        break;
      }
      case 'AUTH': {
        if (extensions.auth === false) return unknown(keyword);
        if (auth !== undefined) return duplicate(keyword);
        const decoded = value === undefined ? undefined : value === '<>' ? '<>' : decodeXtext(value);
        if (decoded === undefined) return badParam('AUTH= must be an xtext mailbox or <>');
        auth = decoded;
        break;
      }
      default:
        return unknown(keyword);
    }
  }
  return { ok: true, value: { size, body, smtputf8, ret, envid, auth } };
}

/** Parses the parameters after `RCPT TO:<path>`. `smtputf8` tells whether the transaction is SMTPUTF8. */
export function parseRcptParameters(
  text: string,
  extensions: ParameterExtensions = {},
  smtputf8 = false,
): ReplyResult<RcptParameters> {
  const split = splitParameters(text, smtputf8);
  if (!split.ok) return split;
  let notify: 'NEVER' | NotifyCondition[] | undefined;
  let orcpt: { type: string; address: string } | undefined;
  for (const { keyword, value } of split.value) {
    switch (keyword) {
      case 'NOTIFY': {
        if (extensions.dsn === false) return unknown(keyword);
        if (notify !== undefined) return duplicate(keyword);
        const parsed = value === undefined ? undefined : parseNotify(value);
        if (parsed === undefined)
          return badParam('NOTIFY must be NEVER or a list of SUCCESS, FAILURE, DELAY');
        notify = parsed;
        break;
      }
      case 'ORCPT': {
        if (extensions.dsn === false) return unknown(keyword);
        if (orcpt !== undefined) return duplicate(keyword);
        const parsed = value === undefined || value.length > MAX_ORCPT ? undefined : parseOrcpt(value);
        if (parsed === undefined) return badParam('ORCPT must be addr-type;xtext');
        orcpt = parsed;
        break;
      }
      default:
        return unknown(keyword);
    }
  }
  return { ok: true, value: { notify, orcpt } };
}

function parseNotify(value: string): 'NEVER' | NotifyCondition[] | undefined {
  const items = value.toUpperCase().split(',');
  if (items.length === 1 && items[0] === 'NEVER') return 'NEVER';
  const out: NotifyCondition[] = [];
  for (const item of items) {
    if (item !== 'SUCCESS' && item !== 'FAILURE' && item !== 'DELAY') return undefined; // NEVER must stand alone
    if (out.includes(item)) return undefined;
    out.push(item);
  }
  return out;
}

function parseOrcpt(value: string): { type: string; address: string } | undefined {
  const semi = value.indexOf(';');
  if (semi <= 0 || semi === value.length - 1) return undefined;
  const type = value.slice(0, semi);
  // addr-type = atom (RFC 3461 4.2)
  if (!/^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+$/.test(type)) return undefined;
  const lower = type.toLowerCase();
  const address =
    lower === 'utf-8' ? decodeUtf8AddrXtext(value.slice(semi + 1)) : decodeXtext(value.slice(semi + 1));
  if (address === undefined) return undefined;
  return { type: lower, address };
}
