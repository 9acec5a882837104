/**
 * The bounded queue between the socket and the backend's `data` reader. The session pushes
 * decoded chunks; when more than `highWater` octets wait, `push` says so and the session stops
 * reading the socket until the backend has taken them. Memory per message in flight is thus
 * about `highWater` plus one socket read, whatever the message size.
 */
import type { MessageStream } from './backend.js';

/** Default octets queued for the backend before the socket is paused. */
export const DEFAULT_HIGH_WATER = 256 * 1024;

/** The producer side of a {@link MessageStream}. */
export class MessageQueue implements MessageStream {
  private chunks: Buffer[] = [];
  private queued = 0;
  private ended = false;
  private failure: Error | undefined;
  private abandoned = false;
  private wakeReader: (() => void) | undefined;
  private wakeWriter: (() => void) | undefined;
  bytesRead = 0;

  constructor(private readonly highWater = DEFAULT_HIGH_WATER) {}

  /** Queues a chunk (copied when it is a view into a reused buffer is the caller's business). */
  push(chunk: Buffer): boolean {
    if (this.abandoned || this.ended || chunk.length === 0) return !this.full;
    this.chunks.push(chunk);
    this.queued += chunk.length;
    this.wake();
    return !this.full;
  }

  /** True while more than the high-water mark waits. */
  get full(): boolean {
    return !this.abandoned && this.queued > this.highWater;
  }

  /** Resolves when the queue is below the high-water mark again (or the reader went away). */
  drained(): Promise<void> {
    if (!this.full) return Promise.resolve();
    return new Promise((resolve) => {
      this.wakeWriter = resolve;
    });
  }

  /** The message is complete. */
  end(): void {
    this.ended = true;
    this.wake();
  }

  /** The message is refused while arriving: the reader's next step throws `error`. */
  fail(error: Error): void {
    if (this.ended) return;
    this.failure = error;
    this.ended = true;
    this.chunks = [];
    this.queued = 0;
    this.wake();
  }

  /** The reader is gone (returned early): drop everything from now on. */
  abandon(): void {
    this.abandoned = true;
    this.chunks = [];
    this.queued = 0;
    this.wake();
  }

  private wake(): void {
    const r = this.wakeReader;
    this.wakeReader = undefined;
    r?.();
    if (!this.full) {
      const w = this.wakeWriter;
      this.wakeWriter = undefined;
      w?.();
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    try {
      for (;;) {
        if (this.chunks.length > 0) {
          // Hand over everything queued at once: fewer awaits on the hot path.
          const batch = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.queued);
          this.chunks = [];
          this.queued = 0;
          this.bytesRead += batch.length;
          this.wake();
          yield batch;
          continue;
        }
        if (this.failure !== undefined) throw this.failure;
        if (this.ended || this.abandoned) return;
        await new Promise<void>((resolve) => {
          this.wakeReader = resolve;
        });
      }
    } finally {
      if (!this.ended) this.abandon();
    }
  }
}
