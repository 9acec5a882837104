/**
 * A delivery status notification as bytes: `multipart/report; report-type=delivery-status`
 * (RFC 3462/6522) with a human-readable part in Domino's words, the `message/delivery-status`
 * part (RFC 3464) and the original message (`message/rfc822`) or its header (`text/rfc822-headers`)
 * as RET asks (RFC 3461 §4.3). The whole report is 7-bit: an original that is not 7-bit clean is
 * returned as its header only, quoted-printable, so any next hop accepts the report.
 */
import { randomBytes } from 'node:crypto';
import { formatMailDate, parseMessage } from '@mailroute/itemizer';
import { headerEnd } from '../message/header-block.js';
import {
  type DsnAction,
  deliveryStatusBody,
  type ReportMessageFields,
  type ReportRecipient,
} from './delivery-status.js';
import { encodeHeaderText, foldField, isPrintableAscii, oneLine, quotedPrintable } from './mime-text.js';

/** What a report is built from. */
export interface ReportInput extends ReportMessageFields {
  /** Who the report goes to (the reverse path of the original, or the postmaster). */
  readonly to: string;
  /** The report's From address (the postmaster); shown as "Mail Router". */
  readonly from: string;
  /** When the report is made (epoch ms). */
  readonly dateMs: number;
  /** RFC 3461 RET: `HDRS` returns the header only; default (and `FULL`) the whole message. */
  readonly ret?: 'FULL' | 'HDRS' | undefined;
  /** The original message as queued. */
  readonly original: Uint8Array;
  readonly recipients: readonly ReportRecipient[];
  /** Originals larger than this are returned as their header only. Default 1 MiB. */
  readonly maxReturnedBytes?: number | undefined;
  /** Random bytes for the boundary and Message-ID (tests pass a seeded source). */
  readonly random?: ((size: number) => Uint8Array) | undefined;
}

/** A built report. */
export interface BuiltReport {
  readonly bytes: Uint8Array;
  readonly messageId: string;
  /** True when the report's own addresses need SMTPUTF8 (a non-ASCII sender). */
  readonly smtputf8: boolean;
}

const TITLES: Readonly<Record<DsnAction, readonly [subject: string, title: string]>> = {
  failed: ['DELIVERY FAILURE', 'Delivery Failure Report'],
  delayed: ['DELIVERY DELAYED', 'Delivery Delay Report'],
  delivered: ['DELIVERED', 'Delivery Report'],
  relayed: ['RELAYED', 'Delivery Relay Report'],
  expanded: ['EXPANDED', 'Delivery Report'],
};

function humanText(subject: string | undefined, recipients: readonly ReportRecipient[]): string {
  const first = recipients[0]?.action ?? 'failed';
  const lines = [TITLES[first][1], '', `Your document: ${subject ?? '(no subject)'}`];
  const groups: [DsnAction, string][] = [
    ['failed', 'was not delivered to:'],
    ['delayed', 'has not yet been delivered to:'],
    ['delivered', 'was delivered to:'],
    ['relayed', 'was relayed to a server that cannot confirm delivery, for:'],
    ['expanded', 'was delivered to the group:'],
  ];
  for (const [action, heading] of groups) {
    const of = recipients.filter((r) => r.action === action);
    if (of.length === 0) continue;
    lines.push('', heading);
    for (const r of of) {
      lines.push(`  ${r.address}`);
      if (action === 'failed' || action === 'delayed') lines.push(`because: ${oneLine(r.reason)}`);
    }
  }
  if (recipients.some((r) => r.action === 'delayed'))
    lines.push('', 'The Router will keep trying; you need do nothing now.');
  return `${lines.join('\r\n')}\r\n`;
}

/** The decoded Subject and the Message-ID of the original, read from its header only. */
async function originalHeader(original: Uint8Array): Promise<{ subject?: string; messageId?: string }> {
  const header = original.subarray(0, headerEnd(original));
  const note = await parseMessage(Buffer.concat([header, Buffer.from('\r\n')]));
  const subject = note.text('Subject');
  const messageId = /^\s*(<[^>\s]+>)/.exec(note.text('$MessageID') ?? '')?.[1];
  return { ...(subject === undefined ? {} : { subject }), ...(messageId === undefined ? {} : { messageId }) };
}

function is7bit(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b > 0x7f || b === 0) return false;
  }
  return true;
}

/** The bytes with every line ending CRLF (stored messages are CRLF already; this guards the rest). */
function crlf(bytes: Uint8Array): Buffer {
  return Buffer.from(Buffer.from(bytes).toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
}

/** The Subject field: at most 200 characters of text, encoded words when not ASCII, folded. */
function subjectField(text: string): string {
  const clean = oneLine(text);
  const cut = clean.length > 200 ? `${clean.slice(0, 200)}...` : clean;
  return isPrintableAscii(cut) ? foldField('Subject', cut) : `Subject: ${encodeHeaderText(cut)}`;
}

/** Builds one report covering `recipients` (one action or several). */
export async function buildReport(input: ReportInput): Promise<BuiltReport> {
  const random = input.random ?? ((n: number) => randomBytes(n));
  const hex = (n: number): string => Buffer.from(random(n)).toString('hex');
  const boundary = `=_mailroute_${hex(12)}`;
  const mta = oneLine(input.reportingMta).replace(/[^A-Za-z0-9.-]/g, '') || 'localhost';
  const messageId = `<${hex(12)}.dsn@${mta}>`;
  const { subject, messageId: originalId } = await originalHeader(input.original);
  const first = input.recipients[0];
  const [subjectWord] = TITLES[first?.action ?? 'failed'];
  const subjectLine =
    first?.action === 'failed' || first?.action === 'delayed'
      ? `${subjectWord}: ${oneLine(first.reason)}`
      : `${subjectWord}: ${subject ?? '(no subject)'}`;

  const to = oneLine(input.to);
  const head = [
    `From: Mail Router <${oneLine(input.from)}>`,
    `To: <${to}>`,
    subjectField(subjectLine),
    `Date: ${formatMailDate(new Date(input.dateMs))}`,
    `Message-ID: ${messageId}`,
    ...(originalId === undefined ? [] : [`In-Reply-To: ${originalId}`, `References: ${originalId}`]),
    // RFC 3834 §5: an automatic response says so, so that responders never answer it.
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status;\r\n boundary="${boundary}"`,
    'Content-Transfer-Encoding: 7bit',
  ];

  const parts: (string | Uint8Array)[] = [
    // UTF-8 only when the sender's address is (then the report goes with SMTPUTF8).
    Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'utf8'),
    'This is a MIME-encapsulated delivery status notification.\r\n',
    `\r\n--${boundary}\r\n`,
    'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n',
    quotedPrintable(humanText(subject, input.recipients)),
    `\r\n--${boundary}\r\n`,
    'Content-Type: message/delivery-status\r\nContent-Transfer-Encoding: 7bit\r\n\r\n',
    deliveryStatusBody(input, input.recipients),
  ];

  const original = crlf(input.original);
  const end = headerEnd(original);
  const full =
    input.ret !== 'HDRS' && original.length <= (input.maxReturnedBytes ?? 1024 * 1024) && is7bit(original);
  if (full) {
    parts.push(
      `\r\n--${boundary}\r\n`,
      'Content-Type: message/rfc822\r\nContent-Transfer-Encoding: 7bit\r\n\r\n',
    );
    parts.push(original);
    if (original.length > 0 && original[original.length - 1] !== 0x0a) parts.push('\r\n');
  } else {
    const header = original.subarray(0, end);
    parts.push(`\r\n--${boundary}\r\n`);
    if (is7bit(header)) {
      parts.push('Content-Type: text/rfc822-headers\r\nContent-Transfer-Encoding: 7bit\r\n\r\n', header);
    } else {
      parts.push(
        'Content-Type: text/rfc822-headers; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n',
        quotedPrintable(Buffer.from(header).toString('utf8')),
        '\r\n',
      );
    }
  }
  parts.push(`\r\n--${boundary}--\r\n`);
  const bytes = Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p)));
  return { bytes, messageId, smtputf8: !isPrintableAscii(to) };
}
