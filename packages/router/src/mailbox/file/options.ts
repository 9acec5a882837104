/**
 * The file store's options (with their defaults and checks), its counters, and the settings the
 * store runs with once they are resolved.
 */
import { join } from 'node:path';
import { type Clock, type Logger, silentLogger, systemClock } from '@mailroute/envelope';
import { mailBoxError } from '../errors.js';
import { DEFAULT_KEY_RETENTION_MS } from '../memory.js';
import type { MailBox } from '../types.js';
import { BODIES_DIR, JOURNAL_DIR } from './recovery.js';

/** Options of {@link createFileMailBox}. */
export interface FileMailBoxOptions {
  /** The store's directory (Domino: the server's mail.box); made if missing. One process at a time. */
  readonly directory: string;
  /** Makes queue ids and dates key records; default the system clock. */
  readonly clock?: Clock | undefined;
  /** Recovery and I/O failures are logged here; default silent. */
  readonly logger?: Logger | undefined;
  /** How long an idempotency key is remembered after its message left; default 7 days. */
  readonly keyRetentionMs?: number | undefined;
  /**
   * Bodies up to this size go into the journal frame with their envelope (one write, shared
   * flush); larger ones into a file of their own, streamed, never held whole. Default 256 KiB.
   */
  readonly inlineBodyMaxBytes?: number | undefined;
  /** A journal segment is closed and a new one started past this size. Default 64 MiB. */
  readonly segmentMaxBytes?: number | undefined;
  /** A snapshot is written after this many journal bytes (and on close). Default 64 MiB. */
  readonly snapshotAfterBytes?: number | undefined;
  /**
   * Inline bodies of queued messages kept in memory (up to this many bytes in all) so a transfer
   * does not read them back from the journal. Default 32 MiB; a positive integer.
   */
  readonly bodyCacheBytes?: number | undefined;
}

/** What the file store counts (for the benchmark and the operator). */
export interface FileMailBoxStats {
  /** Journal frames written. */
  readonly frames: number;
  /** Journal flushes (one O_DSYNC write each, carrying a batch of frames). */
  readonly journalFlushes: number;
  /** fsyncs of directories (new body files, new segments, snapshots). */
  readonly directorySyncs: number;
  /** Bodies written to their own file (each fsynced once). */
  readonly bodyFiles: number;
  /** Snapshots written. */
  readonly snapshots: number;
  /** What the last open found: frames replayed and a torn tail cut off. */
  readonly recovery: { readonly frames: number; readonly tornBytes: number; readonly missingBodies: number };
}

/** The file store: a {@link MailBox} with counters. */
export interface FileMailBox extends MailBox {
  /** Counters since open. */
  stats(): FileMailBoxStats;
}

export function positiveOption(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v <= 0)
    throw mailBoxError('MAILBOX_INVALID', `${name} must be a positive integer`);
  return v;
}

/** The resolved options and paths a store runs with. */
export interface Settings {
  readonly directory: string;
  readonly journalDir: string;
  readonly bodiesDir: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly retentionMs: number;
  readonly inlineMax: number;
  readonly segmentMax: number;
  readonly snapshotAfter: number;
  readonly bodyCacheBytes: number;
}

/** Checks the options and fills in the defaults; throws MAILBOX_INVALID on a bad one. */
export function resolveSettings(options: FileMailBoxOptions): Settings {
  if (!options || typeof options.directory !== 'string' || options.directory === '')
    throw mailBoxError('MAILBOX_INVALID', 'createFileMailBox needs a directory');
  const directory = options.directory;
  const clock = options.clock ?? systemClock;
  const logger = (options.logger ?? silentLogger).child({ component: 'mailbox', store: 'file', directory });
  const retentionMs = positiveOption(options.keyRetentionMs, DEFAULT_KEY_RETENTION_MS, 'keyRetentionMs');
  const inlineMax = positiveOption(options.inlineBodyMaxBytes, 256 * 1024, 'inlineBodyMaxBytes');
  const segmentMax = positiveOption(options.segmentMaxBytes, 64 * 1024 * 1024, 'segmentMaxBytes');
  const snapshotAfter = positiveOption(options.snapshotAfterBytes, 64 * 1024 * 1024, 'snapshotAfterBytes');
  const bodyCacheBytes = positiveOption(options.bodyCacheBytes, 32 * 1024 * 1024, 'bodyCacheBytes');
  const journalDir = join(directory, JOURNAL_DIR);
  const bodiesDir = join(directory, BODIES_DIR);
  return {
    directory,
    journalDir,
    bodiesDir,
    clock,
    logger,
    retentionMs,
    inlineMax,
    segmentMax,
    snapshotAfter,
    bodyCacheBytes,
  };
}
