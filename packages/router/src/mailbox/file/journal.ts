/**
 * The journal writer: frames appended to numbered segment files with group commit. Callers
 * append frames at any time; one O_DSYNC write carries every frame that arrived while the
 * previous flush was running, so fifty concurrent enqueues cost a handful of fsyncs, not fifty.
 *
 * Positions are handed out at append time (segment number and offset), which is what lets a
 * frame's inline bodies be read back from the segment later without an index.
 */
import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { join } from 'node:path';
import { syncPath } from '../../durable-files.js';
import type { EncodedFrame, FrameSource } from './frames.js';

/** Appends that are durable when the write returns (O_DSYNC: data and the metadata to reach it). */
const SEGMENT_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_DSYNC;

/** The file name of segment `n`: fixed width, so names sort in order. */
export function segmentName(n: number): string {
  return `${String(n).padStart(12, '0')}.log`;
}

/** The number of a segment file name, or undefined for any other file. */
export function segmentNumber(name: string): number | undefined {
  const m = /^(\d{12})\.log$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** Where an appended frame went, and its promise of durability. */
export interface Appended {
  readonly segment: number;
  readonly offset: number;
  /** Resolves once the frame (and everything appended before it) is on disk. */
  readonly durable: Promise<void>;
}

interface Entry {
  readonly segment: number;
  readonly frame: EncodedFrame;
  readonly syncDirectory: boolean;
  resolve(): void;
  reject(e: unknown): void;
}

/** Counters for the benchmark and the operator. */
export interface JournalStats {
  /** Frames written. */
  frames: number;
  /** Flushes of the journal (O_DSYNC writes), each carrying one batch. */
  flushes: number;
  /** fsync calls on directories (new body files, new segments). */
  directorySyncs: number;
  /** Bytes written. */
  bytes: number;
}

/** Appends frames to `<journalDir>/<segment>.log`, rolling at `segmentMaxBytes`. */
export class JournalWriter {
  readonly stats: JournalStats = { frames: 0, flushes: 0, directorySyncs: 0, bytes: 0 };
  private handle: FileHandle | undefined;
  private fileSegment = -1;
  private segment: number;
  private offset = 0;
  private queue: Entry[] = [];
  private running: Promise<void> | undefined;
  private failure: unknown;

  constructor(
    private readonly journalDir: string,
    private readonly bodiesDir: string,
    firstSegment: number,
    private readonly segmentMaxBytes: number,
  ) {
    this.segment = firstSegment;
  }

  /** The segment new frames go to. */
  get currentSegment(): number {
    return this.segment;
  }

  /** The error that broke the writer, if one did: every later append fails with it. */
  get failed(): unknown {
    return this.failure;
  }

  /**
   * Queues a frame. `syncDirectory` asks for the body directory to be flushed first (the frame
   * names a body file just made), so a durable frame never names a file the disk forgot.
   */
  append(frame: EncodedFrame, syncDirectory = false): Appended {
    if (this.failure !== undefined) return { segment: -1, offset: -1, durable: Promise.reject(this.failure) };
    if (this.offset > 0 && this.offset + frame.bytes > this.segmentMaxBytes) this.roll();
    const segment = this.segment;
    const offset = this.offset;
    this.offset += frame.bytes;
    let resolve!: () => void;
    let reject!: (e: unknown) => void;
    const durable = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.queue.push({ segment, frame, syncDirectory, resolve, reject });
    this.running ??= this.run();
    return { segment, offset, durable };
  }

  /** Sends the next frames to a new segment (a snapshot covers everything before it). */
  roll(): number {
    this.segment++;
    this.offset = 0;
    return this.segment;
  }

  /** Resolves when everything appended so far is durable (or the writer failed). */
  async drain(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Waits for pending frames and closes the segment file. */
  async close(): Promise<void> {
    await this.drain();
    await this.handle?.close().catch(() => {});
    this.handle = undefined;
  }

  private async run(): Promise<void> {
    try {
      while (this.queue.length > 0 && this.failure === undefined) {
        const batch = this.queue;
        this.queue = [];
        try {
          await this.flush(batch);
          for (const e of batch) e.resolve();
        } catch (err) {
          this.failure = err;
          for (const e of batch) e.reject(err);
        }
      }
      for (const e of this.queue.splice(0)) e.reject(this.failure);
    } finally {
      this.running = undefined;
    }
  }

  private async flush(batch: readonly Entry[]): Promise<void> {
    if (batch.some((e) => e.syncDirectory)) await this.syncDirectory(this.bodiesDir);
    let buffers: Uint8Array[] = [];
    let bytes = 0;
    for (const e of batch) {
      if (e.segment !== this.fileSegment) {
        await this.write(buffers, bytes);
        buffers = [];
        bytes = 0;
        await this.openSegment(e.segment);
      }
      buffers.push(...e.frame.buffers);
      bytes += e.frame.bytes;
      this.stats.frames++;
    }
    await this.write(buffers, bytes);
  }

  private async write(buffers: Uint8Array[], bytes: number): Promise<void> {
    if (bytes === 0 || !this.handle) return;
    // One writev per batch on a file opened O_APPEND|O_DSYNC: the call returns once the bytes
    // (and the size that reaches them) are on disk, as write + fdatasync would, in one trip to
    // the thread pool instead of two (libuv repeats short writes).
    const { bytesWritten } = await this.handle.writev(buffers);
    if (bytesWritten !== bytes) throw new Error(`short journal write: ${bytesWritten} of ${bytes} bytes`);
    this.stats.flushes++;
    this.stats.bytes += bytes;
  }

  private async openSegment(segment: number): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
    this.handle = await open(join(this.journalDir, segmentName(segment)), SEGMENT_FLAGS, 0o600);
    this.fileSegment = segment;
    await this.syncDirectory(this.journalDir);
  }

  private async syncDirectory(path: string): Promise<void> {
    await syncPath(path);
    this.stats.directorySyncs++;
  }
}

/** Random access to a segment file for recovery, read ahead in 1 MB windows. */
export async function openFrameSource(path: string): Promise<FrameSource & { close(): Promise<void> }> {
  const handle = await open(path, 'r');
  const size = (await handle.stat()).size;
  const windowBytes = 1024 * 1024;
  let windowStart = 0;
  let window = Buffer.alloc(0);
  return {
    size,
    async read(offset: number, length: number): Promise<Buffer> {
      if (offset >= windowStart && offset + length <= windowStart + window.length)
        return window.subarray(offset - windowStart, offset - windowStart + length);
      const want = Math.max(length, windowBytes);
      const buf = Buffer.allocUnsafe(Math.min(want, Math.max(0, size - offset)));
      let got = 0;
      while (got < buf.length) {
        const { bytesRead } = await handle.read(buf, got, buf.length - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      windowStart = offset;
      window = buf.subarray(0, got);
      return window.subarray(0, Math.min(length, got));
    },
    close: () => handle.close(),
  };
}
