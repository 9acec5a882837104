/**
 * `buildMessage`, the one entry point for writing mail: from a {@link Note} (the item-level
 * builder: a parsed message, or items assembled in code) or from {@link MessageFields} (the
 * fields-level builder, nodemailer-shaped). Fields are made into a note first, so both paths
 * write the same bytes.
 */

import type { Readable } from 'node:stream';
import { composeNote } from '../compose/compose-note.js';
import type { MessageFields } from '../compose/fields.js';
import type { Note } from '../note/note.js';
import { buildNoteMessage } from './build-message.js';
import type { BuildOptions } from './options.js';

/** Options of {@link buildMessage} from fields: those of the item-level builder, output is always a stream. */
export type ComposeOptions = Omit<BuildOptions, 'output'>;

function isNote(x: unknown): x is Note {
  const n = x as Note;
  return typeof x === 'object' && x !== null && Array.isArray(n.items) && typeof n.parts === 'function';
}

/**
 * Builds a message.
 *
 * - From a `Note`: a Buffer, or with `output: 'stream'` a Readable (see the README's item mapping).
 * - From `MessageFields`: always a Readable that produces the message as it is read; attachments
 *   given as streams are read then, slice by slice. The fields are checked first: a typed
 *   `ItemizerError` is thrown here, before any stream exists. {@link buildMessageBytes} gives one Buffer.
 */
export function buildMessage(note: Note, options?: BuildOptions & { readonly output?: 'buffer' }): Buffer;
export function buildMessage(note: Note, options: BuildOptions & { readonly output: 'stream' }): Readable;
export function buildMessage(note: Note, options?: BuildOptions): Buffer | Readable;
export function buildMessage(fields: MessageFields, options?: ComposeOptions): Readable;
export function buildMessage(input: Note | MessageFields, options: BuildOptions = {}): Buffer | Readable {
  if (isNote(input)) return buildNoteMessage(input, options);
  const note = composeNote(input, options);
  return buildNoteMessage(note, { ...options, output: 'stream' });
}

/** {@link buildMessage} from fields, collected into one Buffer (rejects with the stream's error). */
export async function buildMessageBytes(
  fields: MessageFields,
  options: ComposeOptions = {},
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of buildMessage(fields, options)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
