/**
 * Calling the backend safely. A backend may return a reply, throw an `SmtpError` to send its
 * reply, or fail in any other way; the last becomes `451 4.3.0` (or the caller's fallback), a
 * counted and logged error, and never reaches the session's caller as an exception.
 */
import {
  failed,
  type Logger,
  ok,
  Replies,
  type ReplyReason,
  type Result,
  SmtpError,
  type SmtpReply,
} from '@mailroute/envelope';
import type { BackendSession } from './backend.js';
import type { StatsRecorder } from './stats.js';

/** Why a backend call gave no value: the reply to send instead, always present. */
export interface BackendRefusal extends ReplyReason {
  /** `SMTP_BACKEND_REPLY` (the backend threw an `SmtpError`) or `SMTP_BACKEND_ERROR` (anything else). */
  readonly code: 'SMTP_BACKEND_REPLY' | 'SMTP_BACKEND_ERROR';
}

/** A backend call's result after the session's guard: the SDK's `Result`, its reason a {@link BackendRefusal}. */
export type BackendResult<T> = Result<T, BackendRefusal>;

function refusal(code: BackendRefusal['code'], reply: SmtpReply, message: string): BackendRefusal {
  return { code, message, temporary: reply.isTransient, reply };
}

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
): Promise<BackendResult<T>> {
  try {
    return ok(await call());
  } catch (error) {
    // SmtpError is envelope's: the one class this package checks, and only for errors a backend
    // built with the same envelope it was handed.
    if (error instanceof SmtpError) {
      return failed(
        refusal('SMTP_BACKEND_REPLY', error.reply, `${what}: the backend replied ${error.reply.code}`),
      );
    }
    context.stats.add('backendErrors');
    context.logger.error({ session: context.session, call: what, err: error }, 'backend error');
    return failed(refusal('SMTP_BACKEND_ERROR', fallback, `${what}: the backend failed`));
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
