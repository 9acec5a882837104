/**
 * Wake-ups from the store: a MailBox shared by several nodes (PostgreSQL's LISTEN/NOTIFY) can say
 * when work became due on any node, so a Router looks at the queue then instead of at its next
 * poll. A burst of signals (one per enqueue of a busy node) becomes one look: they are gathered
 * until the current task ends, and the Router's own pump already folds a look asked for while
 * one runs into a single rerun. Stores without `onWork` (the file store, the memory store) are
 * left to the poll and to the Router's own submits, as before.
 */
import type { MailBox } from './mailbox/types.js';

/**
 * Subscribes `wake` to the store's work signal; returns the unsubscribe function (a no-op for a
 * store without one). `wake` runs at most once per task, however many signals came in it.
 */
export function subscribeToStoreWork(mailBox: MailBox, wake: () => void): () => void {
  if (typeof mailBox.onWork !== 'function') return () => {};
  let queued = false;
  let subscribed = true;
  const unsubscribe = mailBox.onWork(() => {
    if (queued || !subscribed) return;
    queued = true;
    queueMicrotask(() => {
      queued = false;
      if (subscribed) wake();
    });
  });
  return () => {
    subscribed = false;
    unsubscribe();
  };
}
