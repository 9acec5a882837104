/**
 * The file store's recovery and snapshots: what is on disk back into a state machine on open
 * (load the snapshot, replay the journal after it, cut off a torn tail, check every live body
 * is there, sweep stray body files), and the snapshot's lines.
 */
import { readdirSync, rmSync } from 'node:fs';
import { open, stat, truncate, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock, Logger } from '@mailroute/envelope';
import { mailBoxError } from '../errors.js';
import { deepFreeze, durableRecipient, MailBoxState, type MessageRecord } from '../state.js';
import type { QueueId } from '../types.js';
import { readFrame } from './frames.js';
import { openFrameSource, segmentName, segmentNumber } from './journal.js';
import type { BodyRef, Frame, MessageMeta, SnapshotHeader } from './records.js';

/** The journal's directory in the store. */
export const JOURNAL_DIR = 'journal';
/** Large bodies' directory in the store. */
export const BODIES_DIR = 'bodies';
/** The snapshot's file name in the store. */
export const SNAPSHOT = 'snapshot.jsonl';

/** What recovery found. */
export interface Recovered {
  readonly state: MailBoxState<BodyRef>;
  /** The first segment the next writer may use. */
  readonly nextSegment: number;
  /** The segment the current snapshot starts replay at. */
  readonly snapshotSegment: number;
  readonly frames: number;
  readonly tornBytes: number;
  readonly missingBodies: number;
}

/** The snapshot as lines: a header, then one message per line. */
export function snapshotLines(state: MailBoxState<BodyRef>, segment: number): string[] {
  const dropped: [string, QueueId, number][] = [];
  for (const [key, k] of state.keys)
    if (k.droppedAtMs !== undefined) dropped.push([key, k.id, k.droppedAtMs]);
  const header: SnapshotHeader = {
    t: 'snapshot',
    version: 1,
    segment,
    lastId: state.lastId(),
    messages: state.messages.size,
    droppedKeys: dropped,
  };
  const lines = [JSON.stringify(header)];
  for (const m of state.messages.values()) {
    const meta: MessageMeta = {
      id: m.id,
      envelope: m.envelope,
      arrivalMs: m.arrivalMs,
      ...(m.messageId !== undefined ? { messageId: m.messageId } : {}),
      sizeBytes: m.sizeBytes,
      ...(m.idempotencyKey !== undefined ? { key: m.idempotencyKey } : {}),
      rcpts: m.recipients.map(durableRecipient),
      body: m.body,
    };
    lines.push(JSON.stringify(meta));
  }
  return lines;
}

function recordOf(meta: MessageMeta, body: BodyRef): MessageRecord<BodyRef> {
  return {
    id: meta.id,
    envelope: deepFreeze(meta.envelope),
    arrivalMs: meta.arrivalMs,
    messageId: meta.messageId,
    sizeBytes: meta.sizeBytes,
    // The records were just parsed from the store's own files: owned, so not copied.
    recipients: meta.rcpts.map((rec) => {
      if (rec.route !== undefined) deepFreeze(rec.route);
      if (Array.isArray(rec.notify)) Object.freeze(rec.notify);
      return rec;
    }),
    idempotencyKey: meta.key,
    body,
    visible: true,
  };
}

function inlineRef(meta: MessageMeta, segment: number, bodyStart: number): BodyRef {
  const b = meta.body;
  return 'inline' in b ? { seg: segment, off: bodyStart + b.inline, len: b.len } : b;
}

/** Loads the snapshot, replays the journal after it and cuts off a torn tail. */
export async function recover(directory: string, clock: Clock, logger: Logger): Promise<Recovered> {
  const state = new MailBoxState<BodyRef>();
  const journalDir = join(directory, JOURNAL_DIR);
  const bodiesDir = join(directory, BODIES_DIR);
  rmSync(join(directory, `${SNAPSHOT}.tmp`), { force: true });
  let snapshotSegment = 0;
  let text: string | undefined;
  try {
    const handle = await open(join(directory, SNAPSHOT), 'r');
    try {
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
      throw mailBoxError('MAILBOX_IO', 'cannot read the snapshot', e);
  }
  if (text !== undefined) {
    const lines = text.split('\n').filter((l) => l !== '');
    let header: SnapshotHeader;
    try {
      header = JSON.parse(lines[0] ?? '') as SnapshotHeader;
      if (header.t !== 'snapshot' || header.version !== 1 || lines.length - 1 !== header.messages)
        throw new Error('not a whole version 1 snapshot');
      for (const line of lines.slice(1)) {
        const meta = JSON.parse(line) as MessageMeta;
        state.insert(recordOf(meta, meta.body as BodyRef));
      }
    } catch (e) {
      throw mailBoxError('MAILBOX_CORRUPT', `the snapshot in ${directory} is damaged`, e);
    }
    snapshotSegment = header.segment;
    if (header.lastId) state.noteId(header.lastId);
    for (const [key, id, droppedAtMs] of header.droppedKeys) state.keys.set(key, { id, droppedAtMs });
  }
  const segments = readdirSync(journalDir)
    .map(segmentNumber)
    .filter((n): n is number => n !== undefined)
    .sort((a, b) => a - b);
  const replay = segments.filter((n) => n >= snapshotSegment);
  let frames = 0;
  let tornBytes = 0;
  for (const [i, seg] of replay.entries()) {
    const path = join(journalDir, segmentName(seg));
    const source = await openFrameSource(path);
    let offset = 0;
    try {
      for (;;) {
        const read = await readFrame(source, offset);
        if (read.kind === 'end') break;
        if (read.kind === 'torn') {
          if (i !== replay.length - 1)
            throw mailBoxError(
              'MAILBOX_CORRUPT',
              `journal segment ${seg} is damaged at ${offset} (${read.why})`,
            );
          tornBytes = source.size - offset;
          logger.warn(
            { segment: seg, offset, bytes: tornBytes, why: read.why },
            'cut off a torn journal tail',
          );
          break;
        }
        apply(state, read.meta as Frame, seg, read.bodyStart);
        frames++;
        offset = read.end;
      }
    } finally {
      await source.close();
    }
    if (tornBytes > 0) await truncate(path, offset);
  }
  // Every live body must be there; a missing one means the disk lost what it acknowledged.
  let missingBodies = 0;
  const liveFiles = new Set<string>();
  const segmentSizes = new Map<number, number>(); // one stat per segment, not per message
  for (const m of [...state.messages.values()]) {
    const b = m.body;
    const path = 'file' in b ? join(bodiesDir, b.file) : join(journalDir, segmentName(b.seg));
    const need = 'file' in b ? b.len : b.off + b.len;
    let size = 'file' in b ? undefined : segmentSizes.get(b.seg);
    if (size === undefined) {
      size = await stat(path).then(
        (st) => st.size,
        () => -1,
      );
      if (!('file' in b)) segmentSizes.set(b.seg, size);
    }
    if (size < need) {
      missingBodies++;
      logger.error({ id: m.id, path }, 'a queued message lost its body: it is removed from the queue');
      state.drop(m.id, clock.now());
      continue;
    }
    if ('file' in b) liveFiles.add(b.file);
  }
  for (const name of readdirSync(bodiesDir))
    if (!liveFiles.has(name)) await unlink(join(bodiesDir, name)).catch(() => {});
  const last = segments.length > 0 ? segments[segments.length - 1]! : -1;
  return {
    state,
    nextSegment: Math.max(last + 1, snapshotSegment),
    snapshotSegment,
    frames,
    tornBytes,
    missingBodies,
  };
}

function apply(state: MailBoxState<BodyRef>, frame: Frame, segment: number, bodyStart: number): void {
  switch (frame.t) {
    case 'enq':
      state.insert(recordOf(frame.m, inlineRef(frame.m, segment, bodyStart)));
      return;
    case 'set':
      state.replay(frame.id, frame.rcpts, frame.at);
      for (const r of frame.reports ?? []) state.insert(recordOf(r, inlineRef(r, segment, bodyStart)));
      return;
    case 'rm':
      state.drop(frame.id, frame.at);
      return;
  }
}
