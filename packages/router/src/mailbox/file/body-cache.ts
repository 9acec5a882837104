/**
 * Bodies of messages just enqueued, kept in memory until the message leaves. A relay transfers
 * most mail seconds after it arrived, and reading a body back from the journal costs an open, a
 * read and a close on the thread pool per transfer (twice when the SMTP client first looks at the
 * content): measured as the largest main-thread cost of a relayed message after the socket writes.
 * The copy here is the same bytes the journal made durable; the journal stays the truth after a
 * restart. Bounded by bytes: when full, new bodies are not cached (the oldest, leased first, keep
 * their place) and are read from disk as before.
 */
import { joinChunks } from '../body.js';
import type { QueueId } from '../types.js';

export class BodyCache {
  private readonly bodies = new Map<QueueId, Buffer>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  /**
   * Keeps the body if it fits. `chunks` are the store's own copies (its intake copied the caller's
   * bytes, so a caller that reuses its buffers changes nothing here); a body in one chunk is kept
   * as it is, a 100 KB copy less per message, several are joined into one buffer.
   */
  put(id: QueueId, chunks: readonly Uint8Array[], len: number): void {
    if (len > this.maxBytes - this.bytes || this.bodies.has(id)) return;
    this.bodies.set(id, joinChunks(chunks));
    this.bytes += len;
  }

  get(id: QueueId): Buffer | undefined {
    return this.bodies.get(id);
  }

  delete(id: QueueId): void {
    const b = this.bodies.get(id);
    if (b === undefined) return;
    this.bodies.delete(id);
    this.bytes -= b.byteLength;
  }

  /** Bytes held now. */
  get size(): number {
    return this.bytes;
  }
}
