/**
 * `parseMessage`: bytes in (a Node Readable, an async iterable of chunks, or a Buffer), a Note
 * out. Wires the raw scanner, the entity layer and the inbound mapping; awaits attachment
 * consumers after every input chunk so memory stays bounded by the chunk size.
 */

import { DefectLog } from '../defects.js';
import { isKnownCharset } from '../entity/charset.js';
import { resolveLimits } from '../limits.js';
import { mapInbound } from '../note/inbound.js';
import type { Note } from '../note/note.js';
import { MimeScanner } from '../raw/scanner.js';
import { convertTnefParts } from '../tnef/convert.js';
import { DEFAULT_TNEF_OPTIONS } from '../tnef/options.js';
import { EntityHandler } from './entity-handler.js';
import type { ParseOptions } from './options.js';

/** What {@link parseMessage} reads: a Buffer, or any async iterable of chunks (a Node Readable is one). */
export type MessageInput = Buffer | Uint8Array | AsyncIterable<Buffer | Uint8Array | string>;

function toBuffer(chunk: Buffer | Uint8Array | string): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'latin1');
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * Parses an RFC 5322 / MIME message into a {@link Note}. Never rejects because of the message's
 * content (defects are recorded on `note.defects`); it rejects only for bad options, a failing
 * input stream, or a failing attachment consumer.
 */
export async function parseMessage(input: MessageInput, options: ParseOptions = {}): Promise<Note> {
  const limits = resolveLimits(options.limits);
  const chunkSize = options.chunkSizeBytes ?? 65536;
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1)
    throw new RangeError('itemizer: chunkSizeBytes must be a positive integer');
  if (options.fallbackCharset !== undefined && !isKnownCharset(options.fallbackCharset)) {
    throw new RangeError(`itemizer: unknown fallbackCharset "${options.fallbackCharset}"`);
  }
  const tnef = { ...DEFAULT_TNEF_OPTIONS, ...(options.tnef ?? {}) };
  const defects = new DefectLog();
  const handler = new EntityHandler(options, defects, tnef.enableConversion);
  const scanner = new MimeScanner(handler, limits);
  const drain = async (): Promise<void> => {
    while (handler.pending.length > 0) await Promise.all(handler.pending.splice(0));
  };
  if (Buffer.isBuffer(input) || input instanceof Uint8Array) {
    const buf = toBuffer(input);
    for (let i = 0; i < buf.length; i += chunkSize) {
      scanner.write(buf.subarray(i, Math.min(buf.length, i + chunkSize)));
      if (handler.pending.length > 0) await drain();
    }
  } else {
    for await (const chunk of input) {
      scanner.write(toBuffer(chunk));
      if (handler.pending.length > 0) await drain();
    }
  }
  scanner.end();
  await drain();
  const root = handler.root;
  if (root === undefined) throw new Error('itemizer: scanner produced no root entity'); // broken invariant
  const note = mapInbound(root, options.envelope, defects);
  if (tnef.enableConversion) convertTnefParts(note, tnef, defects);
  note.defects.push(...defects.list);
  return note;
}
