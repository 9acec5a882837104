/**
 * Calling the backend safely. A backend may return a reply, throw an `SmtpError` to send its
 * reply, or fail in any other way; the last becomes `451 4.3.0` (or the caller's fallback), a
 * counted and logged error, and never reaches the session's caller as an exception.
 */
import { Replies, type ReplyResult, refused, SmtpError, type SmtpReply } from '@mailroute/envelope';
import type { BackendSession } from './backend.js';
import type { Logger } from './environment.js';
import type { StatsRecorder } from './stats.js';

/** Where a failed call is reported. */
export interface CallContext {
  readonly logger: Logger;
  readonly stats: StatsRecorder;
  readonly session: string;
}

/** Calls `call`; never throws. */
export async function callBackend<T>(
  context: CallContext,
  what: string,
  call: () => T | Promise<T>,
  fallback: SmtpReply = Replies.localError,
): Promise<ReplyResult<T>> {
  try {
    return { ok: true, value: await call() };
  } catch (error) {
    if (error instanceof SmtpError) return refused(error.reply);
    context.stats.add('backendErrors');
    context.logger.error({ session: context.session, call: what, err: error }, 'backend error');
    return refused(fallback);
  }
}

/**
 * VRFY, EXPN and ETRN once the rules let them run: the backend's optional method when it has one
 * (detected by shape), else VRFY's 252 (RFC 5321 3.5.3) and 502 for the others.
 */
export async function lookupCommand(
  context: CallContext,
  session: BackendSession,
  verb: 'VRFY' | 'EXPN' | 'ETRN',
  argument: string,
): Promise<SmtpReply> {
  if (verb === 'ETRN') {
    if (typeof session.etrn !== 'function') return Replies.commandNotImplemented;
    const r = await callBackend(context, verb, () => session.etrn?.(argument));
    return r.ok ? (r.value ?? Replies.etrnQueued(argument)) : r.reason.reply;
  }
  const method = verb === 'VRFY' ? session.verify : session.expand;
  if (typeof method !== 'function')
    return verb === 'VRFY' ? Replies.cannotVerify : Replies.commandNotImplemented;
  const r = await callBackend(context, verb, () => method.call(session, argument));
  return r.ok ? r.value : r.reason.reply;
}
