/**
 * A message body as it is handed to the store: bytes, or a stream of chunks (the SMTP DATA
 * stream), read once. The store copies each chunk, since a caller may reuse its buffer.
 */
import { mailBoxError } from './errors.js';
import type { NewMessage } from './types.js';

/** The chunks of a body, each copied, read in order: for MailBox implementations reading `NewMessage.body`. */
export async function* bodyChunks(body: NewMessage['body']): AsyncGenerator<Uint8Array> {
  if (body instanceof Uint8Array) {
    yield body.slice();
    return;
  }
  if (body === null || typeof body !== 'object' || !(Symbol.asyncIterator in body))
    throw mailBoxError('MAILBOX_INVALID', 'a body is a Uint8Array or an AsyncIterable<Uint8Array>');
  for await (const chunk of body) {
    if (!(chunk instanceof Uint8Array))
      throw mailBoxError('MAILBOX_INVALID', 'a body stream yields Uint8Array chunks');
    if (chunk.byteLength > 0) yield chunk.slice();
  }
}

/** Chunks as one buffer: a single chunk is used as it is (a view, no copy), several are joined. */
export function joinChunks(chunks: readonly Uint8Array[]): Buffer {
  const only = chunks.length === 1 ? chunks[0] : undefined;
  return only !== undefined
    ? Buffer.from(only.buffer, only.byteOffset, only.byteLength)
    : Buffer.concat(chunks);
}
