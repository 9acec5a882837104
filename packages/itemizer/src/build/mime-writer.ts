/**
 * Writes the body: the note's MIME parts (its `Body` items) as a MIME tree. Produces pieces, so a
 * large attachment is encoded slice by slice into a stream; an attachment whose bytes come from a
 * stream is a {@link StreamPiece} that the stream driver encodes as it reads.
 *
 * Boundaries are random (RFC 2046 5.1.1: they must not occur in the encapsulated content; a
 * boundary derived from the message could be predicted and written into a part by its sender)
 * and each is checked against the content of every part inside it before it is written.
 */

import { ItemizerError } from '../errors.js';
import type { Attachment, MimePart, Note } from '../note/note.js';
import { chooseEncoding, encodeBase64Lines, encodeQuotedPrintable, toCrlf } from './encode.js';
import { isFieldName, rawField, structuredField } from './headers.js';
import type { BuildOptions } from './options.js';
import type { PartNode } from './validate.js';

/** Bytes read from a stream when the message is produced (only in stream output). */
export interface StreamPiece {
  readonly stream: AsyncIterable<Uint8Array>;
}

/** What the writer yields: header text, bytes, or a stream to base64-encode. */
export type Piece = string | Buffer | StreamPiece;

const OWN_HEADERS = new Set([
  'content-type',
  'content-transfer-encoding',
  'content-disposition',
  'mime-version',
]);

/** Context shared while writing one message. */
export interface WriteContext {
  readonly note: Note;
  readonly options: BuildOptions;
  /** Random bytes for boundaries (node:crypto unless the options inject a source). */
  readonly random: (size: number) => Buffer;
  /** Sources already fetched per part (loadAttachment is asked once, a stream opened once). */
  readonly bytes: Map<MimePart, Buffer | StreamPiece>;
}

function isMessageType(type: string): boolean {
  return type === 'message/rfc822' || type === 'message/global';
}

/**
 * Types never encoded: every message/* type. A message (RFC 2046 5.2.1 allows only 7bit, 8bit,
 * binary), and the report types made of header-like fields (delivery-status, RFC 3464;
 * disposition-notification, RFC 8098; feedback-report, RFC 5965), which readers parse line by
 * line as they stand.
 */
function isUnencoded(type: string): boolean {
  return type.startsWith('message/');
}

function fileOf(ctx: WriteContext, part: MimePart): Attachment | undefined {
  const name = part.attachment?.toLowerCase();
  return ctx.note.attachments().find((a) => a.fileName.toLowerCase() === name);
}

/** The bytes of a leaf in memory, or the stream they come from. */
function leafSource(ctx: WriteContext, part: MimePart): Buffer | StreamPiece {
  const cached = ctx.bytes.get(part);
  if (cached !== undefined) return cached;
  if (part.attachment === undefined) {
    const bytes =
      part.content ?? (part.text === undefined ? Buffer.alloc(0) : Buffer.from(part.text, 'utf8'));
    ctx.bytes.set(part, bytes);
    return bytes;
  }
  if (part.content !== undefined) {
    ctx.bytes.set(part, part.content);
    return part.content;
  }
  const file = fileOf(ctx, part);
  if (file === undefined)
    throw new ItemizerError(
      'ITEMIZER_MISSING_ATTACHMENT',
      `part "${part.path}" names the attachment "${part.attachment}", which the note does not have`,
    );
  const bytes = file.content ?? ctx.options.loadAttachment?.(file);
  if (bytes !== undefined) {
    ctx.bytes.set(part, bytes);
    return bytes;
  }
  if (file.open !== undefined) {
    const piece = { stream: file.open() };
    ctx.bytes.set(part, piece);
    return piece;
  }
  throw new ItemizerError(
    'ITEMIZER_MISSING_ATTACHMENT',
    `no bytes for attachment "${part.attachment}" (it was streamed; pass loadAttachment)`,
  );
}

/** A text body part (not an attachment): written in canonical form, with a charset parameter. */
function isText(part: MimePart): boolean {
  return part.attachment === undefined && part.mediaType.startsWith('text/');
}

function charsetOf(part: MimePart): string | undefined {
  if (!isText(part)) return undefined;
  if (part.content !== undefined) return part.params.charset ?? part.charset;
  return part.text === undefined ? undefined : 'utf-8';
}

/** Line ends of text are canonical CRLF, except in charsets where a 0x0A byte is not a line feed. */
function canonicalText(part: MimePart, bytes: Buffer): Buffer {
  const charset = charsetOf(part) ?? '';
  if (/^(utf-?16|utf-?32|ucs-?2|ucs-?4)/i.test(charset)) return bytes;
  return toCrlf(bytes);
}

/** How a leaf goes out: its final bytes (or stream) and its transfer encoding. */
interface LeafPlan {
  readonly source: Buffer | StreamPiece;
  readonly encoding: '7bit' | '8bit' | 'binary' | 'quoted-printable' | 'base64';
}

function planLeaf(ctx: WriteContext, part: MimePart): LeafPlan {
  const source = leafSource(ctx, part);
  if (!Buffer.isBuffer(source)) {
    if (isUnencoded(part.mediaType))
      throw new ItemizerError(
        'ITEMIZER_UNWRITABLE_CONTENT',
        `the ${part.mediaType} part "${part.path}" must be in memory (it cannot be base64-encoded from a stream)`,
      );
    return { source, encoding: 'base64' };
  }
  if (isUnencoded(part.mediaType)) {
    const bytes = toCrlf(source);
    return { source: bytes, encoding: messageEncoding(part, bytes) };
  }
  if (isText(part)) {
    const bytes = canonicalText(part, source);
    return { source: bytes, encoding: chooseEncoding(bytes, true) };
  }
  return { source, encoding: chooseEncoding(source, false) };
}

/**
 * A message/rfc822 body is never base64 or quoted-printable (RFC 2046 5.2.1): 7bit when it is
 * ASCII, 8bit otherwise; its lines must fit SMTP's 998 octets.
 */
function messageEncoding(part: MimePart, bytes: Buffer): '7bit' | '8bit' {
  let line = 0;
  let ascii = true;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i] as number;
    if (c === 0x0a) {
      line = 0;
      continue;
    }
    if (c === 0)
      throw new ItemizerError(
        'ITEMIZER_UNWRITABLE_CONTENT',
        `the ${part.mediaType} part "${part.path}" holds a NUL byte`,
      );
    if (c > 0x7f) ascii = false;
    if (++line > 999)
      throw new ItemizerError(
        'ITEMIZER_UNWRITABLE_CONTENT',
        `the ${part.mediaType} part "${part.path}" has a line over 998 octets (RFC 5322 2.1.1); it cannot be sent as a message`,
      );
  }
  return ascii ? '7bit' : '8bit';
}

/** The bytes of every leaf under a node that go out unencoded (7bit, 8bit: where a boundary could hide). */
function* plainBytesUnder(ctx: WriteContext, node: PartNode): Generator<Buffer> {
  if (node.children.length === 0) {
    const plan = planLeaf(ctx, node.part);
    if (Buffer.isBuffer(plan.source) && plan.encoding !== 'base64') yield plan.source;
    // Quoted-printable escapes "=", so it cannot hold "=_"; base64 has neither "=_" nor "-".
    return;
  }
  for (const child of node.children) yield* plainBytesUnder(ctx, child);
}

/** A fresh random boundary that occurs in none of the unencoded content it will enclose. */
function boundaryFor(ctx: WriteContext, node: PartNode): string {
  for (let attempt = 0; attempt < 16; attempt++) {
    // "=_" never occurs in base64 or quoted-printable output; 120 random bits make a collision
    // with 7bit content chance only, and the check below rules even that out.
    const boundary = `=_mr_${ctx.random(15).toString('base64url')}`;
    const delimiter = Buffer.from(`--${boundary}`, 'latin1');
    let clash = false;
    for (const bytes of plainBytesUnder(ctx, node)) {
      if (bytes.includes(delimiter)) {
        clash = true;
        break;
      }
    }
    if (!clash) return boundary;
  }
  // Only a broken random source gets here: refuse rather than write a part that splits.
  throw new ItemizerError(
    'ITEMIZER_UNWRITABLE_CONTENT',
    'no boundary found that the content does not contain',
  );
}

function* otherHeaders(part: MimePart): Generator<string> {
  for (const h of part.headers) {
    const lower = h.name.toLowerCase();
    if (OWN_HEADERS.has(lower) || !isFieldName(h.name)) continue;
    yield rawField(h.name, h.raw, h.value);
  }
}

/** Content-Disposition with the declared file name (or the `$FILE` name) when there is one. */
function dispositionField(part: MimePart, fallback: string | undefined): string | undefined {
  const disp = part.disposition ?? fallback;
  if (disp === undefined) return undefined;
  const name = part.fileName === undefined || part.fileName.trim() === '' ? part.attachment : part.fileName;
  return structuredField('Content-Disposition', disp, name === undefined ? {} : { filename: name });
}

/** Where an entity sits: the message itself, the top of an embedded message, or a body part. */
export type EntityRole = 'root' | 'embedded' | 'part';

/** Writes one entity; for the root only its Content-* headers (the rest come from the items). */
export function* writeEntity(ctx: WriteContext, node: PartNode, role: EntityRole): Generator<Piece> {
  const part = node.part;
  const head: string[] = [];
  if (role === 'root') head.push(...[...otherHeaders(part)].filter((h) => /^content-/i.test(h)));
  else head.push(...otherHeaders(part));
  // An embedded message is a message: it keeps its MIME-Version (RFC 2045 4).
  if (role === 'embedded') head.push('MIME-Version: 1.0\r\n');
  const params: Record<string, string> = { ...part.params };
  delete params.boundary;
  if (isMessageType(part.mediaType) && node.children.length > 0) {
    head.push(structuredField('Content-Type', part.mediaType, params));
    const disp = dispositionField(part, undefined);
    if (disp !== undefined) head.push(disp);
    yield `${head.join('')}\r\n`;
    // The nested message: all its own headers, then its body (7bit: everything in it is rebuilt).
    for (const child of node.children) yield* writeEntity(ctx, child, 'embedded');
    return;
  }
  if (
    node.children.length > 0 ||
    (part.mediaType.startsWith('multipart/') && part.attachment === undefined && part.content === undefined)
  ) {
    const boundary = boundaryFor(ctx, node);
    const type = part.mediaType.startsWith('multipart/') ? part.mediaType : 'multipart/mixed';
    head.push(structuredField('Content-Type', type, { ...params, boundary }));
    yield `${head.join('')}\r\n`;
    for (const child of node.children) {
      yield `--${boundary}\r\n`;
      yield* writeEntity(ctx, child, 'part');
      yield '\r\n';
    }
    // A multipart holds at least one body part (RFC 2046 5.1.1): an empty one came in, an empty
    // text part goes out.
    if (node.children.length === 0)
      yield `--${boundary}\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n\r\n`;
    yield `--${boundary}--\r\n`;
    return;
  }
  const plan = planLeaf(ctx, part);
  // A container kept unparsed (over the depth limit) goes out as opaque bytes.
  const mediaType = part.mediaType.startsWith('multipart/') ? 'application/octet-stream' : part.mediaType;
  const charset = charsetOf(part);
  if (charset !== undefined) params.charset = charset;
  if (part.attachment !== undefined)
    params.name =
      part.fileName === undefined || part.fileName.trim() === '' ? part.attachment : part.fileName;
  head.push(structuredField('Content-Type', mediaType, params));
  const disp = dispositionField(part, part.attachment === undefined ? undefined : 'attachment');
  if (disp !== undefined) head.push(disp);
  head.push(`Content-Transfer-Encoding: ${plan.encoding}\r\n`);
  yield `${head.join('')}\r\n`;
  const source = plan.source;
  if (!Buffer.isBuffer(source)) yield source;
  else if (plan.encoding === 'base64') yield* encodeBase64Lines(source);
  else if (plan.encoding === 'quoted-printable') yield encodeQuotedPrintable(source);
  else yield source;
}
