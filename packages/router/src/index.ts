/**
 * @mailroute/router: Domino's Router. A message lands in mail.box (a {@link MailBox}); the Router
 * decides per recipient where it goes, delivers or transfers it, retries on Domino's schedule and
 * reports what failed (RFC 3464).
 *
 * @packageDocumentation
 */

export { type MailBoxErrorCode, mailBoxError } from './mailbox/errors.js';
export {
  createFileMailBox,
  type FileMailBox,
  type FileMailBoxOptions,
  type FileMailBoxStats,
} from './mailbox/file/store.js';
export {
  createMemoryMailBox,
  DEFAULT_KEY_RETENTION_MS,
  type MemoryMailBoxOptions,
} from './mailbox/memory.js';
export {
  type DestinationCount,
  FINAL_RECIPIENT_STATES,
  type JsonValue,
  type LeasedMessage,
  type LeaseRequest,
  type ListFilter,
  type MailBox,
  type MailBoxCounts,
  type NewMessage,
  type NewRecipient,
  type QueuedEnvelope,
  type QueuedMessage,
  type QueuedRecipient,
  type QueueId,
  type RecipientOutcome,
  type RecipientState,
  type Settlement,
  type StoredReply,
} from './mailbox/types.js';
