/**
 * `buildMessage`: a note back to an RFC 5322 / MIME message, as one Buffer or as a Readable that
 * produces it in pieces (a large attachment is base64-encoded slice by slice).
 */

import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Note } from '../note/note.js';
import { buildCalendar, isCalendarNote } from './calendar.js';
import { chooseEncoding, encodeBase64Lines, encodeQuotedPrintable } from './encode.js';
import { partTree, type WriteContext, writeEntity } from './mime-writer.js';
import type { BuildOptions } from './options.js';
import { outboundHeaders } from './outbound.js';

function* messageChunks(note: Note, options: BuildOptions): Generator<Buffer> {
  const headers = outboundHeaders(note, options);
  yield Buffer.from(headers.join(''), 'utf8');
  const tree = partTree(note.parts());
  if (tree === undefined && isCalendarNote(note)) {
    yield* calendarBody(note, options);
    return;
  }
  if (tree === undefined) {
    // A note without MIME parts: its Body text item becomes a text/plain part.
    const body = Buffer.from(note.text('Body') ?? '', 'utf8');
    const encoding = chooseEncoding(body, true);
    yield Buffer.from(
      `Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: ${encoding}\r\n\r\n`,
    );
    if (encoding === 'base64') for (const s of encodeBase64Lines(body)) yield Buffer.from(s, 'latin1');
    else yield encoding === 'quoted-printable' ? Buffer.from(encodeQuotedPrintable(body), 'latin1') : body;
    return;
  }
  const seed = createHash('sha256')
    .update(`${note.text('$MessageID') ?? ''}\n${note.text('Subject') ?? ''}\n${note.parts().length}`)
    .digest('hex');
  const ctx: WriteContext = { note, options, seed, boundaries: 0 };
  for (const piece of writeEntity(ctx, tree, true))
    yield typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece;
}

function* calendarBody(note: Note, options: BuildOptions): Generator<Buffer> {
  const now = (options.clock ?? (() => new Date()))();
  const ics = buildCalendar(note, now);
  const method = /METHOD:(\w+)/.exec(ics)?.[1] ?? 'PUBLISH';
  const text = Buffer.from(note.text('Body') ?? note.text('Subject') ?? '', 'utf8');
  const boundary = `=_mr_cal_${createHash('sha256').update(ics).digest('hex').slice(0, 24)}`;
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

/**
 * Builds the message of a note. With `output: 'stream'` it returns a Readable (errors, such as
 * an attachment whose bytes are missing, arrive as the stream's error); otherwise one Buffer.
 */
export function buildMessage(note: Note, options?: BuildOptions & { readonly output?: 'buffer' }): Buffer;
export function buildMessage(note: Note, options: BuildOptions & { readonly output: 'stream' }): Readable;
export function buildMessage(note: Note, options?: BuildOptions): Buffer | Readable;
export function buildMessage(note: Note, options: BuildOptions = {}): Buffer | Readable {
  if (options.output === 'stream') return Readable.from(messageChunks(note, options), { objectMode: false });
  return Buffer.concat([...messageChunks(note, options)]);
}
