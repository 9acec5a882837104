/**
 * What every file of the MailBox conformance suite shares: the fixture and options types, fixed
 * times (the suite never reads a clock), message builders and small readers of the store.
 */
import assert from 'node:assert/strict';
import type { MailBox, NewMessage, NewRecipient, QueuedMessage, QueuedRecipient, QueueId } from '../types.js';

/** One fresh, empty store for one test, and how to open it again. */
export interface MailBoxFixture {
  /** The store under test, empty. The suite closes it. */
  readonly mailBox: MailBox;
  /**
   * For durable stores: opens the same store again, after the suite closed `mailBox`. Leave it
   * out for a store that forgets everything on close (the memory store); the durability tests
   * are then skipped.
   */
  readonly reopen?: (() => Promise<MailBox>) | undefined;
  /** Removes what the fixture made (a directory, a schema); called once the test is over. */
  readonly cleanup?: (() => Promise<void>) | undefined;
}

/** Options of {@link mailBoxConformance}. */
export interface MailBoxConformanceOptions {
  /** The size of the large-body test; default 50 MB (52,428,800 bytes). 0 skips it. */
  readonly largeBodyBytes?: number | undefined;
  /**
   * When set, the large body must stream in and out without the process's memory (RSS) growing
   * by more than this many bytes: the store does not hold the body whole. Leave it out for a
   * store that keeps bodies in memory.
   */
  readonly largeBodyMaxGrowthBytes?: number | undefined;
}

export const T0 = 1_767_000_000_000; // a fixed arrival time (epoch ms): the suite never reads a clock
export const MINUTE = 60_000;

const enc = new TextEncoder();

/** A small RFC 5322 message. */
export function messageBytes(n: number | string): Uint8Array {
  return enc.encode(`From: a@example.com\r\nSubject: test ${n}\r\n\r\nbody ${n}\r\n`);
}

export function msg(
  n: number | string,
  recipients: readonly (Partial<NewRecipient> & { destination: string })[],
  extra: Partial<NewMessage> = {},
): NewMessage {
  return {
    envelope: { mailFrom: 'a@example.com' },
    arrivalMs: T0,
    recipients: recipients.map((r, i) => ({ address: `r${i}@${r.destination}`, ...r })),
    body: messageBytes(n),
    ...extra,
  };
}

export async function readAll(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of body) parts.push(c);
  return Buffer.concat(parts);
}

export async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) {
    await Promise.resolve();
    yield bytes.subarray(i, i + size);
  }
}

export function states(m: QueuedMessage | undefined): string[] {
  assert.ok(m, 'the message is in the store');
  return m.recipients.map((r) => r.state);
}

export async function recipient(box: MailBox, id: QueueId, index: number): Promise<QueuedRecipient> {
  const m = await box.get(id);
  assert.ok(m, `message ${id} is in the store`);
  const r = m.recipients[index];
  assert.ok(r, `recipient ${index} is there`);
  return r;
}

/** What a message looks like without its leases (a reopened store may have dropped them). */
export function withoutLeases(m: QueuedMessage | undefined): unknown {
  if (!m) return m;
  return {
    ...m,
    recipients: m.recipients.map((r) => {
      const { leaseOwner: _o, leaseExpiresMs: _e, ...rest } = r;
      return { ...rest, state: r.state === 'in-flight' ? 'waiting' : r.state };
    }),
  };
}

/** Wraps one test's body: a fresh store from the factory, closed and cleaned up whatever happens. */
export type WithBox = (body: (box: MailBox, fixture: MailBoxFixture) => Promise<void>) => () => Promise<void>;
