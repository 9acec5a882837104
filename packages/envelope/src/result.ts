import type { SmtpReply } from './reply.js';

/**
 * What every envelope parser returns: the value, or the reply to send for bad input.
 * Bad protocol input is data, not an exception; check `ok` before using `value`.
 */
export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reply: SmtpReply };
