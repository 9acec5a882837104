/**
 * `buildMessage`: a note back to an RFC 5322 / MIME message, as one Buffer or as a Readable that
 * produces it in pieces (a large attachment is base64-encoded slice by slice).
 */

import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { ItemizerError } from '../errors.js';
import type { Note } from '../note/note.js';
import { buildCalendar, isCalendarNote } from './calendar.js';
import { chooseEncoding, encodeBase64Lines, encodeQuotedPrintable, toCrlf } from './encode.js';
import { type Piece, type StreamPiece, type WriteContext, writeEntity } from './mime-writer.js';
import { type BuildOptions, nowOf } from './options.js';
import { outboundHeaders } from './outbound.js';
import { partTree, validateNote } from './validate.js';

/**
 * Checks the note and writes its header block at once (so a note that cannot be built throws
 * here, before any stream exists), then returns the pieces of the body, produced as read.
 */
function messagePieces(note: Note, options: BuildOptions): Iterable<Piece> {
  validateNote(note, options);
  const tree = partTree(note.parts());
  const head = Buffer.from(outboundHeaders(note, options).join(''), 'utf8');
  const random = options.randomBytes ?? randomBytes;
  return (function* (): Generator<Piece> {
    yield head;
    if (tree === undefined && isCalendarNote(note)) {
      yield* calendarBody(note, options, random);
      return;
    }
    if (tree === undefined) {
      // A note without MIME parts: its Body text item becomes a text/plain part (CRLF line ends).
      const body = toCrlf(Buffer.from(note.text('Body') ?? '', 'utf8'));
      const encoding = chooseEncoding(body, true);
      yield `Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: ${encoding}\r\n\r\n`;
      if (encoding === 'base64') yield* encodeBase64Lines(body);
      else yield encoding === 'quoted-printable' ? encodeQuotedPrintable(body) : body;
      return;
    }
    const ctx: WriteContext = { note, options, random, bytes: new Map() };
    yield* writeEntity(ctx, tree, 'root');
  })();
}

function* calendarBody(note: Note, options: BuildOptions, random: (n: number) => Buffer): Generator<Buffer> {
  const now = nowOf(options.clock);
  const ics = buildCalendar(note, now);
  const method = /METHOD:(\w+)/.exec(ics)?.[1] ?? 'PUBLISH';
  const text = toCrlf(Buffer.from(note.text('Body') ?? note.text('Subject') ?? '', 'utf8'));
  // Both parts are ours and "=_" occurs in neither encoding's output unless 7bit text holds it.
  let boundary = '';
  do boundary = `=_mr_${random(15).toString('base64url')}`;
  while (text.includes(boundary) || ics.includes(boundary));
  const textEnc = chooseEncoding(text, true);
  const icsBytes = Buffer.from(ics, 'utf8');
  const icsEnc = chooseEncoding(icsBytes, true);
  const encode = (b: Buffer, e: string): string =>
    e === 'base64'
      ? [...encodeBase64Lines(b)].join('')
      : e === 'quoted-printable'
        ? encodeQuotedPrintable(b)
        : b.toString('latin1');
  yield Buffer.from(
    [
      `Content-Type: multipart/alternative; boundary="${boundary}"\r\n\r\n`,
      `--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: ${textEnc}\r\n\r\n`,
      encode(text, textEnc),
      `\r\n--${boundary}\r\nContent-Type: text/calendar; charset=utf-8; method=${method}\r\n`,
      `Content-Transfer-Encoding: ${icsEnc}\r\n\r\n`,
      encode(icsBytes, icsEnc),
      `\r\n--${boundary}--\r\n`,
    ].join(''),
    'latin1',
  );
}

/** Encodes a stream as base64 lines of 76 characters, slice by slice (bounded memory). */
async function* base64Stream(piece: StreamPiece): AsyncGenerator<Buffer> {
  let carry: Buffer = Buffer.alloc(0);
  let any = false;
  const slice = 57 * 1024;
  for await (const chunk of piece.stream) {
    const bytes =
      typeof chunk === 'string'
        ? Buffer.from(chunk, 'utf8')
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    carry = carry.length === 0 ? bytes : Buffer.concat([carry, bytes]);
    if (carry.length < slice) continue;
    const whole = carry.length - (carry.length % 57);
    // Within one call the slices end in CRLF but the last; calls are joined by one CRLF.
    let first = true;
    for (const lines of encodeBase64Lines(carry.subarray(0, whole), slice)) {
      yield Buffer.from(any && first ? `\r\n${lines}` : lines, 'latin1');
      first = false;
    }
    any = true;
    carry = Buffer.from(carry.subarray(whole));
  }
  if (carry.length > 0)
    yield Buffer.from(`${any ? '\r\n' : ''}${[...encodeBase64Lines(carry)].join('')}`, 'latin1');
}

async function* streamPieces(pieces: Iterable<Piece>): AsyncGenerator<Buffer> {
  for (const piece of pieces) {
    if (typeof piece === 'string') yield Buffer.from(piece, 'utf8');
    else if (Buffer.isBuffer(piece)) yield piece;
    else yield* base64Stream(piece);
  }
}

function bufferPieces(pieces: Iterable<Piece>): Buffer {
  const out: Buffer[] = [];
  for (const piece of pieces) {
    if (typeof piece === 'string') out.push(Buffer.from(piece, 'utf8'));
    else if (Buffer.isBuffer(piece)) out.push(piece);
    else
      throw new ItemizerError(
        'ITEMIZER_MISSING_ATTACHMENT',
        "an attachment's bytes come from a stream: build with output: 'stream'",
      );
  }
  return Buffer.concat(out);
}

/**
 * Builds the message of a note. The note is checked first (typed {@link ItemizerError}: an
 * attachment no part refers to, a part naming a missing attachment, part records that are not a
 * tree, a From of several mailboxes without Sender), and those errors are thrown here, in both
 * output modes. With `output: 'stream'` it returns a Readable (errors met while producing it,
 * such as `loadAttachment` giving nothing, arrive as the stream's error); otherwise one Buffer.
 */
export function buildNoteMessage(note: Note, options?: BuildOptions & { readonly output?: 'buffer' }): Buffer;
export function buildNoteMessage(note: Note, options: BuildOptions & { readonly output: 'stream' }): Readable;
export function buildNoteMessage(note: Note, options?: BuildOptions): Buffer | Readable;
export function buildNoteMessage(note: Note, options: BuildOptions = {}): Buffer | Readable {
  const pieces = messagePieces(note, options);
  if (options.output === 'stream') return Readable.from(streamPieces(pieces), { objectMode: false });
  return bufferPieces(pieces);
}
