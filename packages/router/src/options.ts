/**
 * The Router's options with their Domino names, their defaults and their checks. A limit that is
 * 0, negative, NaN or not an integer is a configuration error (thrown once, at `createRouter`),
 * never "no limit": a zero thread count would queue mail forever in silence.
 */
import { totalmem } from 'node:os';
import { MailrouteError } from '@mailroute/envelope';
import { DEFAULT_TRANSFER_RETRY_INTERVAL_MS } from './work/retry-schedule.js';

/** Domino's `RouterDSNForNULLReversePath`: what to do with a report whose sender path is `<>`. */
export type NullReversePathReports = 0 | 1 | 2;

/** The tunables of the Router (every field optional; see {@link resolveTuning} for defaults). */
export interface RouterTuning {
  /**
   * notes.ini `NSF_BUFFER_POOL_SIZE_MB`: the base of Domino's thread formula. Default a quarter
   * of the machine's memory, capped at 1,024 MB (64-bit Domino's own default rule).
   */
  readonly bufferPoolSizeMB?: number;
  /** Configuration Settings "Maximum delivery threads". Default `3 + bufferPoolSizeMB/32`, at most 25. */
  readonly maxDeliveryThreads?: number;
  /** Configuration Settings "Maximum transfer threads". Default `3 + bufferPoolSizeMB/32`, at most 25. */
  readonly maxTransferThreads?: number;
  /**
   * Configuration Settings "Maximum concurrent transfer threads": how many transfer threads may
   * send to one destination at once (the per-destination concurrency limit). Default half the
   * transfer threads (at least 1).
   */
  readonly maxConcurrentTransferThreads?: number;
  /**
   * notes.ini `RouterMaxConcurrentDeliverySize` (bytes): messages larger than this are delivered
   * by one delivery thread at a time, so a huge message to a big group holds one thread and one
   * copy in memory. Default none (every message may use every thread).
   */
  readonly maxConcurrentDeliverySizeBytes?: number;
  /** Configuration Settings "Initial transfer retry interval". Default 15 minutes. */
  readonly initialTransferRetryIntervalMs?: number;
  /**
   * How long a message may wait before its recipients fail with a report (RFC 5321 §4.5.4.1:
   * give up no sooner than 4-5 days). Default 5 days. Domino's "Maximum message hop count"-style
   * settings do not cover this; its mail.box keeps pending mail until an administrator acts.
   */
  readonly expiryMs?: number;
  /**
   * After how long a waiting recipient that asked for NOTIFY=DELAY gets one delay report
   * (RFC 3461), when DSN is enabled. Default 4 hours; `Infinity` sends none.
   */
  readonly delayReportAfterMs?: number;
  /** How long a lease lasts before another node may take the work again. Default 10 minutes. */
  readonly leaseMs?: number;
  /** How often the queue is looked at when nothing wakes the Router sooner. Default 5 seconds. */
  readonly pollIntervalMs?: number;
  /** How long `stop()` waits for running work before aborting it. Default 30 seconds. */
  readonly stopTimeoutMs?: number;
}

/** {@link RouterTuning} with every default filled in. */
export interface ResolvedTuning {
  readonly maxDeliveryThreads: number;
  readonly maxTransferThreads: number;
  readonly maxConcurrentTransferThreads: number;
  readonly maxConcurrentDeliverySizeBytes: number;
  readonly initialTransferRetryIntervalMs: number;
  readonly expiryMs: number;
  readonly delayReportAfterMs: number;
  readonly leaseMs: number;
  readonly pollIntervalMs: number;
  readonly stopTimeoutMs: number;
}

/** RFC 5321 §4.5.4.1's floor for giving up: 4 days. */
export const MIN_EXPIRY_MS = 4 * 24 * 3600 * 1000;

function positive(name: string, value: number | undefined, fallback: number, integer: boolean): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0 || (integer && !Number.isInteger(value)))
    throw new MailrouteError(
      'ROUTER_BAD_OPTION',
      `${name} must be a positive ${integer ? 'integer' : 'number'}`,
    );
  return value;
}

/** Domino's default thread count: `3 + BufferPoolSizeMB/32`, at most 25. */
export function dominoThreadCount(bufferPoolSizeMB: number): number {
  return Math.min(25, 3 + Math.floor(bufferPoolSizeMB / 32));
}

/** Fills in the defaults and checks every value; throws `ROUTER_BAD_OPTION` on a bad one. */
export function resolveTuning(t: RouterTuning = {}): ResolvedTuning {
  const pool = positive(
    'bufferPoolSizeMB',
    t.bufferPoolSizeMB,
    Math.min(1024, Math.floor(totalmem() / 4 / 1024 / 1024)),
    false,
  );
  const threads = dominoThreadCount(pool);
  const maxTransferThreads = positive('maxTransferThreads', t.maxTransferThreads, threads, true);
  const expiryMs = positive('expiryMs', t.expiryMs, 5 * 24 * 3600 * 1000, false);
  return {
    maxDeliveryThreads: positive('maxDeliveryThreads', t.maxDeliveryThreads, threads, true),
    maxTransferThreads,
    maxConcurrentTransferThreads: positive(
      'maxConcurrentTransferThreads',
      t.maxConcurrentTransferThreads,
      Math.max(1, Math.floor(maxTransferThreads / 2)),
      true,
    ),
    maxConcurrentDeliverySizeBytes: positive(
      'maxConcurrentDeliverySizeBytes',
      t.maxConcurrentDeliverySizeBytes,
      Number.POSITIVE_INFINITY,
      false,
    ),
    initialTransferRetryIntervalMs: positive(
      'initialTransferRetryIntervalMs',
      t.initialTransferRetryIntervalMs,
      DEFAULT_TRANSFER_RETRY_INTERVAL_MS,
      false,
    ),
    expiryMs,
    delayReportAfterMs: positive('delayReportAfterMs', t.delayReportAfterMs, 4 * 3600 * 1000, false),
    leaseMs: positive('leaseMs', t.leaseMs, 10 * 60 * 1000, false),
    pollIntervalMs: positive('pollIntervalMs', t.pollIntervalMs, 5000, false),
    stopTimeoutMs: positive('stopTimeoutMs', t.stopTimeoutMs, 30_000, false),
  };
}
