/**
 * Inbound mapping (the itemizer proper): a parsed entity tree plus the SMTP envelope become a
 * {@link Note}. Pure: data in, data out. The table is in the package README.
 */

import { isNotesName } from '@mailroute/envelope/notes-name';
import type { DefectLog } from '../defects.js';
import { unfold } from '../entity/header-text.js';
import {
  formatGroup,
  formatMailbox,
  type Group,
  isGroup,
  type NamedAddress,
  parseAddressList,
} from '../mail/address.js';
import { parseMailDate } from '../mail/date.js';
import type { ParsedEntity } from '../parse/entity-handler.js';
import type { EnvelopeAddresses } from '../parse/options.js';
import { type HeaderField, type MimePart, Note } from './note.js';
import { decodeNotesItem } from './notes-item-header.js';

/** Address headers and the list items they fill. */
const ADDRESS_LISTS: Record<string, string> = {
  to: 'SendTo',
  cc: 'CopyTo',
  bcc: 'BlindCopyTo',
  'reply-to': 'ReplyTo',
};

/** Headers that must appear at most once (RFC 5322 3.6). */
const SINGLE = new Set([
  'from',
  'sender',
  'to',
  'cc',
  'bcc',
  'subject',
  'date',
  'message-id',
  'reply-to',
  'in-reply-to',
  'references',
]);

/**
 * Notes names in an address header: bare (`Daniel Nashed/NashCom/DE@NashCom`, as Notes clients
 * and Domino-internal mail write them) or as a quoted local part (`"Daniel Nashed/NashCom/DE"@NashCom`,
 * as the builder writes them). Both come back as the Notes name.
 */
function notesEntry(m: NamedAddress): NamedAddress {
  const quoted = /^"(.*)"@([^@]+)$/.exec(m.address);
  if (quoted === null || !isNotesName(quoted[1] as string)) return m;
  return { ...m, address: `${(quoted[1] as string).replace(/\\(.)/g, '$1')}@${quoted[2]}` };
}

/** The entries of an address header: mailboxes and groups (with their members), in order. */
function addresses(h: HeaderField, defects: DefectLog): (NamedAddress | Group)[] {
  const text = unfold(h.raw).trim();
  if (!/[<>"():;]/.test(text) && text.includes('/')) {
    const pieces = text.split(',').map((p) => p.trim());
    if (pieces.every((p) => p === '' || isNotesName(p) || !p.includes(' '))) {
      return pieces.flatMap((p) =>
        p === '' ? [] : isNotesName(p) ? [{ name: '', address: p }] : parseAddressList(p).entries,
      );
    }
  }
  const list = parseAddressList(text);
  if (!list.clean) defects.add('invalid-address', `malformed address list in ${h.name}`, '');
  return list.entries.map((e) => {
    if (!isGroup(e)) return notesEntry(e);
    // An empty group named by a Notes name is how the builder writes a Notes name without any
    // domain (valid syntax, no address): read it back as that name.
    if (e.members.length === 0 && isNotesName(e.group)) return { name: '', address: e.group };
    return { group: e.group, members: e.members.map(notesEntry) };
  });
}

/** Every mailbox of a list of entries, group members included. */
function mailboxesOf(entries: (NamedAddress | Group)[]): NamedAddress[] {
  return entries.flatMap((e) => (isGroup(e) ? e.members : [e]));
}

/** An entry as the text of a list item: `"Name" <a@x>`, or a whole group `Team: a@x, b@y;`. */
function entryText(e: NamedAddress | Group): string {
  return isGroup(e) ? formatGroup(e) : formatMailbox(e);
}

/** Importance header words and X-Priority digits to Domino's Importance item ("1" high, "2" normal, "3" low). */
export function importanceOf(value: string): string | undefined {
  const v = value.trim().toLowerCase();
  if (v.startsWith('high') || v.startsWith('urgent') || /^[12]\b/.test(v)) return '1';
  if (v.startsWith('normal') || /^3\b/.test(v)) return '2';
  if (v.startsWith('low') || v.startsWith('non-urgent') || /^[45]\b/.test(v)) return '3';
  return undefined;
}

/** Maps the root header block to items, in header order. */
function mapHeaders(
  note: Note,
  headers: HeaderField[],
  defects: DefectLog,
): { to: NamedAddress[]; cc: NamedAddress[] } {
  const seen = new Map<string, number>();
  const notesItems = new Set<string>();
  const to: NamedAddress[] = [];
  const cc: NamedAddress[] = [];
  let importanceFromHeader = false;
  let priority: string | undefined;
  for (const h of headers) {
    const key = h.name.toLowerCase();
    const count = (seen.get(key) ?? 0) + 1;
    seen.set(key, count);
    if (count === 2 && SINGLE.has(key))
      defects.add('duplicate-header', `${h.name} appears more than once; the first is used`, '');
    if (key.startsWith('content-')) continue; // belongs to the root MIME part
    if (count > 1 && SINGLE.has(key)) {
      note.add({ name: h.name, type: 'rfc822Text', value: h });
      continue;
    }
    const listItem = ADDRESS_LISTS[key];
    if (listItem !== undefined) {
      const entries = addresses(h, defects);
      if (key === 'to') to.push(...mailboxesOf(entries));
      if (key === 'cc') cc.push(...mailboxesOf(entries));
      const values = entries.map(entryText);
      note.add({ name: listItem, type: 'textList', value: values });
      continue;
    }
    switch (key) {
      case 'from': {
        const entries = addresses(h, defects);
        const first = mailboxesOf(entries)[0];
        const text = entries.map(entryText).join(', ');
        note.add({ name: 'From', type: 'text', value: text });
        if (first !== undefined) note.add({ name: 'INetFrom', type: 'text', value: formatMailbox(first) });
        break;
      }
      case 'sender':
        note.add({
          name: 'Principal',
          type: 'text',
          value: addresses(h, defects).map(entryText).join(', '),
        });
        break;
      case 'subject':
        note.add({ name: 'Subject', type: 'text', value: h.value });
        break;
      case 'date': {
        const d = parseMailDate(h.value);
        if (d === undefined) {
          defects.add('invalid-date', `unreadable Date "${h.value}"; kept as text`, '');
          note.add({ name: 'Date', type: 'rfc822Text', value: h });
        } else {
          note.add({ name: 'PostedDate', type: 'dateTime', value: d });
        }
        break;
      }
      case 'message-id':
        note.add({ name: '$MessageID', type: 'text', value: h.value });
        break;
      case 'in-reply-to':
        note.add({ name: 'In-Reply-To', type: 'text', value: h.value });
        break;
      case 'references':
        note.add({ name: 'References', type: 'text', value: h.value });
        break;
      case 'importance': {
        const v = importanceOf(h.value);
        if (v === undefined) note.add({ name: h.name, type: 'rfc822Text', value: h });
        else {
          note.add({ name: 'Importance', type: 'text', value: v });
          importanceFromHeader = true;
        }
        break;
      }
      case 'mime-version':
        note.add({ name: 'MIME_Version', type: 'text', value: h.value });
        break;
      case 'x-notes-item': {
        // Decode the raw value: encoded words inside it are per list entry.
        const item = decodeNotesItem(unfold(h.raw).trim());
        if (item === undefined) {
          defects.add('invalid-notes-item', `unreadable X-Notes-Item "${h.value}"; kept as a header`, '');
          note.add({ name: h.name, type: 'rfc822Text', value: h });
        } else if (!notesItems.has(item.name.toLowerCase())) {
          // The first X-Notes-Item of a name replaces a default of that name (Form=Memo).
          notesItems.add(item.name.toLowerCase());
          note.set(item);
        } else {
          note.add(item);
        }
        break;
      }
      default:
        if (key === 'x-priority' || key === 'priority' || key === 'x-msmail-priority')
          priority ??= importanceOf(h.value);
        if (key === 'return-receipt-to' || key === 'disposition-notification-to') {
          if (!note.has('ReturnReceipt')) note.add({ name: 'ReturnReceipt', type: 'text', value: '1' });
        }
        note.add({ name: h.name, type: 'rfc822Text', value: h });
    }
  }
  if (!importanceFromHeader && priority !== undefined && !note.has('Importance')) {
    note.add({ name: 'Importance', type: 'text', value: priority });
  }
  if (!seen.has('from')) defects.add('missing-header', 'no From header', '');
  const authors = note.text('From');
  if (authors !== undefined && !seen.has('sender') && parseAddressList(authors).mailboxes.length > 1)
    defects.add('missing-header', 'From holds several mailboxes and there is no Sender (RFC 5322 3.6.2)', '');
  if (!seen.has('date')) defects.add('missing-header', 'no Date header', '');
  return { to, cc };
}

function toMimePart(e: ParsedEntity): MimePart {
  const part: {
    -readonly [K in keyof MimePart]: MimePart[K];
  } = {
    path: e.path,
    headers: e.headers,
    mediaType: e.mediaType,
    params: e.params,
    transferEncoding: e.transferEncoding,
    size: e.size,
  };
  if (e.disposition !== undefined) part.disposition = e.disposition;
  if (e.kind === 'multipart') {
    part.boundary = e.params.boundary as string;
    if (e.preamble.length > 0) part.preamble = Buffer.concat(e.preamble);
    if (e.epilogue.length > 0) part.epilogue = Buffer.concat(e.epilogue);
  }
  if (e.content !== undefined && !e.attachment) part.content = e.content;
  if (e.text !== undefined) part.text = e.text;
  if (e.charset !== undefined) part.charset = e.charset;
  if (e.params.charset !== undefined) part.declaredCharset = e.params.charset;
  const declaredName = e.dispositionParams.filename ?? e.params.name;
  if (declaredName !== undefined) part.fileName = declaredName;
  const cid = e.headers.find((h) => h.name.toLowerCase() === 'content-id')?.value.trim();
  if (cid !== undefined && cid !== '') part.contentId = cid;
  if (e.attachment && e.fileName !== undefined) part.attachment = e.fileName;
  return part;
}

function walk(e: ParsedEntity, out: ParsedEntity[]): void {
  out.push(e);
  for (const c of e.children) walk(c, out);
}

/** Makes the note of a parsed message. */
export function mapInbound(
  root: ParsedEntity,
  envelope: EnvelopeAddresses | undefined,
  defects: DefectLog,
): Note {
  const note = new Note();
  note.add({ name: 'Form', type: 'text', value: 'Memo' });
  const { to, cc } = mapHeaders(note, root.headers, defects);
  if (envelope !== undefined) {
    if (envelope.mailFrom !== undefined)
      note.add({ name: 'SMTPOriginator', type: 'text', value: envelope.mailFrom });
    const rcpts = envelope.recipients ?? [];
    if (rcpts.length > 0) {
      note.add({ name: 'Recipients', type: 'textList', value: [...rcpts] });
      const listed = new Set([...to, ...cc].map((m) => m.address.toLowerCase()));
      const blind = rcpts.filter((r) => !listed.has(r.toLowerCase()));
      if (blind.length > 0) {
        const existing = note.textList('BlindCopyTo');
        const merged = [
          ...existing,
          ...blind.filter((b) => !existing.some((x) => x.toLowerCase().includes(b.toLowerCase()))),
        ];
        note.set({ name: 'BlindCopyTo', type: 'textList', value: merged });
      }
    }
  }
  note.add({ name: '$NoteHasNativeMIME', type: 'text', value: '1' });
  const entities: ParsedEntity[] = [];
  walk(root, entities);
  const used = new Set<string>();
  for (const e of entities) {
    if (e.attachment && e.fileName !== undefined) e.fileName = uniqueName(e.fileName, used);
    note.add({ name: 'Body', type: 'mimePart', value: toMimePart(e) });
  }
  for (const e of entities) {
    if (!e.attachment || e.fileName === undefined) continue;
    const cid = e.headers.find((h) => h.name.toLowerCase() === 'content-id')?.value.replace(/^<|>$/g, '');
    note.add({
      name: '$FILE',
      type: 'attachment',
      value: {
        fileName: e.fileName,
        mediaType: e.mediaType,
        size: e.size,
        ...(e.content === undefined ? {} : { content: e.content }),
        streamed: e.streamed,
        part: e.path,
        ...(cid === undefined ? {} : { contentId: cid }),
      },
    });
  }
  return note;
}

/** Domino keeps attachment names unique in a note; a repeated name gets a numeric suffix before the extension. */
export function uniqueName(name: string, used: Set<string>): string {
  let candidate = name;
  for (let n = 1; used.has(candidate.toLowerCase()); n++) {
    const dot = name.lastIndexOf('.');
    candidate = dot > 0 ? `${name.slice(0, dot)}_${n}${name.slice(dot)}` : `${name}_${n}`;
  }
  used.add(candidate.toLowerCase());
  return candidate;
}
