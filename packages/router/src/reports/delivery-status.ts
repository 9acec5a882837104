/**
 * The `message/delivery-status` body of RFC 3464: one block of per-message fields, then one block
 * per recipient, 7-bit, CRLF line ends.
 */
import { formatMailDate } from '@mailroute/itemizer';
import type { StoredReply } from '../mailbox/types.js';
import { addressField, foldField, oneLine } from './mime-text.js';

/** RFC 3464 §2.3.3 actions. */
export type DsnAction = 'failed' | 'delayed' | 'delivered' | 'relayed' | 'expanded';

/** One recipient of a report. */
export interface ReportRecipient {
  /** The forward path the Router tried (Final-Recipient). */
  readonly address: string;
  /** RFC 3461 ORCPT as `type;address` (Original-Recipient). */
  readonly orcpt?: string | undefined;
  readonly action: DsnAction;
  /** RFC 3463 status, e.g. `5.1.1`. */
  readonly status: string;
  /** The words for a person (the human-readable part): Domino's reason. */
  readonly reason: string;
  /** The remote reply (Diagnostic-Code `smtp;`), when one decided it. */
  readonly reply?: StoredReply | undefined;
  readonly remoteMta?: string | undefined;
  readonly lastAttemptMs?: number | undefined;
  /** For `delayed`: when the Router gives up (Will-Retry-Until). */
  readonly willRetryUntilMs?: number | undefined;
}

/** The per-message fields. */
export interface ReportMessageFields {
  /** This MTA's host name (Reporting-MTA: dns; ...). */
  readonly reportingMta: string;
  readonly envid?: string | undefined;
  readonly receivedFrom?: string | undefined;
  readonly arrivalMs: number;
}

function date(ms: number): string {
  return formatMailDate(new Date(ms));
}

/** The diagnostic of a reply: `smtp; 550 5.1.1 text` (text made one printable line). */
export function diagnosticCode(reply: StoredReply): string {
  const text = oneLine(reply.text).replace(/[^\x20-\x7e]/g, '?');
  return `smtp; ${reply.code}${reply.enhanced ? ` ${reply.enhanced}` : ''}${text ? ` ${text}` : ''}`;
}

/** The splitting of `type;address` stored ORCPT values. */
function orcptField(orcpt: string): string {
  const semi = orcpt.indexOf(';');
  if (semi <= 0) return addressField('rfc822', orcpt);
  return addressField(orcpt.slice(0, semi).trim().toLowerCase(), orcpt.slice(semi + 1).trim());
}

/** The body of the `message/delivery-status` part. */
export function deliveryStatusBody(
  fields: ReportMessageFields,
  recipients: readonly ReportRecipient[],
): string {
  const lines: string[] = [];
  lines.push(`Reporting-MTA: dns; ${oneLine(fields.reportingMta)}`);
  if (fields.envid !== undefined && fields.envid !== '')
    lines.push(`Original-Envelope-Id: ${oneLine(fields.envid).replace(/[^\x21-\x7e]/g, '?')}`);
  if (fields.receivedFrom !== undefined && fields.receivedFrom !== '')
    lines.push(`Received-From-MTA: dns; ${oneLine(fields.receivedFrom).replace(/[^\x20-\x7e]/g, '?')}`);
  lines.push(`Arrival-Date: ${date(fields.arrivalMs)}`);
  for (const r of recipients) {
    lines.push('');
    if (r.orcpt !== undefined && r.orcpt !== '') lines.push(`Original-Recipient: ${orcptField(r.orcpt)}`);
    lines.push(`Final-Recipient: ${addressField('rfc822', r.address)}`);
    lines.push(`Action: ${r.action}`);
    lines.push(`Status: ${r.status}`);
    if (r.remoteMta !== undefined && r.remoteMta !== '')
      lines.push(`Remote-MTA: dns; ${oneLine(r.remoteMta).replace(/[^\x20-\x7e]/g, '?')}`);
    if (r.reply !== undefined) lines.push(foldField('Diagnostic-Code', diagnosticCode(r.reply)));
    else if (r.action === 'failed' || r.action === 'delayed')
      lines.push(foldField('Diagnostic-Code', `X-Notes; ${oneLine(r.reason).replace(/[^\x20-\x7e]/g, '?')}`));
    if (r.lastAttemptMs !== undefined) lines.push(`Last-Attempt-Date: ${date(r.lastAttemptMs)}`);
    if (r.willRetryUntilMs !== undefined) lines.push(`Will-Retry-Until: ${date(r.willRetryUntilMs)}`);
  }
  return `${lines.join('\r\n')}\r\n`;
}
