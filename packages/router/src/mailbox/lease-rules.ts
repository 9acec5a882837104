/**
 * The MailBox contract's rules for a lease request, as code every store runs (the state machine
 * of the memory and file stores, and stores of their own such as `@mailroute/queue-postgres`):
 * which requests are refused, and how many units one lease may take per destination.
 */
import { mailBoxError } from './errors.js';
import type { LeaseRequest } from './types.js';

function isCount(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0;
}

/** Refuses a malformed lease request (`MAILBOX_INVALID`) before anything is leased. */
export function validateLeaseRequest(req: LeaseRequest): void {
  if (!req || typeof req.owner !== 'string' || req.owner === '')
    throw mailBoxError('MAILBOX_INVALID', 'a lease needs an owner');
  if (!Number.isFinite(req.nowMs)) throw mailBoxError('MAILBOX_INVALID', 'nowMs is not a time');
  if (!Number.isFinite(req.leaseMs) || req.leaseMs <= 0)
    throw mailBoxError('MAILBOX_INVALID', 'leaseMs must be positive');
  if (!isCount(req.limit)) throw mailBoxError('MAILBOX_INVALID', 'limit must be a count');
  if (req.perDestinationLimit !== undefined && !isCount(req.perDestinationLimit))
    throw mailBoxError('MAILBOX_INVALID', 'perDestinationLimit must be a count');
  const room = req.destinationRoom;
  if (room === undefined) return;
  if (room === null || typeof room !== 'object' || Array.isArray(room))
    throw mailBoxError('MAILBOX_INVALID', 'destinationRoom must map destinations to counts');
  for (const [destination, n] of Object.entries(room))
    if (!isCount(n))
      throw mailBoxError('MAILBOX_INVALID', `destinationRoom of ${destination} must be a count`);
}

/**
 * How many units a (validated) lease may take for `destination`: its `destinationRoom` when
 * given, else `perDestinationLimit`, else `Infinity` (no bound but `limit`).
 */
export function leaseRoom(req: LeaseRequest, destination: string): number {
  const room = req.destinationRoom;
  // Own keys only: a destination named like an Object.prototype member has no room of its own.
  if (room !== undefined && Object.hasOwn(room, destination)) return room[destination]!;
  return req.perDestinationLimit ?? Number.POSITIVE_INFINITY;
}
