/**
 * Adapts a Node Writable (a file stream, a socket, a hash) to an {@link AttachmentSink} with
 * backpressure: a write the Writable cannot take at once waits for 'drain', so the parser reads
 * no further until the disk has caught up.
 */

import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { AttachmentSink } from './options.js';

/** An attachment sink writing into `writable`; `end()` resolves when the writable has finished. */
export function writableSink(writable: Writable): AttachmentSink {
  return {
    async write(chunk: Buffer): Promise<void> {
      if (!writable.write(chunk)) await once(writable, 'drain');
    },
    async end(): Promise<void> {
      writable.end();
      if (!writable.writableFinished) await once(writable, 'finish');
    },
  };
}
