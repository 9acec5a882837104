/**
 * The Router's running counts since start, named after Domino's `show stat Mail` statistics
 * (Mail.Delivered, Mail.Transferred, Mail.TransferFailures, ...). Issue 17's operator view adds
 * the store's counts by state beside them.
 */

/** Counts since the Router started. */
export interface RouterCounters {
  /** Mail.Delivered: recipients delivered into mail files. */
  delivered: number;
  /** Mail.Transferred: recipients handed to the next hop. */
  transferred: number;
  /** Mail.TransferFailures: transfer attempts that failed for the whole destination. */
  transferFailures: number;
  /** Recipients that failed for good (with or without a report). */
  failed: number;
  /** Recipients deferred for a later attempt. */
  deferred: number;
  /** Reports (DSNs) enqueued. */
  reports: number;
  /** Reports created DEAD (RouterDSNForNULLReversePath=0, or an undeliverable report). */
  dead: number;
}

/** All zero. */
export function newCounters(): RouterCounters {
  return { delivered: 0, transferred: 0, transferFailures: 0, failed: 0, deferred: 0, reports: 0, dead: 0 };
}
