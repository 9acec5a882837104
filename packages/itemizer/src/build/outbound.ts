/**
 * Outbound mapping: the note's items to the message header (the reverse of the table in
 * note/inbound.ts). Pure: items in, header lines out.
 */

import { formatMailDate } from '../mail/date.js';
import type { Item, Note } from '../note/note.js';
import { encodeNotesItem } from '../note/notes-item-header.js';
import {
  addressField,
  foldField,
  headerMailbox,
  isFieldName,
  mailboxCount,
  oneLine,
  rawField,
  unstructuredField,
} from './headers.js';
import { type BuildOptions, nowOf } from './options.js';

/** Items the builder turns into standard headers (or deliberately never writes). */
const STANDARD = new Set(
  [
    'From',
    'INetFrom',
    'Principal',
    'SendTo',
    'CopyTo',
    'BlindCopyTo',
    'ReplyTo',
    'Subject',
    'PostedDate',
    '$MessageID',
    'In-Reply-To',
    'References',
    'Importance',
    'ReturnReceipt',
    'MIME_Version',
    'SMTPOriginator',
    'Recipients',
    'Body',
    '$FILE',
    '$NoteHasNativeMIME',
  ].map((n) => n.toLowerCase()),
);

/**
 * Headers a message has at most once (RFC 5322 3.6). A second copy kept from a parsed message (as
 * an RFC 822 text item) is not written back: the first one is.
 */
const SINGLE = new Set([
  'date',
  'from',
  'sender',
  'reply-to',
  'to',
  'cc',
  'bcc',
  'message-id',
  'in-reply-to',
  'references',
  'subject',
]);

const IMPORTANCE: Record<string, string> = { '1': 'high', '2': 'normal', '3': 'low' };

/** The header block (without the MIME Content-* fields of the root part) for a note. */
export function outboundHeaders(note: Note, options: BuildOptions): string[] {
  const exclude = new Set((options.excludeItems ?? []).map((n) => n.toLowerCase()));
  const include = new Set((options.includeItems ?? []).map((n) => n.toLowerCase()));
  const keep = options.keepNotesItems ?? note.text('$SMTPKeepNotesItems') === '1';
  const domain = options.internetDomain;
  const out: string[] = [];
  const wanted = (name: string): boolean => !exclude.has(name.toLowerCase());
  const text = (name: string): string | undefined => (wanted(name) ? note.text(name) : undefined);

  // The Date is always a date: PostedDate, else the time of building. An unreadable Date kept
  // from a parsed message (an RFC 822 text item) is never written back.
  const posted = note.get('PostedDate');
  const date = posted?.type === 'dateTime' && wanted('PostedDate') ? posted.value : nowOf(options.clock);
  out.push(foldField('Date', formatMailDate(date)));
  // From: every mailbox of the From item when it holds several (RFC 5322 3.6.2), else the
  // Internet form of the author (INetFrom), else From.
  const fromItem = text('From');
  const several = fromItem !== undefined && mailboxCount(fromItem) > 1;
  const from = several ? fromItem : (text('INetFrom') ?? fromItem);
  if (from !== undefined) out.push(addressField('From', [from], domain));
  const principal = text('Principal');
  // Several authors without a Sender break RFC 5322 3.6.2; the note is written as it is (no
  // author dropped, no Sender invented). New mail from fields is refused instead (composeNote).
  if (principal !== undefined) out.push(addressField('Sender', [principal], domain));
  for (const [item, header] of [
    ['ReplyTo', 'Reply-To'],
    ['SendTo', 'To'],
    ['CopyTo', 'Cc'],
  ] as const) {
    const list = wanted(item) ? note.textList(item) : [];
    if (list.length > 0) out.push(addressField(header, list, domain));
  }
  // BlindCopyTo is never written: Bcc recipients exist only in the envelope.
  const subject = text('Subject');
  if (subject !== undefined) out.push(unstructuredField('Subject', subject));
  for (const [item, header] of [
    ['$MessageID', 'Message-ID'],
    ['In-Reply-To', 'In-Reply-To'],
    ['References', 'References'],
  ] as const) {
    const v = text(item);
    if (v !== undefined && v.trim() !== '') out.push(foldField(header, oneLine(v).trim()));
  }
  const importance = text('Importance');
  if (importance !== undefined && IMPORTANCE[importance] !== undefined) {
    out.push(foldField('Importance', IMPORTANCE[importance] as string));
  }
  if (
    text('ReturnReceipt') === '1' &&
    !note.has('Disposition-Notification-To') &&
    !note.has('Return-Receipt-To') &&
    from !== undefined
  ) {
    out.push(
      foldField(options.returnReceiptHeader ?? 'Disposition-Notification-To', headerMailbox(from, domain)),
    );
  }
  out.push('MIME-Version: 1.0\r\n');

  const written = new Set(out.map((h) => h.slice(0, h.indexOf(':')).toLowerCase()));
  for (const item of note.items) {
    const lower = item.name.toLowerCase();
    if (!wanted(item.name)) continue;
    if (item.type === 'rfc822Text') {
      if (lower === 'bcc' || lower === 'mime-version' || lower.startsWith('content-')) continue;
      if (SINGLE.has(lower) && written.has(lower)) continue;
      written.add(lower);
      if (!isFieldName(item.name))
        throw new TypeError(`itemizer: "${item.name}" is not a valid header field name`);
      out.push(rawField(item.name, item.value.raw, item.value.value));
      continue;
    }
    if (STANDARD.has(lower) && !include.has(lower)) continue;
    if (keep || include.has(lower)) {
      const value = encodeNotesItem(item as Item);
      if (value !== undefined) out.push(foldField('X-Notes-Item', value));
    }
  }
  return out;
}
