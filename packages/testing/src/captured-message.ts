/**
 * One accepted message as the capture server keeps it: the raw octets parsed by the itemizer with
 * their envelope, the fields a test reads most (subject, from, text, html, a header), and the
 * filter a test waits with.
 */
import { parseMessage } from '@mailroute/itemizer';
import type { InboundEnvelope } from '@mailroute/smtp-server';
import type { CapturedMessage, MessageFilter } from './capture-types.js';

export function addressOf(
  path: InboundEnvelope['from'] | InboundEnvelope['recipients'][number]['path'],
): string {
  if (path.kind === 'mailbox') return path.mailbox.address;
  return path.kind === 'postmaster' ? 'postmaster' : '';
}

function textMatches(actual: string, want: string | RegExp | undefined, fold: boolean): boolean {
  if (want === undefined) return true;
  if (typeof want !== 'string') return want.test(actual);
  return fold ? actual.toLowerCase() === want.toLowerCase() : actual === want;
}

/** True when `message` passes `filter`. */
export function messageMatches(message: CapturedMessage, filter: MessageFilter | undefined): boolean {
  if (filter === undefined) return true;
  if (typeof filter === 'function') return filter(message);
  return (
    (filter.to === undefined || message.recipients.some((r) => textMatches(r, filter.to, true))) &&
    textMatches(message.mailFrom, filter.from, true) &&
    textMatches(message.subject, filter.subject, false)
  );
}

export async function capture(raw: Buffer, envelope: InboundEnvelope, now: number): Promise<CapturedMessage> {
  const mailFrom = addressOf(envelope.from);
  const recipients = envelope.recipients.map((r) => addressOf(r.path));
  const note = await parseMessage(raw, { envelope: { mailFrom, recipients } });
  const parts = note.parts();
  const textPart = parts.find((p) => p.mediaType === 'text/plain' && p.attachment === undefined);
  const htmlPart = parts.find((p) => p.mediaType === 'text/html' && p.attachment === undefined);
  const headerOf = (name: string): string | undefined => {
    const lower = name.toLowerCase();
    for (const item of note.items) {
      if (item.type === 'rfc822Text' && item.value.name.toLowerCase() === lower) return item.value.value;
    }
    const top = parts[0]?.headers.find((h) => h.name.toLowerCase() === lower);
    if (top !== undefined) return top.value;
    // Items the itemizer maps a header to (Subject, From) carry the decoded value.
    return note.text(name);
  };
  return {
    id: envelope.id,
    mailFrom,
    recipients,
    helo: envelope.helo,
    user: envelope.user,
    tls: envelope.tls !== undefined,
    remoteAddress: envelope.connection.remoteAddress,
    receivedAtMs: now,
    raw,
    note,
    subject: note.text('Subject') ?? '',
    from: note.text('From') ?? '',
    text: textPart?.text ?? '',
    html: htmlPart?.text,
    header: headerOf,
  };
}
