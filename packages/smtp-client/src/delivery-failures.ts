/**
 * The transfer agent's failures that concern every recipient at once (the agent closed, the
 * delivery aborted or past its deadline, DNS said no), as reasons and as a result per recipient.
 */
import type { Reason, SmtpReply } from '@mailroute/envelope';
import { reason, type SmtpClientReason } from './reasons.js';
import type { DeliveryResult, OutboundEnvelope } from './types.js';

export function everyone(envelope: OutboundEnvelope, why: Reason): DeliveryResult {
  return {
    recipients: envelope.recipients.map((r) => ({
      address: r.address,
      outcome: why.temporary ? 'transient' : 'permanent',
      reason: why,
    })),
  };
}

export function stopReason(signal: AbortSignal, closed: boolean): SmtpClientReason {
  if (closed && !signal.aborted) return reason('SMTP_AGENT_CLOSED', 'the transfer agent is closed', true);
  const r = signal.reason as Partial<SmtpClientReason> | undefined;
  if (r?.code === 'SMTP_DEADLINE' && typeof r.message === 'string')
    return reason('SMTP_DEADLINE', r.message, true);
  return reason('SMTP_ABORTED', 'the delivery was aborted', true);
}

/** A DNS failure as a reason, told apart by shape (`code`, `temporary`, `reply`), not by class. */
export function dnsReason(name: string, err: unknown): SmtpClientReason {
  const e = (err ?? {}) as {
    temporary?: unknown;
    code?: unknown;
    reply?: unknown;
    message?: unknown;
  };
  const reply = isReply(e.reply) ? e.reply : undefined;
  const message = typeof e.message === 'string' ? e.message : String(err);
  if (e.code === 'ENULLMX')
    return reason('SMTP_NULL_MX', `${name} publishes a null MX: it accepts no mail`, false, reply);
  return reason('SMTP_DNS', `lookup for ${name} failed: ${message}`, e.temporary !== false, reply);
}

function isReply(x: unknown): x is SmtpReply {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as { code?: unknown }).code === 'number' &&
    Array.isArray((x as { lines?: unknown }).lines)
  );
}
