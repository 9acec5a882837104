/**
 * Reading a delivery status notification (RFC 3464): the multipart/report is parsed by the
 * itemizer, and its message/delivery-status part is read into per-message and per-recipient
 * fields, so a test asserts who failed, with which action and status code.
 */
import { MailrouteError } from '@mailroute/envelope';
import { Note, parseMessage } from '@mailroute/itemizer';

/** One per-recipient block of a delivery status notification. */
export interface DsnRecipient {
  /** Final-Recipient without its address type (`rfc822;`). */
  readonly finalRecipient: string;
  /** Original-Recipient without its address type, when present. */
  readonly originalRecipient?: string;
  /** Action: failed, delayed, delivered, relayed, expanded (lower case). */
  readonly action: string;
  /** Status: the RFC 3463 code (`5.1.1`). */
  readonly status: string;
  /** Diagnostic-Code as written (`smtp; 550 5.1.1 ...`), when present. */
  readonly diagnosticCode?: string;
  /** Remote-MTA without its type, when present. */
  readonly remoteMta?: string;
  /** Every field of the block, names lower-cased. */
  readonly fields: Readonly<Record<string, string>>;
}

/** A parsed delivery status notification. */
export interface DeliveryReport {
  /** Reporting-MTA without its type (`dns;`). */
  readonly reportingMta?: string;
  /** Original-Envelope-Id, when present. */
  readonly originalEnvelopeId?: string;
  /** Every per-message field, names lower-cased. */
  readonly fields: Readonly<Record<string, string>>;
  /** The per-recipient blocks in order. */
  readonly recipients: readonly DsnRecipient[];
  /** The human-readable first part's text. */
  readonly humanText: string;
  /** The whole message as a note. */
  readonly note: Note;
}

/** Most field blocks read from one report: a report about more recipients is refused as hostile. */
const MAX_BLOCKS = 10000;

function withoutType(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const semi = value.indexOf(';');
  return (semi === -1 ? value : value.slice(semi + 1)).trim();
}

/** Splits delivery-status text into field blocks (RFC 3464 2.1: blank lines between groups). */
export function parseStatusFields(text: string): Record<string, string>[] {
  const blocks: Record<string, string>[] = [];
  let current: Record<string, string> | undefined;
  let last: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') {
      current = undefined;
      last = undefined;
      continue;
    }
    if (/^[ \t]/.test(line) && current !== undefined && last !== undefined) {
      current[last] += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue; // not a field: ignored, as a lenient reader does
    if (current === undefined) {
      if (blocks.length >= MAX_BLOCKS)
        throw new MailrouteError('TESTING_BAD_DSN', `more than ${MAX_BLOCKS} field groups`);
      current = {};
      blocks.push(current);
    }
    last = line.slice(0, colon).trim().toLowerCase();
    current[last] = line.slice(colon + 1).trim();
  }
  return blocks;
}

/**
 * Parses a DSN (raw bytes, text or a note). Throws MailrouteError `TESTING_NOT_A_DSN` when the
 * message has no message/delivery-status part.
 */
export async function parseDeliveryReport(
  input: Buffer | Uint8Array | string | Note,
): Promise<DeliveryReport> {
  const note =
    input instanceof Note
      ? input
      : await parseMessage(typeof input === 'string' ? Buffer.from(input) : Buffer.from(input));
  const parts = note.parts();
  const status = parts.find(
    (p) => p.mediaType === 'message/delivery-status' || p.mediaType === 'message/global-delivery-status',
  );
  if (status === undefined) {
    const types = parts.map((p) => p.mediaType).join(', ') || 'none';
    throw new MailrouteError(
      'TESTING_NOT_A_DSN',
      `not a delivery status notification: no message/delivery-status part (parts: ${types})`,
    );
  }
  const text = status.text ?? status.content?.toString('utf8') ?? '';
  const [perMessage = {}, ...perRecipient] = parseStatusFields(text);
  const human = parts.find((p) => p.mediaType === 'text/plain' && p !== status);
  return {
    ...(perMessage['reporting-mta'] === undefined
      ? {}
      : { reportingMta: withoutType(perMessage['reporting-mta']) }),
    ...(perMessage['original-envelope-id'] === undefined
      ? {}
      : { originalEnvelopeId: perMessage['original-envelope-id'] }),
    fields: perMessage,
    recipients: perRecipient.map((f) => ({
      finalRecipient: withoutType(f['final-recipient']) ?? '',
      ...(f['original-recipient'] === undefined
        ? {}
        : { originalRecipient: withoutType(f['original-recipient']) }),
      action: (f['action'] ?? '').toLowerCase(),
      status: (f['status'] ?? '').split(/\s/)[0] ?? '',
      ...(f['diagnostic-code'] === undefined ? {} : { diagnosticCode: f['diagnostic-code'] }),
      ...(f['remote-mta'] === undefined ? {} : { remoteMta: withoutType(f['remote-mta']) }),
      fields: f,
    })),
    humanText: human?.text ?? '',
    note,
  };
}
