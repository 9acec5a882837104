/**
 * How the envelope parsers fail: a {@link Result} whose reason always carries the SMTP reply to
 * send for the bad input. This is the SDK's one `Result`, with the reason narrowed so that
 * `reason.reply` is never undefined: a server answers `result.reason.reply` without a check.
 */
import type { SmtpReply } from './reply.js';
import type { Reason } from './vocabulary/errors.js';
import type { Failed, Result } from './vocabulary/result.js';

/** The code of every {@link ReplyReason}: the peer's input was refused; `reply` says how. */
export const ENVELOPE_REFUSED = 'ENVELOPE_REFUSED';

/** A {@link Reason} that always has the reply to give the peer. */
export interface ReplyReason extends Reason {
  readonly reply: SmtpReply;
}

/** What every envelope parser returns: the value, or a reason with the reply for bad input. */
export type ReplyResult<T> = Result<T, ReplyReason>;

/**
 * A failure carrying `reply`: code {@link ENVELOPE_REFUSED}, the reply's text as the message,
 * and `temporary` when the reply is a 4xx.
 */
export function refused(reply: SmtpReply): Failed<ReplyReason> {
  return {
    ok: false,
    reason: {
      code: ENVELOPE_REFUSED,
      message: reply.lines.join(' '),
      temporary: reply.code >= 400 && reply.code < 500,
      reply,
    },
  };
}
