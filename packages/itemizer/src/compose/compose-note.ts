/**
 * The fields-level builder's first half: {@link MessageFields} checked and turned into the same
 * {@link Note} a parsed message gives (Domino's memo items, one `Body` MIME part per entity,
 * `$FILE` items for attachments). The item-level builder then writes it, so both paths produce
 * the same bytes.
 */

import { isUtf8 } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import libmime from 'libmime';
import { isFieldName } from '../build/headers.js';
import { type BuildOptions, nowOf } from '../build/options.js';
import { parseStructured, mediaType as readMediaType } from '../entity/content-type.js';
import { ItemizerError } from '../errors.js';
import { uniqueName } from '../note/inbound.js';
import { type Attachment, type HeaderField, type MimePart, Note } from '../note/note.js';
import { addressEntries, entryTexts } from './addresses.js';
import type { AttachmentFields, ContentInput, MessageFields } from './fields.js';
import { deliveryStatusText, rfc822Original } from './report.js';

/** Header fields the builder writes from its own options; `headers` may not set them. */
const OWN = new Set([
  'from',
  'sender',
  'to',
  'cc',
  'bcc',
  'reply-to',
  'subject',
  'date',
  'message-id',
  'in-reply-to',
  'references',
  'mime-version',
  'importance',
  'x-notes-item',
]);

const MSG_ID = /^<[\x21-\x3b\x3d\x3f-\x7e]+@[\x21-\x3b\x3d\x3f-\x7e]+>$/;

function option(message: string): ItemizerError {
  return new ItemizerError('ITEMIZER_INVALID_OPTION', message);
}

function noBreaks(name: string, value: string | undefined): void {
  if (value !== undefined && typeof value !== 'string') throw option(`${name} must be a string`);
  if (value !== undefined && /[\r\n\0]/.test(value)) throw option(`${name} holds a line break`);
}

function msgId(name: string, value: string): string {
  if (typeof value !== 'string') throw option(`${name} must be a string`);
  const v = value.trim();
  const id = v.startsWith('<') ? v : `<${v}>`;
  if (!MSG_ID.test(id)) throw option(`${name} "${value}" is not a message identifier (<left@right>)`);
  return id;
}

/** A media type option, lower case, with its parameters (`text/plain; charset=utf-8`). */
function mediaTypeOf(what: string, value: string): { type: string; params: Record<string, string> } {
  noBreaks(what, value);
  const parsed = parseStructured(value);
  const type = readMediaType(parsed.value, '');
  if (type === '' || type !== parsed.value)
    throw new ItemizerError('ITEMIZER_INVALID_ATTACHMENT', `${what} "${value}" is not a media type`);
  return { type, params: parsed.params };
}

function isReadableLike(x: unknown): x is AsyncIterable<Uint8Array> {
  return typeof x === 'object' && x !== null && Symbol.asyncIterator in x;
}

/** Content in memory as bytes, or a function that opens its stream (once). */
function contentOf(a: AttachmentFields, index: number): Buffer | (() => AsyncIterable<Uint8Array>) {
  const c: ContentInput | undefined = a.content;
  if (typeof c === 'string') {
    if (a.encoding !== undefined && !Buffer.isEncoding(a.encoding))
      throw new ItemizerError(
        'ITEMIZER_INVALID_ATTACHMENT',
        `attachment ${index}: unknown encoding "${a.encoding}"`,
      );
    return Buffer.from(c, a.encoding ?? 'utf8');
  }
  if (Buffer.isBuffer(c)) return c;
  if (c instanceof Uint8Array) return Buffer.from(c.buffer, c.byteOffset, c.byteLength);
  if (isReadableLike(c)) {
    let opened = false;
    return () => {
      // A stream can be read once: a second build of the same note must not get an empty part.
      if (opened)
        throw new ItemizerError(
          'ITEMIZER_MISSING_ATTACHMENT',
          `attachment ${index}: its stream was already read by an earlier build`,
        );
      opened = true;
      return c;
    };
  }
  throw new ItemizerError(
    'ITEMIZER_INVALID_ATTACHMENT',
    `attachment ${index} has no content (a Buffer, a string or a stream)`,
  );
}

function textBytes(name: string, value: string | undefined): Buffer | undefined {
  if (value === undefined) return undefined;
  if (Buffer.isBuffer(value)) {
    if (!isUtf8(value)) throw option(`${name} is a Buffer that is not UTF-8; give a string`);
    return value;
  }
  if (typeof value !== 'string') throw option(`${name} must be a string`);
  return Buffer.from(value, 'utf8');
}

/** A node of the tree being composed (paths are given when the note is made). */
interface Draft {
  part: Omit<MimePart, 'path'>;
  children: Draft[];
  file?: Omit<Attachment, 'part'>;
}

function textLeaf(mediaType: string, bytes: Buffer, extra: Record<string, string> = {}): Draft {
  return {
    part: {
      headers: [],
      mediaType,
      params: { charset: 'utf-8', ...extra },
      transferEncoding: '',
      size: bytes.length,
      content: bytes,
      text: bytes.toString('utf8'),
      charset: 'utf-8',
      declaredCharset: 'utf-8',
    },
    children: [],
  };
}

function container(mediaType: string, children: Draft[], params: Record<string, string> = {}): Draft {
  return { part: { headers: [], mediaType, params, transferEncoding: '', size: 0 }, children };
}

function attachmentDraft(a: AttachmentFields, index: number, used: Set<string>): Draft {
  if (typeof a !== 'object' || a === null)
    throw new ItemizerError('ITEMIZER_INVALID_ATTACHMENT', `attachment ${index} is not an object`);
  if (
    a.filename !== undefined &&
    (typeof a.filename !== 'string' || /[\x00-\x1f\x7f]/.test(a.filename) || a.filename.trim() === '')
  )
    throw new ItemizerError(
      'ITEMIZER_INVALID_ATTACHMENT',
      `attachment ${index}: file name empty or with control characters`,
    );
  const declared =
    a.contentType === undefined
      ? {
          type: a.filename === undefined ? 'application/octet-stream' : libmime.detectMimeType(a.filename),
          params: {},
        }
      : mediaTypeOf(`attachment ${index} contentType`, a.contentType);
  if (declared.type.startsWith('multipart/'))
    throw new ItemizerError(
      'ITEMIZER_INVALID_ATTACHMENT',
      `attachment ${index}: a multipart type needs parts, not content`,
    );
  if (a.cid !== undefined && (typeof a.cid !== 'string' || !/^[\x21-\x3b\x3d\x3f-\x7e]+$/.test(a.cid)))
    throw new ItemizerError(
      'ITEMIZER_INVALID_ATTACHMENT',
      `attachment ${index}: cid "${String(a.cid)}" is not a Content-ID (no brackets, no spaces)`,
    );
  if (a.disposition !== undefined && a.disposition !== 'attachment' && a.disposition !== 'inline')
    throw new ItemizerError(
      'ITEMIZER_INVALID_ATTACHMENT',
      `attachment ${index}: disposition must be attachment or inline`,
    );
  const content = contentOf(a, index);
  const isMessage = declared.type === 'message/rfc822' || declared.type === 'message/global';
  if (isMessage && !Buffer.isBuffer(content))
    throw new ItemizerError(
      'ITEMIZER_INVALID_ATTACHMENT',
      `attachment ${index}: a ${declared.type} attachment must be a Buffer or string (it is written unencoded)`,
    );
  const ext = libmime.detectExtension(declared.type);
  const fileName = uniqueName(a.filename ?? `ATT${String(index + 1).padStart(5, '0')}.${ext}`, used);
  const headers: HeaderField[] =
    a.cid === undefined ? [] : [{ name: 'Content-ID', value: `<${a.cid}>`, raw: ` <${a.cid}>` }];
  const size = Buffer.isBuffer(content) ? content.length : 0;
  return {
    part: {
      headers,
      mediaType: declared.type,
      params: declared.params,
      disposition: a.disposition ?? (a.cid === undefined ? 'attachment' : 'inline'),
      transferEncoding: '',
      size,
      attachment: fileName,
      ...(a.filename === undefined ? {} : { fileName: a.filename }),
      ...(a.cid === undefined ? {} : { contentId: `<${a.cid}>` }),
    },
    children: [],
    file: {
      fileName,
      mediaType: declared.type,
      size,
      ...(Buffer.isBuffer(content) ? { content } : { open: content }),
      streamed: false,
      ...(a.cid === undefined ? {} : { contentId: a.cid }),
    },
  };
}

/** The body tree: (mixed: (alternative: text, (related: html, inline parts), calendar), attachments) or the report. */
function bodyTree(fields: MessageFields): Draft {
  const text = textBytes('text', fields.text);
  const html = textBytes('html', fields.html);
  if (fields.report !== undefined && (typeof fields.report !== 'object' || fields.report === null))
    throw option('report must be an object');
  if (fields.report !== undefined) {
    if (html !== undefined || (fields.attachments?.length ?? 0) > 0 || fields.icalEvent !== undefined)
      throw option(
        'a delivery report has a text part, the status and the original only: no html, attachments or icalEvent',
      );
    if (text === undefined) throw option('a delivery report needs its human-readable text');
    const status = Buffer.from(deliveryStatusText(fields.report.deliveryStatus), 'utf8');
    const parts: Draft[] = [
      textLeaf('text/plain', text),
      {
        part: {
          headers: [],
          mediaType: 'message/delivery-status',
          params: {},
          transferEncoding: '',
          size: status.length,
          content: status,
          text: status.toString('utf8'),
        },
        children: [],
      },
    ];
    const original = fields.report.original;
    if (original !== undefined) {
      const o = rfc822Original(original);
      parts.push(
        o.type === 'message/rfc822'
          ? {
              part: {
                headers: [],
                mediaType: o.type,
                params: {},
                transferEncoding: '',
                size: o.bytes.length,
                content: o.bytes,
              },
              children: [],
            }
          : textLeaf('text/rfc822-headers', o.bytes),
      );
    }
    return container('multipart/report', parts, { 'report-type': 'delivery-status' });
  }
  if (fields.attachments !== undefined && !Array.isArray(fields.attachments))
    throw option('attachments must be a list');
  const used = new Set<string>();
  const attachments = (fields.attachments ?? []).map((a, i) => attachmentDraft(a, i, used));
  const related =
    html === undefined
      ? []
      : attachments.filter((a) => a.part.disposition === 'inline' && a.file?.contentId !== undefined);
  const mixed = attachments.filter((a) => !related.includes(a));
  const alternatives: Draft[] = [];
  if (text !== undefined || (html === undefined && fields.icalEvent === undefined))
    alternatives.push(textLeaf('text/plain', text ?? Buffer.alloc(0)));
  if (html !== undefined) {
    const leaf = textLeaf('text/html', html);
    alternatives.push(
      related.length === 0 ? leaf : container('multipart/related', [leaf, ...related], { type: 'text/html' }),
    );
  }
  if (fields.icalEvent !== undefined) {
    const ev = fields.icalEvent;
    if (typeof ev !== 'object' || ev === null) throw option('icalEvent must be an object with content');
    if (ev.method !== undefined && typeof ev.method !== 'string')
      throw option('icalEvent.method must be a string');
    const raw =
      typeof ev.content === 'string'
        ? ev.content
        : Buffer.isBuffer(ev.content)
          ? ev.content.toString('utf8')
          : undefined;
    if (raw === undefined || !/BEGIN:VCALENDAR/i.test(raw))
      throw option('icalEvent.content must be VCALENDAR text');
    const method = ev.method ?? /^METHOD:([A-Za-z-]+)\s*$/im.exec(raw)?.[1] ?? 'PUBLISH';
    if (!/^[A-Za-z-]+$/.test(method)) throw option(`icalEvent.method "${method}" is not an iTIP method`);
    alternatives.push(textLeaf('text/calendar', Buffer.from(raw, 'utf8'), { method: method.toUpperCase() }));
  }
  const main =
    alternatives.length === 1 ? (alternatives[0] as Draft) : container('multipart/alternative', alternatives);
  return mixed.length === 0 ? main : container('multipart/mixed', [main, ...mixed]);
}

function addNodes(note: Note, draft: Draft, path: string, files: Attachment[]): void {
  note.add({ name: 'Body', type: 'mimePart', value: { ...draft.part, path } });
  if (draft.file !== undefined) files.push({ ...draft.file, part: path });
  for (const [i, c] of draft.children.entries())
    addNodes(note, c, path === '' ? `${i + 1}` : `${path}.${i + 1}`, files);
}

function extraHeaders(fields: MessageFields): HeaderField[] {
  const h = fields.headers;
  if (h === undefined) return [];
  if (typeof h !== 'object' || h === null)
    throw new ItemizerError('ITEMIZER_INVALID_HEADER', 'headers must be an object or a list');
  const pairs: [string, string][] = Array.isArray(h)
    ? (h as readonly { key: string; value: string }[]).map((x) => [x?.key, x?.value])
    : Object.entries(h as Record<string, string | readonly string[]>).flatMap(([k, v]) =>
        (Array.isArray(v) ? v : [v]).map((x): [string, string] => [k, x as string]),
      );
  return pairs.map(([name, value]) => {
    if (typeof name !== 'string' || !isFieldName(name))
      throw new ItemizerError('ITEMIZER_INVALID_HEADER', `"${String(name)}" is not a header field name`);
    const lower = name.toLowerCase();
    if (OWN.has(lower) || lower.startsWith('content-'))
      throw new ItemizerError(
        'ITEMIZER_INVALID_HEADER',
        `${name} is written by the builder; use its own option`,
      );
    if (typeof value !== 'string' || /[\r\n\0]/.test(value))
      throw new ItemizerError('ITEMIZER_INVALID_HEADER', `the value of ${name} is not one line of text`);
    return { name, value, raw: ` ${value}` };
  });
}

/**
 * Checks message fields and makes the note the item-level builder writes. Throws
 * {@link ItemizerError} (codes `ITEMIZER_INVALID_OPTION`, `ITEMIZER_INVALID_ADDRESS`,
 * `ITEMIZER_MISSING_FROM`, `ITEMIZER_SENDER_REQUIRED`, `ITEMIZER_INVALID_HEADER`,
 * `ITEMIZER_INVALID_ATTACHMENT`) for anything it cannot write as given.
 */
export function composeNote(fields: MessageFields, options: BuildOptions = {}): Note {
  if (typeof fields !== 'object' || fields === null) throw option('the message fields must be an object');
  const from = addressEntries('from', fields.from, true);
  if (from.length === 0)
    throw new ItemizerError('ITEMIZER_MISSING_FROM', 'a message needs a From (RFC 5322 3.6)');
  const sender = fields.sender === undefined ? [] : addressEntries('sender', fields.sender, true);
  if (sender.length > 1)
    throw new ItemizerError('ITEMIZER_INVALID_ADDRESS', 'sender: one mailbox only (RFC 5322 3.6.2)');
  if (from.length > 1 && sender.length === 0)
    throw new ItemizerError(
      'ITEMIZER_SENDER_REQUIRED',
      'a From of several mailboxes needs a sender (RFC 5322 3.6.2)',
    );
  noBreaks('subject', fields.subject);
  if (fields.date !== undefined && (!(fields.date instanceof Date) || Number.isNaN(fields.date.getTime())))
    throw option('date must be a valid Date');
  if (fields.priority !== undefined && !['high', 'normal', 'low'].includes(fields.priority))
    throw option('priority must be high, normal or low');
  const fromTexts = entryTexts(from);
  const firstFrom = from[0] as { address: string };
  const random = options.randomBytes ?? randomBytes;
  const messageId =
    fields.messageId === undefined
      ? `<${random(16).toString('hex')}@${firstFrom.address.slice(firstFrom.address.lastIndexOf('@') + 1)}>`
      : msgId('messageId', fields.messageId);
  const inReplyTo = fields.inReplyTo === undefined ? undefined : msgId('inReplyTo', fields.inReplyTo);
  if (
    fields.references !== undefined &&
    typeof fields.references !== 'string' &&
    !Array.isArray(fields.references)
  )
    throw option('references must be a string or a list of strings');
  const references =
    fields.references === undefined
      ? undefined
      : (typeof fields.references === 'string' ? fields.references.trim().split(/\s+/) : fields.references)
          .map((r) => msgId('references', r))
          .join(' ');
  const lists = (
    [
      ['to', 'SendTo'],
      ['cc', 'CopyTo'],
      ['bcc', 'BlindCopyTo'],
      ['replyTo', 'ReplyTo'],
    ] as const
  ).map(([key, item]) => [item, entryTexts(addressEntries(key, fields[key], false))] as const);
  const headers = extraHeaders(fields);
  const tree = bodyTree(fields);

  const note = new Note();
  note.add({ name: 'Form', type: 'text', value: 'Memo' });
  note.add({ name: 'From', type: 'text', value: fromTexts.join(', ') });
  if (from.length === 1) note.add({ name: 'INetFrom', type: 'text', value: fromTexts[0] as string });
  if (sender.length === 1)
    note.add({ name: 'Principal', type: 'text', value: entryTexts(sender)[0] as string });
  for (const [item, values] of lists)
    if (values.length > 0) note.add({ name: item, type: 'textList', value: values });
  if (fields.subject !== undefined) note.add({ name: 'Subject', type: 'text', value: fields.subject });
  note.add({ name: 'PostedDate', type: 'dateTime', value: fields.date ?? nowOf(options.clock) });
  note.add({ name: '$MessageID', type: 'text', value: messageId });
  if (inReplyTo !== undefined) note.add({ name: 'In-Reply-To', type: 'text', value: inReplyTo });
  if (references !== undefined) note.add({ name: 'References', type: 'text', value: references });
  if (fields.priority !== undefined)
    note.add({
      name: 'Importance',
      type: 'text',
      value: { high: '1', normal: '2', low: '3' }[fields.priority],
    });
  for (const h of headers) note.add({ name: h.name, type: 'rfc822Text', value: h });
  note.add({ name: '$NoteHasNativeMIME', type: 'text', value: '1' });
  const files: Attachment[] = [];
  addNodes(note, tree, '', files);
  for (const f of files) note.add({ name: '$FILE', type: 'attachment', value: f });
  return note;
}
