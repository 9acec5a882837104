/**
 * The file store's MailBox operations: each change lands in memory (`MailBoxState`) and as one
 * frame in the journal, in the same order, and is answered once the frame is durable. The
 * neighbours hold the rest: options and defaults (`options.ts`), replay on open (`recovery.ts`),
 * snapshots and segment deletion (`snapshots.ts`), bodies (`bodies.ts`).
 */
import { mkdirSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { mailBoxError } from '../errors.js';
import {
  durableRecipient,
  type MailBoxState,
  type MessageRecord,
  messageView,
  type RecipientRecord,
  validateNewMessage,
} from '../state.js';
import type {
  JsonValue,
  LeasedMessage,
  LeaseRequest,
  ListFilter,
  MailBoxCounts,
  NewMessage,
  QueuedMessage,
  QueueId,
  Settlement,
} from '../types.js';
import { discardBody, type Intake, intakeBody, readBodyFile } from './bodies.js';
import { BodyCache } from './body-cache.js';
import { encodeFrame } from './frames.js';
import { JournalWriter, segmentName } from './journal.js';
import { type DirectoryLock, lockDirectory } from './lock.js';
import { placeMessage, prepareMessage } from './new-message.js';
import {
  type FileMailBox,
  type FileMailBoxOptions,
  type FileMailBoxStats,
  resolveSettings,
  type Settings,
} from './options.js';
import type { BodyRef, Frame, MessageMeta } from './records.js';
import { type Recovered, recover } from './recovery.js';
import { Snapshots } from './snapshots.js';

export type { FileMailBox, FileMailBoxOptions, FileMailBoxStats } from './options.js';

/** Opens (and recovers) the store in `options.directory`. */
export async function createFileMailBox(options: FileMailBoxOptions): Promise<FileMailBox> {
  const settings = resolveSettings(options);
  const { directory, journalDir, bodiesDir, clock, logger } = settings;
  try {
    mkdirSync(journalDir, { recursive: true, mode: 0o700 });
    mkdirSync(bodiesDir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw mailBoxError('MAILBOX_IO', `cannot make ${directory}`, e);
  }
  const lock = lockDirectory(directory);
  try {
    const recovered = await recover(directory, clock, logger);
    return new FileStore(settings, lock, recovered).start();
  } catch (e) {
    lock.release();
    throw e;
  }
}

class FileStore implements FileMailBox {
  private readonly state: MailBoxState<BodyRef>;
  private readonly writer: JournalWriter;
  private readonly snapshots: Snapshots;
  /** Enqueues not yet durable, for a second enqueue with the same key. */
  private readonly pending = new Map<QueueId, Promise<void>>();
  private closed = false;
  private closing: Promise<void> | undefined;
  private lastDurable: Promise<void> = Promise.resolve();
  private counters = { bodyFiles: 0 };
  private readonly recovery: FileMailBoxStats['recovery'];
  private readonly bodyCache: BodyCache;

  constructor(
    private readonly s: Settings,
    private readonly lock: DirectoryLock,
    recovered: Recovered,
  ) {
    this.state = recovered.state;
    this.bodyCache = new BodyCache(s.bodyCacheBytes);
    this.writer = new JournalWriter(s.journalDir, s.bodiesDir, recovered.nextSegment, s.segmentMax);
    this.snapshots = new Snapshots(
      s,
      this.state,
      this.writer,
      recovered.snapshotSegment,
      () => this.barrier(),
      () => this.closed,
    );
    this.recovery = {
      frames: recovered.frames,
      tornBytes: recovered.tornBytes,
      missingBodies: recovered.missingBodies,
    };
    for (const m of this.state.messages.values()) this.refBody(m.body, 1);
  }

  /** After recovery: a snapshot of what was replayed, so the next open starts from it. */
  async start(): Promise<this> {
    if (this.recovery.frames > 0 || this.recovery.tornBytes > 0) await this.snapshots.snapshot();
    else await this.snapshots.collectGarbage();
    return this;
  }

  stats(): FileMailBoxStats {
    const j = this.writer.stats;
    return {
      frames: j.frames,
      journalFlushes: j.flushes,
      directorySyncs: j.directorySyncs + this.snapshots.counters.directorySyncs,
      bodyFiles: this.counters.bodyFiles,
      snapshots: this.snapshots.counters.snapshots,
      recovery: this.recovery,
    };
  }

  // ---- the MailBox ----

  async enqueue(message: NewMessage): Promise<QueueId> {
    this.usable();
    validateNewMessage(message);
    const known = await this.keyed(message.idempotencyKey);
    if (known !== undefined) return known;
    const body = await this.intake(message.body);
    try {
      this.usable();
    } catch (e) {
      await this.discard(body);
      throw e;
    }
    // Checked again without an await before the insert: another enqueue with the key may have
    // been stored while this body was read.
    if (this.state.keyed(message.idempotencyKey) !== undefined) {
      await this.discard(body);
      return (await this.keyed(message.idempotencyKey))!;
    }
    const at = this.s.clock.now();
    const { meta, bodies, record } = prepareMessage(this.state.nextId(this.s.clock.now()), message, body);
    const encoded = encodeFrame({ t: 'enq', at, m: meta } satisfies Frame, bodies);
    const appended = this.writer.append(encoded, 'file' in body);
    const stored = placeMessage(record, meta, appended.segment, appended.offset, encoded.bodyStart);
    this.state.insert(stored);
    this.refBody(stored.body, 1);
    const durable = this.track(appended.durable);
    this.pending.set(stored.id, durable);
    try {
      await durable;
    } finally {
      this.pending.delete(stored.id);
    }
    stored.visible = true;
    // Cached only once durable and visible: what is read from the cache is what recovery would read.
    if (!('file' in body)) this.bodyCache.put(stored.id, body.chunks, body.len);
    this.afterCommit();
    return stored.id;
  }

  async lease(request: LeaseRequest): Promise<LeasedMessage[]> {
    this.usable();
    return this.state.lease(request);
  }

  async settle(settlement: Settlement): Promise<void> {
    this.usable();
    this.state.validateSettlement(settlement);
    const reports = settlement.reports ?? [];
    for (const r of reports) validateNewMessage(r);
    const intakes: (Intake | undefined)[] = [];
    try {
      for (const r of reports)
        intakes.push(
          (await this.keyed(r.idempotencyKey)) === undefined ? await this.intake(r.body) : undefined,
        );
      this.usable();
      this.state.validateSettlement(settlement);
    } catch (e) {
      for (const b of intakes) if (b) await this.discard(b);
      throw e;
    }
    // From here to the append nothing awaits: the frame lands in the journal in the same order
    // as its change lands in memory, which is what makes replay reproduce the state.
    const at = this.s.clock.now();
    const body = this.state.visible(settlement.id)?.body;
    const result = this.state.settle(settlement, at);
    const unused: Intake[] = [];
    // Reports: skip those whose key is stored by now; the rest become part of this frame.
    const metas: MessageMeta[] = [];
    const records: Omit<MessageRecord<BodyRef>, 'body' | 'visible'>[] = [];
    const inline: Uint8Array[] = [];
    let inlineBytes = 0;
    let newFile = false;
    const seen = new Set<string>();
    for (let i = 0; i < reports.length; i++) {
      const r = reports[i]!;
      const intake = intakes[i];
      if (!intake) continue;
      const key = r.idempotencyKey;
      if ((key !== undefined && seen.has(key)) || this.state.keyed(key) !== undefined) {
        unused.push(intake);
        continue;
      }
      if (key !== undefined) seen.add(key);
      const p = prepareMessage(this.state.nextId(this.s.clock.now()), r, intake, inlineBytes);
      for (const b of p.bodies) {
        inline.push(b);
        inlineBytes += b.byteLength;
      }
      if ('file' in intake) newFile = true;
      metas.push(p.meta);
      records.push(p.record);
    }
    if (result.changes.length === 0 && metas.length === 0) {
      for (const u of unused) await this.discard(u);
      await this.barrier();
      return;
    }
    const frame: Frame = {
      t: 'set',
      at,
      id: settlement.id,
      rcpts: result.changes.map(durableRecipient),
      ...(metas.length > 0 ? { reports: metas } : {}),
    };
    const encoded = encodeFrame(frame, inline);
    const appended = this.writer.append(encoded, newFile);
    const placed = records.map((rec, i) =>
      placeMessage(rec, metas[i]!, appended.segment, appended.offset, encoded.bodyStart),
    );
    for (const p of placed) {
      this.state.insert(p);
      this.refBody(p.body, 1);
    }
    if (result.dropped) this.bodyCache.delete(settlement.id);
    // Tracked before anything awaits, so a snapshot started meanwhile waits for this frame too.
    const durable = this.track(appended.durable);
    for (const u of unused) await this.discard(u);
    await durable;
    for (const p of placed) p.visible = true;
    if (result.dropped && body) await this.letBodyGo(body);
    this.afterCommit();
  }

  async *openBody(id: QueueId): AsyncIterable<Uint8Array> {
    this.usableForReading();
    const m = this.state.visible(id);
    if (!m) throw mailBoxError('MAILBOX_NOT_FOUND', `no message ${String(id)}`);
    const cached = this.bodyCache.get(id);
    if (cached !== undefined) {
      // Already in memory: one chunk, so a reader that wants the whole body needs no copy.
      yield cached;
      return;
    }
    const ref = m.body;
    const path =
      'file' in ref ? join(this.s.bodiesDir, ref.file) : join(this.s.journalDir, segmentName(ref.seg));
    yield* readBodyFile(
      id,
      path,
      'file' in ref ? 0 : ref.off,
      ref.len,
      () => this.state.visible(id) !== undefined,
    );
  }

  async get(id: QueueId): Promise<QueuedMessage | undefined> {
    this.usableForReading();
    const m = this.state.visible(id);
    return m ? messageView(m) : undefined;
  }

  async list(filter?: ListFilter): Promise<QueuedMessage[]> {
    this.usableForReading();
    return this.state.list(filter);
  }

  async counts(): Promise<MailBoxCounts> {
    this.usableForReading();
    return this.state.counts();
  }

  async hold(id: QueueId, indexes?: readonly number[]): Promise<void> {
    this.usable();
    const at = this.s.clock.now();
    await this.record(id, this.state.hold(id, indexes, at), at);
  }

  async release(id: QueueId, nowMs: number, indexes?: readonly number[]): Promise<void> {
    this.usable();
    await this.record(id, this.state.release(id, nowMs, indexes), this.s.clock.now());
  }

  async reroute(
    id: QueueId,
    index: number,
    destination: string,
    route: JsonValue | undefined,
    nowMs: number,
  ): Promise<void> {
    this.usable();
    await this.record(id, this.state.reroute(id, index, destination, route, nowMs), this.s.clock.now());
  }

  async remove(id: QueueId): Promise<void> {
    this.usable();
    const m = this.state.visible(id);
    if (!m) {
      await this.barrier();
      return;
    }
    const at = this.s.clock.now();
    const appended = this.writer.append(encodeFrame({ t: 'rm', at, id } satisfies Frame, []));
    this.state.drop(id, at);
    this.bodyCache.delete(id);
    await this.track(appended.durable);
    await this.letBodyGo(m.body);
    this.afterCommit();
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  // ---- durability ----

  private async shutdown(): Promise<void> {
    this.closed = true;
    try {
      await this.writer.drain();
      while (this.snapshots.snapshotting) await this.snapshots.snapshotting;
      if (this.writer.failed === undefined && this.snapshots.behind) await this.snapshots.snapshot();
    } catch (e) {
      this.s.logger.error({ err: String(e) }, 'closing the mail box: the last snapshot was not written');
    } finally {
      await this.writer.close();
      this.lock.release();
    }
  }

  /** Resolves when every change appended so far is durable. */
  private barrier(): Promise<void> {
    return this.lastDurable;
  }

  /** Remembers a frame's durability as the latest, and maps I/O failures to MAILBOX_IO. */
  private track(durable: Promise<void>): Promise<void> {
    const mapped = durable.catch((e: unknown) => {
      this.s.logger.error(
        { err: String(e) },
        'journal write failed: the mail box refuses changes until reopened',
      );
      throw mailBoxError('MAILBOX_IO', 'the mail box journal could not be written', e);
    });
    this.lastDurable = mapped.catch(() => {});
    return mapped;
  }

  /** Journals a change the state machine already made (hold, release, reroute: never a drop). */
  private async record(id: QueueId, result: { changes: RecipientRecord[] }, at: number): Promise<void> {
    if (result.changes.length === 0) {
      await this.barrier();
      return;
    }
    const appended = this.writer.append(
      encodeFrame({ t: 'set', at, id, rcpts: result.changes.map(durableRecipient) } satisfies Frame, []),
    );
    await this.track(appended.durable);
    this.afterCommit();
  }

  /** Counts a live body in its segment (see `Snapshots`: a segment with one is kept). */
  private refBody(body: BodyRef, delta: number): void {
    this.snapshots.refBody(body, delta);
  }

  /**
   * A dropped message's body, once the frame that dropped it is durable (never before: until
   * then a crash brings the message back, and its body must still be there). An inline body
   * stops holding its segment; a body file is deleted.
   */
  private async letBodyGo(body: BodyRef): Promise<void> {
    this.refBody(body, -1);
    if (!('file' in body)) return;
    await unlink(join(this.s.bodiesDir, body.file)).catch((e: unknown) =>
      this.s.logger.warn({ err: String(e), file: body.file }, 'could not delete a body file; recovery will'),
    );
  }

  /** A change is durable: a snapshot is due when the journal has grown enough. */
  private afterCommit(): void {
    this.snapshots.afterCommit();
  }

  // ---- bodies ----

  /** Reads a body: small ones into memory, large ones streamed to a synced file. */
  private async intake(source: NewMessage['body']): Promise<Intake> {
    const body = await intakeBody(source, this.s.bodiesDir, this.s.inlineMax);
    if ('file' in body) this.counters.bodyFiles++;
    return body;
  }

  private async discard(body: Intake): Promise<void> {
    await discardBody(body, this.s.bodiesDir);
  }

  /** A key's message id, once that message is durable. */
  private async keyed(key: string | undefined): Promise<QueueId | undefined> {
    const id = this.state.keyed(key);
    if (id === undefined) return undefined;
    const pending = this.pending.get(id);
    if (pending) await pending;
    return id;
  }

  private usable(): void {
    if (this.closed) throw mailBoxError('MAILBOX_CLOSED', 'the mail box is closed');
    if (this.writer.failed !== undefined)
      throw mailBoxError(
        'MAILBOX_IO',
        'the mail box journal failed; close and reopen it',
        this.writer.failed,
      );
  }

  private usableForReading(): void {
    if (this.closed) throw mailBoxError('MAILBOX_CLOSED', 'the mail box is closed');
  }
}
