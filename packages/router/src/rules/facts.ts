/**
 * The facts a server mail rule examines, read from the message the way Domino reads the memo's
 * items: the itemizer's Note gives From/INetFrom, Subject, SendTo/CopyTo/BlindCopyTo, Importance,
 * DeliveryPriority, Form, the `$FILE` names and the body a reader sees; the envelope gives MAIL
 * FROM and the RCPT TO list (Recipients). Attachment bytes are discarded while parsing.
 */
import { messageBodies, type Note, parseAddressList, parseMessage } from '@mailroute/itemizer';
import { headerFields } from '../message/header-block.js';
import type { MessageFacts } from './types.js';

/** The envelope part of the facts. */
export interface FactsEnvelope {
  /** MAIL FROM without angle brackets; '' for `<>`. */
  readonly mailFrom: string;
  /** RCPT TO addresses. */
  readonly recipients: readonly string[];
}

const LEVEL: Readonly<Record<string, string>> = {
  '1': 'high',
  '2': 'normal',
  '3': 'low',
  h: 'high',
  n: 'normal',
  l: 'low',
  high: 'high',
  normal: 'normal',
  low: 'low',
};

function addresses(entries: readonly string[]): string[] {
  const out: string[] = [];
  for (const entry of entries) {
    const parsed = parseAddressList(entry).mailboxes;
    if (parsed.length === 0) out.push(entry);
    // Keep the display form too, so `to contains "Jane Doe"` works like `to contains "jane@"`.
    for (const m of parsed) out.push(m.name ? `${m.name} <${m.address}>` : m.address);
  }
  return out;
}

function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0
    ? ''
    : address
        .slice(at + 1)
        .replace(/>.*$/, '')
        .toLowerCase();
}

/** Facts from an itemized Note, the envelope and the message size. */
export function factsFromNote(note: Note, envelope: FactsEnvelope, sizeBytes: number): MessageFacts {
  const from = note.textList('From');
  const inetFrom = note.text('INetFrom') ?? '';
  const bodies = messageBodies(note);
  const body = bodies.text?.text ?? bodies.html?.text ?? '';
  const fromAddress = parseAddressList(inetFrom).mailboxes[0]?.address ?? inetFrom;
  const importance = LEVEL[(note.text('Importance') ?? '2').trim().toLowerCase()] ?? 'normal';
  const priority = LEVEL[(note.text('DeliveryPriority') ?? 'N').trim().toLowerCase()] ?? 'normal';
  const attachmentNames = [
    ...new Set([
      ...note.attachments().map((a) => a.fileName),
      ...note
        .parts()
        .flatMap((p) => (p.fileName === undefined || p.attachment === undefined ? [] : [p.fileName])),
    ]),
  ];
  return {
    sender: [...from, envelope.mailFrom].filter((s) => s !== '').join('\n'),
    subject: note.text('Subject') ?? '',
    body,
    importance,
    deliveryPriority: priority,
    to: addresses(note.textList('SendTo')),
    cc: addresses(note.textList('CopyTo')),
    bcc: addresses(note.textList('BlindCopyTo')),
    internetDomain: domainOf(envelope.mailFrom !== '' ? envelope.mailFrom : fromAddress),
    sizeBytes,
    attachmentNames,
    form: note.text('Form') ?? 'Memo',
    recipients: [...envelope.recipients],
  };
}

/**
 * True when the message is one text part (text/*, or no Content-Type, which means text/plain)
 * with no Content-Disposition and no `name` parameter: it has no attachments, so rules on
 * attachment names and counts read only its header block. Itemizing the body of such a message
 * (most mail) only to find no attachment was the largest cost of evaluating the example rules on
 * 100 KB messages.
 */
export function isSingleTextPart(message: Uint8Array): boolean {
  let type: string | undefined;
  for (const f of headerFields(message)) {
    const name = f.name.toLowerCase();
    if (name === 'content-disposition') return false;
    if (name === 'content-type') {
      if (type !== undefined) return false; // two of them: let the itemizer decide
      type = f.value;
    }
  }
  if (type === undefined) return true;
  const media = (type.split(';')[0] ?? '').trim().toLowerCase();
  return media.startsWith('text/') && !/;\s*name\*?\s*=/i.test(type);
}

/**
 * Facts from the message bytes (itemized here). A message the itemizer refuses (past its limits)
 * still gets the envelope's facts, its size and an empty body: rules on the envelope still apply.
 * With `headerOnly` only the header block is itemized (the body and attachments are then empty),
 * for rule sets whose `readsContent` is false.
 */
export async function messageFacts(
  body: Uint8Array,
  envelope: FactsEnvelope,
  options: { readonly headerOnly?: boolean } = {},
): Promise<MessageFacts> {
  try {
    let input = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    if (options.headerOnly === true) {
      // Only the header block (and its blank line): no rule reads the body or the attachments.
      const end = input.indexOf('\r\n\r\n');
      if (end >= 0) input = input.subarray(0, end + 4);
    }
    const note = await parseMessage(input, {
      envelope: { mailFrom: envelope.mailFrom, recipients: envelope.recipients },
      onAttachment: () => ({ write() {}, end() {} }),
    });
    return factsFromNote(note, envelope, body.byteLength);
  } catch {
    return {
      sender: envelope.mailFrom,
      subject: '',
      body: '',
      importance: 'normal',
      deliveryPriority: 'normal',
      to: [],
      cc: [],
      bcc: [...envelope.recipients],
      internetDomain: domainOf(envelope.mailFrom),
      sizeBytes: body.byteLength,
      attachmentNames: [],
      form: 'Memo',
      recipients: [...envelope.recipients],
    };
  }
}
