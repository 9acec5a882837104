/**
 * The file store's snapshots and the journal segments they let go. Kept apart from `store.ts`
 * (the MailBox operations) because this is the store's housekeeping: it runs beside the traffic,
 * on its own schedule, and its one rule (a segment goes only when a durable snapshot covers it
 * and no live inline body is in it) is easier to check in one place.
 */
import { open, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { syncPath } from '../../durable-files.js';
import type { MailBoxState } from '../state.js';
import { type JournalWriter, segmentNumber } from './journal.js';
import type { Settings } from './options.js';
import type { BodyRef } from './records.js';
import { SNAPSHOT, snapshotLines } from './recovery.js';

/** Writes snapshots when the journal has grown enough, and deletes the segments they cover. */
export class Snapshots {
  /** Live inline bodies per segment: a segment is deleted when none is left and a snapshot covers it. */
  private readonly segmentRefs = new Map<number, number>();
  private snapshotSegment: number;
  private bytesAtSnapshot = 0;
  /** The snapshot being written, if one is: closing waits for it. */
  snapshotting: Promise<void> | undefined;
  readonly counters = { snapshots: 0, directorySyncs: 0 };

  constructor(
    private readonly s: Settings,
    private readonly state: MailBoxState<BodyRef>,
    private readonly writer: JournalWriter,
    snapshotSegment: number,
    /** Resolves when every change appended so far is durable (the store's barrier). */
    private readonly barrier: () => Promise<void>,
    /** The store is closing: no snapshot is started after a commit (closing writes the last). */
    private readonly closed: () => boolean,
  ) {
    this.snapshotSegment = snapshotSegment;
  }

  /** Frames were written since the last snapshot (closing writes one then). */
  get behind(): boolean {
    return this.writer.stats.bytes > this.bytesAtSnapshot;
  }

  refBody(body: BodyRef, delta: number): void {
    if ('file' in body) return;
    const n = (this.segmentRefs.get(body.seg) ?? 0) + delta;
    if (n <= 0) this.segmentRefs.delete(body.seg);
    else this.segmentRefs.set(body.seg, n);
  }

  afterCommit(): void {
    if (this.snapshotting || this.closed()) return;
    if (this.writer.stats.bytes - this.bytesAtSnapshot < this.s.snapshotAfter) return;
    this.snapshot().catch((e: unknown) =>
      this.s.logger.error(
        { err: String(e) },
        'snapshot failed; the journal keeps growing until one succeeds',
      ),
    );
  }

  /**
   * Writes a snapshot of the state as of now: the writer rolls to a new segment at once, so the
   * snapshot holds exactly the frames of the older segments; it is renamed into place only after
   * those frames are durable. Then segments no longer needed are deleted.
   */
  snapshot(): Promise<void> {
    const run = async (): Promise<void> => {
      const segment = this.writer.roll();
      this.bytesAtSnapshot = this.writer.stats.bytes;
      this.state.pruneKeys(this.s.clock.now(), this.s.retentionMs);
      const lines = snapshotLines(this.state, segment);
      // Only the frames before the roll must be durable. Waiting for the writer to drain
      // instead starved the snapshot under steady traffic (the writer is never idle then).
      await this.barrier();
      if (this.writer.failed !== undefined) throw this.writer.failed;
      const tmp = join(this.s.directory, `${SNAPSHOT}.tmp`);
      const handle = await open(tmp, 'w', 0o600);
      try {
        for (let i = 0; i < lines.length; i += 1000)
          await handle.write(`${lines.slice(i, i + 1000).join('\n')}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, join(this.s.directory, SNAPSHOT));
      await syncPath(this.s.directory);
      this.counters.directorySyncs++;
      this.counters.snapshots++;
      this.snapshotSegment = segment;
      await this.collectGarbage();
    };
    const p = run().finally(() => {
      this.snapshotting = undefined;
    });
    this.snapshotting = p;
    return p;
  }

  /** Deletes segments the snapshot covers that hold no live body. */
  async collectGarbage(): Promise<void> {
    for (const name of await readdir(this.s.journalDir)) {
      const n = segmentNumber(name);
      if (n === undefined || n >= this.snapshotSegment || this.segmentRefs.has(n)) continue;
      await unlink(join(this.s.journalDir, name)).catch(() => {});
    }
  }
}
