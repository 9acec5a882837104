/**
 * Why a transfer did not (or did) happen, as the shared {@link Reason} shape. Codes are stable
 * strings; `temporary` says whether the router should retry (transient) or bounce (permanent).
 */
import type { Reason, SmtpReply } from '@mailroute/envelope';

/** Every reason code this package produces. */
export type SmtpClientReasonCode =
  /** The recipient was delivered (the reason of a delivered result). */
  | 'DELIVERED'
  /** TCP connect failed (refused, unreachable, reset). */
  | 'SMTP_CONNECT_FAILED'
  /** A timeout of RFC 5321 4.5.3.2 (or the connect/TLS timeout) expired. */
  | 'SMTP_TIMEOUT'
  /** The server closed or reset the connection before the transaction completed. */
  | 'SMTP_CONNECTION_LOST'
  /** The server's bytes are not SMTP replies (garbage, too long, too many lines, unsolicited). */
  | 'SMTP_PROTOCOL'
  /** The server answered with a 4xx or 5xx reply (see `reply`). */
  | 'SMTP_REPLY'
  /** 421: the server is closing the channel. */
  | 'SMTP_SERVICE_CLOSING'
  /** The TLS handshake failed or the certificate was refused. */
  | 'SMTP_TLS_FAILED'
  /** TLS is required for this destination but the server does not offer STARTTLS. */
  | 'SMTP_TLS_REQUIRED'
  /** AUTH was refused or could not be done as required. */
  | 'SMTP_AUTH_FAILED'
  /** The message is larger than the server's declared SIZE. */
  | 'SMTP_SIZE_EXCEEDED'
  /** The message needs SMTPUTF8 and the server does not offer it (RFC 6531: 5.6.7). */
  | 'SMTP_UTF8_UNSUPPORTED'
  /** The message has 8-bit content and the server lacks 8BITMIME (RFC 6152 3); not sent raw. */
  | 'SMTP_8BIT_UNSUPPORTED'
  /** BINARYMIME content and a server without BINARYMIME and CHUNKING (RFC 3030). */
  | 'SMTP_BINARY_UNSUPPORTED'
  /** The message source failed while it was read. */
  | 'SMTP_MESSAGE_READ_FAILED'
  /** The caller's AbortSignal fired. */
  | 'SMTP_ABORTED'
  /** The delivery's overall deadline passed. */
  | 'SMTP_DEADLINE'
  /** The domain publishes a null MX (RFC 7505). */
  | 'SMTP_NULL_MX'
  /** MX or address lookup failed (see `temporary`). */
  | 'SMTP_DNS'
  /** MTA-STS enforce mode refused every MX host, or its TLS requirements failed. */
  | 'SMTP_MTA_STS'
  /** The sender or a recipient address cannot be written on a command line (line break, space, control, `<>`). */
  | 'SMTP_BAD_ADDRESS'
  /** The recipient was not attempted because an earlier step failed for the whole transaction. */
  | 'SMTP_NOT_ATTEMPTED'
  /** The transfer agent was closed. */
  | 'SMTP_AGENT_CLOSED';

/** A {@link Reason} with one of this package's codes. */
export interface SmtpClientReason extends Reason {
  /** One of {@link SmtpClientReasonCode}. */
  readonly code: SmtpClientReasonCode;
}

/** Builds a reason. */
export function reason(
  code: SmtpClientReasonCode,
  message: string,
  temporary: boolean,
  reply?: SmtpReply,
): SmtpClientReason {
  return reply === undefined ? { code, message, temporary } : { code, message, temporary, reply };
}

/** The reason for a refusing reply: 421 is `SMTP_SERVICE_CLOSING`, any other 4xx/5xx `SMTP_REPLY`. */
export function replyReason(reply: SmtpReply, what: string): SmtpClientReason {
  const text = `${what}: ${reply.code}${reply.enhanced === undefined ? '' : ` ${reply.enhanced}`} ${reply.text}`;
  return reason(reply.code === 421 ? 'SMTP_SERVICE_CLOSING' : 'SMTP_REPLY', text, reply.code < 500, reply);
}

/** The reason to report for an aborted signal: its reason when it is one of ours (the deadline), else SMTP_ABORTED. */
export function abortReason(signal: AbortSignal | undefined): SmtpClientReason {
  const r = signal?.reason as Partial<SmtpClientReason> | undefined;
  if (
    r !== undefined &&
    r !== null &&
    typeof r === 'object' &&
    r.code === 'SMTP_DEADLINE' &&
    typeof r.message === 'string'
  )
    return reason('SMTP_DEADLINE', r.message, true);
  return reason('SMTP_ABORTED', 'the delivery was aborted', true);
}
