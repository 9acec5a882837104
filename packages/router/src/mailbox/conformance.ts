/**
 * The MailBox conformance suite: the contract of `types.ts` as tests for Node's test runner.
 * Every store runs it unchanged (the memory store, the file store, `@mailroute/queue-postgres`):
 *
 * ```ts
 * import { mailBoxConformance } from '@mailroute/router/conformance';
 * mailBoxConformance('my store', async () => ({ mailBox: await openMyStore(), reopen, cleanup }));
 * ```
 *
 * It is a separate entry point (`@mailroute/router/conformance`) because it imports `node:test`.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import type { MailBox, NewMessage, NewRecipient, QueuedMessage, QueuedRecipient, QueueId } from './types.js';

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

const T0 = 1_767_000_000_000; // a fixed arrival time (epoch ms): the suite never reads a clock
const MINUTE = 60_000;

const enc = new TextEncoder();

/** A small RFC 5322 message. */
function messageBytes(n: number | string): Uint8Array {
  return enc.encode(`From: a@example.com\r\nSubject: test ${n}\r\n\r\nbody ${n}\r\n`);
}

function msg(
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

async function readAll(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of body) parts.push(c);
  return Buffer.concat(parts);
}

async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) {
    await Promise.resolve();
    yield bytes.subarray(i, i + size);
  }
}

function states(m: QueuedMessage | undefined): string[] {
  assert.ok(m, 'the message is in the store');
  return m.recipients.map((r) => r.state);
}

async function recipient(box: MailBox, id: QueueId, index: number): Promise<QueuedRecipient> {
  const m = await box.get(id);
  assert.ok(m, `message ${id} is in the store`);
  const r = m.recipients[index];
  assert.ok(r, `recipient ${index} is there`);
  return r;
}

/** A deterministic pseudo-random generator (mulberry32), so a failing run repeats. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What a message looks like without its leases (a reopened store may have dropped them). */
function withoutLeases(m: QueuedMessage | undefined): unknown {
  if (!m) return m;
  return {
    ...m,
    recipients: m.recipients.map((r) => {
      const { leaseOwner: _o, leaseExpiresMs: _e, ...rest } = r;
      return { ...rest, state: r.state === 'in-flight' ? 'waiting' : r.state };
    }),
  };
}

/**
 * Registers the conformance tests of a MailBox implementation under `describe(name)`. `factory`
 * is called once per test and must give an empty store.
 */
export function mailBoxConformance(
  name: string,
  factory: () => Promise<MailBoxFixture>,
  options: MailBoxConformanceOptions = {},
): void {
  const largeBodyBytes = options.largeBodyBytes ?? 50 * 1024 * 1024;

  /** Runs `body` with a fresh store, then closes and cleans up whatever happens. */
  const withBox =
    (body: (box: MailBox, fixture: MailBoxFixture) => Promise<void>) => async (): Promise<void> => {
      const fixture = await factory();
      try {
        await body(fixture.mailBox, fixture);
      } finally {
        await fixture.mailBox.close().catch(() => {});
        await fixture.cleanup?.();
      }
    };

  describe(`MailBox conformance: ${name}`, () => {
    describe('enqueue', () => {
      test(
        'stores the envelope, recipients and body; ids are letters and digits, in arrival order',
        withBox(async (box) => {
          const id1 = await box.enqueue(
            msg(
              1,
              [{ destination: 'example.net', orcpt: 'rfc822;x@example.net', notify: ['FAILURE', 'DELAY'] }],
              {
                envelope: { mailFrom: '', envid: 'E1', ret: 'HDRS', body: '8BITMIME', isReport: true },
                messageId: '<1@example.com>',
              },
            ),
          );
          const id2 = await box.enqueue(
            msg(2, [{ destination: 'local', route: { mailFile: 'mail/jd.nsf' } }]),
          );
          assert.match(id1, /^[A-Za-z0-9]+$/);
          assert.notEqual(id1, id2);
          assert.ok(id1 < id2, 'queue ids sort in arrival order');
          const m = await box.get(id1);
          assert.ok(m);
          assert.equal(m.id, id1);
          assert.deepEqual(m.envelope, {
            mailFrom: '',
            envid: 'E1',
            ret: 'HDRS',
            body: '8BITMIME',
            isReport: true,
          });
          assert.equal(m.arrivalMs, T0);
          assert.equal(m.messageId, '<1@example.com>');
          assert.equal(m.sizeBytes, messageBytes(1).length);
          assert.equal(m.recipients.length, 1);
          const r = m.recipients[0]!;
          assert.equal(r.index, 0);
          assert.equal(r.address, 'r0@example.net');
          assert.equal(r.orcpt, 'rfc822;x@example.net');
          assert.deepEqual(r.notify, ['FAILURE', 'DELAY']);
          assert.equal(r.destination, 'example.net');
          assert.equal(r.state, 'waiting');
          assert.equal(r.attempts, 0);
          assert.ok(r.nextAttemptMs <= T0, 'a new recipient is due at once');
          assert.deepEqual((await recipient(box, id2, 0)).route, { mailFile: 'mail/jd.nsf' });
          assert.deepEqual(await readAll(box.openBody(id1)), Buffer.from(messageBytes(1)));
        }),
      );

      test(
        'takes the body as a stream of chunks and stores it byte for byte',
        withBox(async (box) => {
          const bytes = new Uint8Array(300_001);
          for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + 13) & 0xff;
          const id = await box.enqueue(msg(0, [{ destination: 'd' }], { body: chunked(bytes, 4096) }));
          assert.equal((await box.get(id))?.sizeBytes, bytes.length);
          assert.deepEqual(await readAll(box.openBody(id)), Buffer.from(bytes));
          const empty = await box.enqueue(msg(0, [{ destination: 'd' }], { body: new Uint8Array(0) }));
          assert.equal((await box.get(empty))?.sizeBytes, 0);
          assert.equal((await readAll(box.openBody(empty))).length, 0);
        }),
      );

      test(
        'stores one body and a state per recipient (1,000 recipients)',
        withBox(async (box) => {
          const rcpts = Array.from({ length: 1000 }, (_, i) => ({ destination: `d${i % 7}` }));
          const id = await box.enqueue(msg(0, rcpts));
          const m = await box.get(id);
          assert.ok(m);
          assert.equal(m.recipients.length, 1000);
          assert.deepEqual(
            m.recipients.map((r) => r.index),
            rcpts.map((_, i) => i),
          );
          const c = await box.counts();
          assert.equal(c.messages, 1);
          assert.equal(c.recipients.waiting, 1000);
          assert.equal(c.destinations.length, 7);
        }),
      );

      test(
        'is atomic: a body stream that fails stores nothing',
        withBox(async (box) => {
          async function* broken(): AsyncGenerator<Uint8Array> {
            yield messageBytes(1);
            throw new Error('connection reset');
          }
          await assert.rejects(box.enqueue(msg(0, [{ destination: 'd' }], { body: broken() })));
          assert.equal((await box.counts()).messages, 0);
          assert.deepEqual(await box.list(), []);
        }),
      );

      test(
        'refuses a message without recipients with MAILBOX_INVALID',
        withBox(async (box) => {
          await assert.rejects(box.enqueue(msg(0, [])), { code: 'MAILBOX_INVALID' });
          assert.equal((await box.counts()).messages, 0);
        }),
      );

      test(
        'starts recipients held or dead when asked; those are not due',
        withBox(async (box) => {
          const id = await box.enqueue(
            msg(0, [
              { destination: 'd', state: 'held' },
              { destination: 'd', state: 'dead' },
            ]),
          );
          assert.deepEqual(states(await box.get(id)), ['held', 'dead']);
          assert.deepEqual(
            await box.lease({ owner: 'n1', nowMs: T0 + MINUTE, leaseMs: MINUTE, limit: 10 }),
            [],
          );
        }),
      );

      test(
        'an idempotency key makes a repeated enqueue return the first id and store nothing',
        withBox(async (box) => {
          const id = await box.enqueue(msg(1, [{ destination: 'd' }], { idempotencyKey: 'report:X:0' }));
          let read = false;
          async function* second(): AsyncGenerator<Uint8Array> {
            read = true;
            yield messageBytes(2);
          }
          const again = await box.enqueue(
            msg(2, [{ destination: 'd' }], { idempotencyKey: 'report:X:0', body: second() }),
          );
          assert.equal(again, id);
          assert.equal((await box.counts()).messages, 1);
          assert.deepEqual(await readAll(box.openBody(id)), Buffer.from(messageBytes(1)));
          assert.equal(read, false, 'the second body is not even read');
          const concurrent = await Promise.all(
            Array.from({ length: 5 }, (_, i) =>
              box.enqueue(
                msg(i, [{ destination: 'd' }], { idempotencyKey: 'same', body: chunked(messageBytes(i), 3) }),
              ),
            ),
          );
          assert.equal(new Set(concurrent).size, 1, 'concurrent enqueues with one key give one message');
          assert.equal((await box.counts()).messages, 2);
        }),
      );

      test(
        'an idempotency key is remembered after its message left the store',
        withBox(async (box) => {
          const id = await box.enqueue(msg(1, [{ destination: 'd' }], { idempotencyKey: 'k1' }));
          await box.settle({ id, owner: 'n1', outcomes: [{ index: 0, state: 'delivered', attemptMs: T0 }] });
          assert.equal(await box.get(id), undefined);
          assert.equal(await box.enqueue(msg(1, [{ destination: 'd' }], { idempotencyKey: 'k1' })), id);
          assert.equal((await box.counts()).messages, 0);
        }),
      );
    });

    describe('lease', () => {
      test(
        'leases due recipients per (message, destination), in queue-id order, marking them in-flight',
        withBox(async (box) => {
          const a = await box.enqueue(
            msg('a', [
              { destination: 'x.example' },
              { destination: 'y.example' },
              { destination: 'x.example' },
            ]),
          );
          const b = await box.enqueue(msg('b', [{ destination: 'y.example' }]));
          const leased = await box.lease({ owner: 'n1', nowMs: T0 + 1, leaseMs: MINUTE, limit: 10 });
          assert.deepEqual(
            leased.map((l) => [l.message.id, l.destination, l.recipients.map((r) => r.index)]),
            [
              [a, 'x.example', [0, 2]],
              [a, 'y.example', [1]],
              [b, 'y.example', [0]],
            ],
          );
          for (const l of leased) {
            assert.equal(l.leaseExpiresMs, T0 + 1 + MINUTE);
            for (const r of l.recipients) {
              assert.equal(r.state, 'in-flight');
              assert.equal(r.leaseOwner, 'n1');
              assert.equal(r.leaseExpiresMs, T0 + 1 + MINUTE);
            }
          }
          const r = await recipient(box, a, 1);
          assert.equal(r.state, 'in-flight');
          assert.equal(r.leaseOwner, 'n1');
          assert.deepEqual(await box.lease({ owner: 'n1', nowMs: T0 + 2, leaseMs: MINUTE, limit: 10 }), []);
        }),
      );

      test(
        'honours destinations, excludeDestinations and limit',
        withBox(async (box) => {
          for (let i = 0; i < 4; i++)
            await box.enqueue(msg(i, [{ destination: 'x' }, { destination: 'y' }, { destination: 'z' }]));
          const now = T0 + 1;
          const onlyY = await box.lease({
            owner: 'n1',
            nowMs: now,
            leaseMs: MINUTE,
            limit: 2,
            destinations: ['y'],
          });
          assert.deepEqual(
            onlyY.map((l) => l.destination),
            ['y', 'y'],
          );
          const notX = await box.lease({
            owner: 'n1',
            nowMs: now,
            leaseMs: MINUTE,
            limit: 100,
            excludeDestinations: ['x'],
          });
          assert.deepEqual(notX.map((l) => l.destination).sort(), ['y', 'y', 'z', 'z', 'z', 'z']);
          const rest = await box.lease({ owner: 'n1', nowMs: now, leaseMs: MINUTE, limit: 3 });
          assert.equal(rest.length, 3);
          assert.ok(rest.every((l) => l.destination === 'x'));
          assert.equal((await box.lease({ owner: 'n1', nowMs: now, leaseMs: MINUTE, limit: 3 })).length, 1);
          assert.deepEqual(await box.lease({ owner: 'n1', nowMs: now, leaseMs: MINUTE, limit: 0 }), []);
        }),
      );

      test(
        'a recipient is not due before its nextAttemptMs',
        withBox(async (box) => {
          const id = await box.enqueue(msg(0, [{ destination: 'd' }], { arrivalMs: T0 + 10 * MINUTE }));
          assert.deepEqual(await box.lease({ owner: 'n1', nowMs: T0, leaseMs: MINUTE, limit: 10 }), []);
          const [l] = await box.lease({ owner: 'n1', nowMs: T0 + 10 * MINUTE, leaseMs: MINUTE, limit: 10 });
          assert.equal(l?.message.id, id);
        }),
      );

      test(
        'work that falls due after an empty lease is found (new, released, rerouted, deferred, expired)',
        withBox(async (box) => {
          const later = await box.enqueue(msg(0, [{ destination: 'd' }], { arrivalMs: T0 + 60 * MINUTE }));
          const lease = (nowMs: number) => box.lease({ owner: 'n1', nowMs, leaseMs: MINUTE, limit: 10 });
          assert.deepEqual(await lease(T0), []);
          const fresh = await box.enqueue(msg(1, [{ destination: 'd' }]));
          assert.deepEqual(
            (await lease(T0)).map((l) => l.message.id),
            [fresh],
          );
          const held = await box.enqueue(msg(2, [{ destination: 'd', state: 'held' }]));
          assert.deepEqual(await lease(T0 + 1), []);
          await box.release(held, T0 + 1);
          assert.deepEqual(
            (await lease(T0 + 1)).map((l) => l.message.id),
            [held],
          );
          await box.settle({
            id: held,
            owner: 'n1',
            outcomes: [{ index: 0, state: 'waiting', nextAttemptMs: T0 + 5, attemptMs: T0 + 2 }],
          });
          assert.deepEqual(await lease(T0 + 4), []);
          assert.deepEqual(
            (await lease(T0 + 5)).map((l) => l.message.id),
            [held],
          );
          await box.reroute(later, 0, 'e', undefined, T0 + 6);
          assert.deepEqual(
            (await lease(T0 + 6)).map((l) => l.message.id),
            [later],
          );
          // Everything is in flight now; the first lease (of `fresh`) ends at T0 + 1 minute.
          assert.deepEqual(await lease(T0 + MINUTE - 1), []);
          assert.deepEqual(
            (await lease(T0 + MINUTE)).map((l) => l.message.id),
            [fresh],
          );
        }),
      );

      test(
        'concurrent lease calls never lease a recipient twice',
        withBox(async (box) => {
          for (let i = 0; i < 30; i++)
            await box.enqueue(msg(i, [{ destination: `d${i % 3}` }, { destination: 'e' }]));
          const results = await Promise.all(
            Array.from({ length: 8 }, (_, i) =>
              box.lease({ owner: `n${i}`, nowMs: T0 + 1, leaseMs: MINUTE, limit: 7 }),
            ),
          );
          const seen = new Set<string>();
          for (const units of results)
            for (const l of units)
              for (const r of l.recipients) {
                const key = `${l.message.id}/${r.index}`;
                assert.ok(!seen.has(key), `${key} leased twice`);
                seen.add(key);
              }
          assert.equal(seen.size, 56, 'eight leases of seven units take 56 of the 60 recipients');
        }),
      );

      test(
        'an expired lease is taken over; the old holder can no longer defer, but a final outcome counts',
        withBox(async (box) => {
          const id = await box.enqueue(msg(0, [{ destination: 'd' }, { destination: 'd' }]));
          await box.lease({ owner: 'n1', nowMs: T0, leaseMs: 1000, limit: 10 });
          assert.deepEqual(await box.lease({ owner: 'n2', nowMs: T0 + 999, leaseMs: 1000, limit: 10 }), []);
          const [taken] = await box.lease({ owner: 'n2', nowMs: T0 + 1000, leaseMs: 1000, limit: 10 });
          assert.ok(taken);
          assert.deepEqual(
            taken.recipients.map((r) => [r.index, r.leaseOwner]),
            [
              [0, 'n2'],
              [1, 'n2'],
            ],
          );
          await box.settle({
            id,
            owner: 'n1',
            outcomes: [
              { index: 0, state: 'waiting', nextAttemptMs: T0 + MINUTE, attemptMs: T0 + 1001 },
              { index: 1, state: 'transferred', attemptMs: T0 + 1001 },
            ],
          });
          const m = await box.get(id);
          assert.deepEqual(states(m), ['in-flight', 'transferred']);
          assert.equal(m?.recipients[0]?.leaseOwner, 'n2');
          assert.equal(m?.recipients[0]?.attempts, 0, 'the ignored deferral counted no attempt');
        }),
      );
    });

    describe('settle', () => {
      test(
        'a deferral by the lease holder waits until nextAttemptMs, counts an attempt and keeps the reply',
        withBox(async (box) => {
          const id = await box.enqueue(msg(0, [{ destination: 'd' }]));
          await box.lease({ owner: 'n1', nowMs: T0, leaseMs: MINUTE, limit: 1 });
          const reply = { code: 451, enhanced: '4.3.0', text: 'try later' };
          const settlement = {
            id,
            owner: 'n1',
            outcomes: [
              {
                index: 0,
                state: 'waiting' as const,
                nextAttemptMs: T0 + 15 * MINUTE,
                attemptMs: T0 + 5,
                reply,
                remoteMta: 'mx.example.net',
              },
            ],
          };
          await box.settle(settlement);
          let r = await recipient(box, id, 0);
          assert.equal(r.state, 'waiting');
          assert.equal(r.attempts, 1);
          assert.equal(r.nextAttemptMs, T0 + 15 * MINUTE);
          assert.equal(r.lastAttemptMs, T0 + 5);
          assert.deepEqual(r.lastReply, reply);
          assert.equal(r.remoteMta, 'mx.example.net');
          assert.equal(r.leaseOwner, undefined);
          await box.settle(settlement);
          r = await recipient(box, id, 0);
          assert.equal(r.attempts, 1, 'a repeated settlement changes nothing');
          assert.deepEqual(
            await box.lease({ owner: 'n1', nowMs: T0 + 15 * MINUTE - 1, leaseMs: MINUTE, limit: 1 }),
            [],
          );
          assert.equal(
            (await box.lease({ owner: 'n1', nowMs: T0 + 15 * MINUTE, leaseMs: MINUTE, limit: 1 })).length,
            1,
          );
        }),
      );

      test(
        'a deferral from someone without the lease is ignored',
        withBox(async (box) => {
          const id = await box.enqueue(msg(0, [{ destination: 'd' }, { destination: 'e' }]));
          await box.lease({ owner: 'n1', nowMs: T0, leaseMs: MINUTE, limit: 10, destinations: ['d'] });
          await box.settle({
            id,
            owner: 'n2',
            outcomes: [
              { index: 0, state: 'waiting', nextAttemptMs: T0 + MINUTE, attemptMs: T0 },
              { index: 1, state: 'waiting', nextAttemptMs: T0 + MINUTE, attemptMs: T0 },
            ],
          });
          const m = await box.get(id);
          assert.deepEqual(states(m), ['in-flight', 'waiting']);
          assert.equal(m?.recipients[1]?.attempts, 0);
          assert.equal(m?.recipients[1]?.nextAttemptMs, T0);
        }),
      );

      test(
        'a final state never goes back, and a repeated final settlement is harmless',
        withBox(async (box) => {
          const id = await box.enqueue(msg(0, [{ destination: 'd' }, { destination: 'e' }]));
          await box.lease({ owner: 'n1', nowMs: T0, leaseMs: MINUTE, limit: 1, destinations: ['d'] });
          const done = {
            id,
            owner: 'n1',
            outcomes: [{ index: 0, state: 'delivered' as const, attemptMs: T0 + 1 }],
          };
          await box.settle(done);
          await box.settle(done);
          await box.settle({
            id,
            owner: 'n1',
            outcomes: [
              { index: 0, state: 'waiting', nextAttemptMs: T0, attemptMs: T0 + 2 },
              { index: 0, state: 'failed', attemptMs: T0 + 2 },
              { index: 0, state: 'held', attemptMs: T0 + 2 },
            ],
          });
          await box.hold(id);
          await box.reroute(id, 0, 'elsewhere', undefined, T0 + 3);
          const r = await recipient(box, id, 0);
          assert.equal(r.state, 'delivered');
          assert.equal(r.attempts, 1);
          assert.equal(r.destination, 'd');
          assert.deepEqual(states(await box.get(id)), ['delivered', 'held']);
        }),
      );

      test(
        'a final outcome is recorded whatever the state (waiting, held, dead, leased by another)',
        withBox(async (box) => {
          const id = await box.enqueue(
            msg(0, [
              { destination: 'd' },
              { destination: 'd', state: 'held' },
              { destination: 'd', state: 'dead' },
              { destination: 'e' },
              { destination: 'f' },
            ]),
          );
          await box.lease({ owner: 'n2', nowMs: T0, leaseMs: MINUTE, limit: 10, destinations: ['e'] });
          await box.settle({
            id,
            owner: 'n1',
            outcomes: [0, 1, 2, 3].map((index) => ({ index, state: 'failed' as const, attemptMs: T0 })),
          });
          assert.deepEqual(states(await box.get(id)), ['failed', 'failed', 'failed', 'failed', 'waiting']);
        }),
      );

      test(
        'countsAsAttempt false leaves attempts; delayReported sticks',
        withBox(async (box) => {
          const id = await box.enqueue(msg(0, [{ destination: 'd' }]));
          await box.lease({ owner: 'n1', nowMs: T0, leaseMs: MINUTE, limit: 1 });
          await box.settle({
            id,
            owner: 'n1',
            outcomes: [
              {
                index: 0,
                state: 'waiting',
                nextAttemptMs: T0,
                attemptMs: T0,
                countsAsAttempt: false,
                delayReported: true,
              },
            ],
          });
          let r = await recipient(box, id, 0);
          assert.equal(r.attempts, 0);
          assert.equal(r.delayReported, true);
          await box.lease({ owner: 'n1', nowMs: T0, leaseMs: MINUTE, limit: 1 });
          await box.settle({
            id,
            owner: 'n1',
            outcomes: [{ index: 0, state: 'waiting', nextAttemptMs: T0, attemptMs: T0 + 1 }],
          });
          r = await recipient(box, id, 0);
          assert.equal(r.attempts, 1);
          assert.equal(r.delayReported, true);
        }),
      );

      test(
        'held and dead outcomes are kept for the operator; not from someone else’s lease',
        withBox(async (box) => {
          const id = await box.enqueue(msg(0, [{ destination: 'd' }, { destination: 'e' }]));
          await box.lease({ owner: 'n1', nowMs: T0, leaseMs: MINUTE, limit: 10 });
          await box.settle({ id, owner: 'n2', outcomes: [{ index: 0, state: 'held', attemptMs: T0 }] });
          assert.deepEqual(states(await box.get(id)), ['in-flight', 'in-flight']);
          await box.settle({
            id,
            owner: 'n1',
            outcomes: [
              { index: 0, state: 'held', attemptMs: T0, countsAsAttempt: false },
              { index: 1, state: 'dead', attemptMs: T0 },
            ],
          });
          assert.deepEqual(states(await box.get(id)), ['held', 'dead']);
          assert.deepEqual(
            await box.lease({ owner: 'n1', nowMs: T0 + MINUTE, leaseMs: MINUTE, limit: 10 }),
            [],
          );
        }),
      );

      test(
        'when every recipient is final the message and its body leave the store',
        withBox(async (box) => {
          const id = await box.enqueue(msg(0, [{ destination: 'd' }, { destination: 'e' }]));
          const keep = await box.enqueue(msg(1, [{ destination: 'd' }]));
          await box.settle({ id, owner: 'n1', outcomes: [{ index: 0, state: 'delivered', attemptMs: T0 }] });
          assert.ok(await box.get(id));
          await box.settle({ id, owner: 'n1', outcomes: [{ index: 1, state: 'failed', attemptMs: T0 }] });
          assert.equal(await box.get(id), undefined);
          await assert.rejects(readAll(box.openBody(id)), { code: 'MAILBOX_NOT_FOUND' });
          assert.deepEqual(
            (await box.list()).map((m) => m.id),
            [keep],
          );
          assert.equal((await box.counts()).messages, 1);
          await box.settle({ id, owner: 'n1', outcomes: [{ index: 1, state: 'failed', attemptMs: T0 }] });
        }),
      );

      test(
        'reports are enqueued with the settlement, once, even when the settlement is repeated',
        withBox(async (box) => {
          const id = await box.enqueue(msg(0, [{ destination: 'd' }, { destination: 'd' }]));
          await box.lease({ owner: 'n1', nowMs: T0, leaseMs: MINUTE, limit: 1 });
          const report = (key: string): NewMessage =>
            msg(`report ${key}`, [{ destination: 'local', address: 'a@example.com' }], {
              envelope: { mailFrom: '', isReport: true },
              idempotencyKey: key,
            });
          const settlement = {
            id,
            owner: 'n1',
            outcomes: [
              {
                index: 0,
                state: 'failed' as const,
                attemptMs: T0,
                reply: { code: 550, text: 'no such user' },
              },
              { index: 1, state: 'failed' as const, attemptMs: T0 },
            ],
            reports: [report(`dsn:${id}:0`), report(`dsn:${id}:1`)],
          };
          await box.settle(settlement);
          assert.equal(await box.get(id), undefined);
          const reports = await box.list({ destination: 'local' });
          assert.equal(reports.length, 2);
          assert.ok(reports.every((r) => r.envelope.isReport === true && r.envelope.mailFrom === ''));
          assert.deepEqual(
            (await readAll(box.openBody(reports[0]!.id))).toString(),
            Buffer.from(messageBytes(`report dsn:${id}:0`)).toString(),
          );
          await box.settle(settlement);
          assert.equal((await box.list()).length, 2, 'the repeated settlement made no second report');
        }),
      );

      test(
        'a settlement that is wrong changes nothing (MAILBOX_INVALID)',
        withBox(async (box) => {
          const id = await box.enqueue(msg(0, [{ destination: 'd' }]));
          await assert.rejects(
            box.settle({
              id,
              owner: 'n1',
              outcomes: [
                { index: 0, state: 'delivered', attemptMs: T0 },
                { index: 5, state: 'delivered', attemptMs: T0 },
              ],
            }),
            { code: 'MAILBOX_INVALID' },
          );
          await assert.rejects(
            box.settle({ id, owner: 'n1', outcomes: [{ index: 0, state: 'waiting', attemptMs: T0 }] }),
            { code: 'MAILBOX_INVALID' },
          );
          assert.deepEqual(states(await box.get(id)), ['waiting']);
        }),
      );
    });

    describe('operator actions', () => {
      test(
        'hold and release',
        withBox(async (box) => {
          const id = await box.enqueue(
            msg(0, [{ destination: 'd' }, { destination: 'd' }, { destination: 'e' }]),
          );
          await box.lease({ owner: 'n1', nowMs: T0, leaseMs: 10 * MINUTE, limit: 10, destinations: ['e'] });
          await box.hold(id, [0]);
          assert.deepEqual(states(await box.get(id)), ['held', 'waiting', 'in-flight']);
          await box.hold(id);
          await box.hold(id);
          assert.deepEqual(
            states(await box.get(id)),
            ['held', 'held', 'in-flight'],
            'in-flight is left alone',
          );
          assert.deepEqual(
            await box.lease({ owner: 'n1', nowMs: T0 + MINUTE, leaseMs: MINUTE, limit: 10 }),
            [],
          );
          await box.release(id, T0 + 5 * MINUTE, [1]);
          const r = await recipient(box, id, 1);
          assert.equal(r.state, 'waiting');
          assert.equal(r.nextAttemptMs, T0 + 5 * MINUTE);
          await box.release(id, T0 + 5 * MINUTE);
          assert.deepEqual(states(await box.get(id)), ['waiting', 'waiting', 'in-flight']);
          await assert.rejects(box.hold('NOSUCHID'), { code: 'MAILBOX_NOT_FOUND' });
          await assert.rejects(box.hold(id, [9]), { code: 'MAILBOX_NOT_FOUND' });
          await assert.rejects(box.release('NOSUCHID', T0), { code: 'MAILBOX_NOT_FOUND' });
        }),
      );

      test(
        'release makes dead recipients waiting',
        withBox(async (box) => {
          const id = await box.enqueue(msg(0, [{ destination: 'd', state: 'dead' }]));
          await box.release(id, T0 + 1);
          assert.deepEqual(states(await box.get(id)), ['waiting']);
          assert.equal((await box.lease({ owner: 'n', nowMs: T0 + 1, leaseMs: 1, limit: 1 })).length, 1);
        }),
      );

      test(
        'reroute moves a recipient to another destination and route, due now; not one in flight',
        withBox(async (box) => {
          const id = await box.enqueue(
            msg(0, [
              { destination: 'old', route: { hop: 'a' } },
              { destination: 'old', state: 'held' },
              { destination: 'x' },
            ]),
          );
          await box.reroute(id, 0, 'new', { hop: 'b' }, T0 + MINUTE);
          let r = await recipient(box, id, 0);
          assert.equal(r.destination, 'new');
          assert.deepEqual(r.route, { hop: 'b' });
          assert.equal(r.state, 'waiting');
          assert.equal(r.nextAttemptMs, T0 + MINUTE);
          await box.reroute(id, 1, 'new', undefined, T0 + MINUTE);
          r = await recipient(box, id, 1);
          assert.equal(r.state, 'waiting');
          assert.equal(r.route, undefined);
          await box.lease({ owner: 'n1', nowMs: T0, leaseMs: MINUTE, limit: 10, destinations: ['x'] });
          await assert.rejects(box.reroute(id, 2, 'new', undefined, T0), { code: 'MAILBOX_IN_FLIGHT' });
          await assert.rejects(box.reroute(id, 7, 'new', undefined, T0), { code: 'MAILBOX_NOT_FOUND' });
          const leased = await box.lease({
            owner: 'n1',
            nowMs: T0 + MINUTE,
            leaseMs: MINUTE,
            limit: 10,
            destinations: ['new'],
          });
          assert.deepEqual(
            leased.map((l) => [l.destination, l.recipients.map((x) => x.index)]),
            [['new', [0, 1]]],
          );
        }),
      );

      test(
        'remove deletes a message and its body whatever its states; again is harmless',
        withBox(async (box) => {
          const id = await box.enqueue(msg(0, [{ destination: 'd' }, { destination: 'e', state: 'held' }]));
          await box.lease({ owner: 'n1', nowMs: T0, leaseMs: MINUTE, limit: 10 });
          await box.remove(id);
          assert.equal(await box.get(id), undefined);
          await assert.rejects(readAll(box.openBody(id)), { code: 'MAILBOX_NOT_FOUND' });
          assert.deepEqual(
            await box.lease({ owner: 'n1', nowMs: T0 + 2 * MINUTE, leaseMs: MINUTE, limit: 10 }),
            [],
          );
          await box.remove(id);
          await box.settle({ id, owner: 'n1', outcomes: [{ index: 0, state: 'delivered', attemptMs: T0 }] });
          assert.equal((await box.counts()).messages, 0);
        }),
      );
    });

    describe('inspect', () => {
      test(
        'list filters by state, destination and arrival, and pages with after/limit in id order',
        withBox(async (box) => {
          const ids: QueueId[] = [];
          for (let i = 0; i < 25; i++)
            ids.push(
              await box.enqueue(
                msg(
                  i,
                  [
                    { destination: i % 2 ? 'odd' : 'even' },
                    { destination: 'all', state: i % 5 === 0 ? 'held' : 'waiting' },
                  ],
                  {
                    arrivalMs: T0 + i * MINUTE,
                  },
                ),
              ),
            );
          assert.equal((await box.list()).length, 25);
          const pages: QueueId[] = [];
          let after: QueueId | undefined;
          for (;;) {
            const page = await box.list({ limit: 10, after });
            assert.ok(page.length <= 10);
            if (page.length === 0) break;
            pages.push(...page.map((m) => m.id));
            after = page[page.length - 1]!.id;
          }
          assert.deepEqual(pages, ids);
          assert.deepEqual(
            (await box.list({ destination: 'odd' })).map((m) => m.id),
            ids.filter((_, i) => i % 2 === 1),
          );
          assert.deepEqual(
            (await box.list({ state: 'held' })).map((m) => m.id),
            ids.filter((_, i) => i % 5 === 0),
          );
          assert.deepEqual(
            await box.list({ state: 'held', destination: 'odd' }),
            [],
            'one recipient matches both',
          );
          assert.deepEqual(
            (await box.list({ arrivedBeforeMs: T0 + 3 * MINUTE })).map((m) => m.id),
            ids.slice(0, 3),
          );
          assert.deepEqual(
            (await box.list({ destination: 'even', after: ids[10], limit: 2 })).map((m) => m.id),
            [ids[12], ids[14]],
          );
          await assert.rejects(box.list({ limit: 0 }), { code: 'MAILBOX_INVALID' });
        }),
      );

      test(
        'counts by state and destination, with the earliest next attempt',
        withBox(async (box) => {
          const a = await box.enqueue(
            msg(0, [{ destination: 'x' }, { destination: 'y' }, { destination: 'y', state: 'held' }]),
          );
          await box.enqueue(msg(1, [{ destination: 'x' }], { arrivalMs: T0 + 7 }));
          await box.lease({ owner: 'n1', nowMs: T0, leaseMs: MINUTE, limit: 10, destinations: ['y'] });
          await box.settle({
            id: a,
            owner: 'n1',
            outcomes: [{ index: 1, state: 'waiting', nextAttemptMs: T0 + 99, attemptMs: T0 }],
          });
          await box.lease({ owner: 'n1', nowMs: T0, leaseMs: MINUTE, limit: 1, destinations: ['x'] });
          await box.settle({
            id: a,
            owner: 'n1',
            outcomes: [{ index: 0, state: 'transferred', attemptMs: T0 }],
          });
          const c = await box.counts();
          assert.equal(c.messages, 2);
          assert.deepEqual(c.recipients, {
            waiting: 2,
            'in-flight': 0,
            delivered: 0,
            transferred: 1,
            failed: 0,
            held: 1,
            dead: 0,
          });
          assert.deepEqual(c.destinations, [
            { destination: 'x', waiting: 1, inFlight: 0, nextAttemptMs: T0 + 7 },
            { destination: 'y', waiting: 1, inFlight: 0, nextAttemptMs: T0 + 99 },
          ]);
          await box.lease({ owner: 'n1', nowMs: T0 + 100, leaseMs: MINUTE, limit: 10, destinations: ['y'] });
          assert.deepEqual((await box.counts()).destinations[1], {
            destination: 'y',
            waiting: 0,
            inFlight: 1,
          });
        }),
      );

      test(
        'openBody is readable any number of times, also at once',
        withBox(async (box) => {
          const bytes = Buffer.alloc(200_000, 'x');
          const id = await box.enqueue(msg(0, [{ destination: 'd' }], { body: bytes }));
          const reads = await Promise.all([
            readAll(box.openBody(id)),
            readAll(box.openBody(id)),
            readAll(box.openBody(id)),
          ]);
          for (const r of reads) assert.deepEqual(r, bytes);
          assert.deepEqual(await readAll(box.openBody(id)), bytes);
          await assert.rejects(readAll(box.openBody('NOSUCHID')), { code: 'MAILBOX_NOT_FOUND' });
        }),
      );

      test(
        'a returned message is a copy: changing it changes nothing in the store',
        withBox(async (box) => {
          const id = await box.enqueue(msg(0, [{ destination: 'd', route: { a: 1 } }]));
          const m = (await box.get(id)) as unknown as {
            recipients: { state: string; destination: string }[];
          };
          m.recipients[0]!.state = 'delivered';
          m.recipients[0]!.destination = 'changed';
          const again = await recipient(box, id, 0);
          assert.equal(again.state, 'waiting');
          assert.equal(again.destination, 'd');
        }),
      );
    });

    test(
      'after close every call rejects with MAILBOX_CLOSED; close again is harmless',
      withBox(async (box) => {
        const id = await box.enqueue(msg(0, [{ destination: 'd' }]));
        await box.close();
        await box.close();
        await assert.rejects(box.enqueue(msg(1, [{ destination: 'd' }])), { code: 'MAILBOX_CLOSED' });
        await assert.rejects(box.lease({ owner: 'n', nowMs: T0, leaseMs: 1, limit: 1 }), {
          code: 'MAILBOX_CLOSED',
        });
        await assert.rejects(box.get(id), { code: 'MAILBOX_CLOSED' });
        await assert.rejects(box.settle({ id, owner: 'n', outcomes: [] }), { code: 'MAILBOX_CLOSED' });
        await assert.rejects(readAll(box.openBody(id)), { code: 'MAILBOX_CLOSED' });
      }),
    );

    test(
      'a seeded random run keeps the invariants (no double lease, finals stay, counts add up)',
      withBox(async (box) => {
        const rnd = random(16);
        const ids: QueueId[] = [];
        const finals = new Map<string, string>();
        let now = T0;
        for (let step = 0; step < 400; step++) {
          const p = rnd();
          now += Math.floor(rnd() * 2000);
          if (p < 0.3 || ids.length === 0) {
            const n = 1 + Math.floor(rnd() * 4);
            ids.push(
              await box.enqueue(
                msg(
                  step,
                  Array.from({ length: n }, () => ({ destination: `d${Math.floor(rnd() * 3)}` })),
                  { arrivalMs: now },
                ),
              ),
            );
          } else if (p < 0.6) {
            const owner = `n${Math.floor(rnd() * 2)}`;
            const units = await box.lease({
              owner,
              nowMs: now,
              leaseMs: 3000,
              limit: 1 + Math.floor(rnd() * 3),
            });
            for (const u of units) {
              const outcomes = u.recipients.map((r) => {
                const q = rnd();
                const state = q < 0.4 ? 'transferred' : q < 0.5 ? 'failed' : q < 0.6 ? 'held' : 'waiting';
                return { index: r.index, state, nextAttemptMs: now + 5000, attemptMs: now } as const;
              });
              if (rnd() < 0.8) await box.settle({ id: u.message.id, owner, outcomes });
            }
          } else if (p < 0.7) {
            const id = ids[Math.floor(rnd() * ids.length)]!;
            await box
              .release(id, now)
              .catch((e: { code?: string }) => assert.equal(e.code, 'MAILBOX_NOT_FOUND'));
          } else if (p < 0.75) {
            await box.remove(ids[Math.floor(rnd() * ids.length)]!);
          } else {
            const id = ids[Math.floor(rnd() * ids.length)]!;
            await box
              .settle({
                id,
                owner: 'operator',
                outcomes: [{ index: 0, state: rnd() < 0.5 ? 'failed' : 'dead', attemptMs: now }],
              })
              .catch((e: { code?: string }) => assert.fail(`settle: ${e.code}`));
          }
          const all = await box.list({ limit: 100_000 });
          const c = await box.counts();
          assert.equal(c.messages, all.length);
          let total = 0;
          for (const m of all)
            for (const r of m.recipients) {
              total++;
              const key = `${m.id}/${r.index}`;
              const was = finals.get(key);
              if (was) assert.equal(r.state, was, `${key} left its final state`);
              if (r.state === 'delivered' || r.state === 'transferred' || r.state === 'failed')
                finals.set(key, r.state);
              if (r.state === 'in-flight') assert.ok(r.leaseOwner && r.leaseExpiresMs !== undefined);
            }
          assert.equal(
            Object.values(c.recipients).reduce((a, b) => a + b, 0),
            total,
          );
          assert.ok(
            all.every((m) =>
              m.recipients.some((r) => !['delivered', 'transferred', 'failed'].includes(r.state)),
            ),
          );
        }
      }),
    );

    describe('durability', () => {
      test('reopen after close keeps everything', async (t) => {
        const fixture = await factory();
        try {
          if (!fixture.reopen) {
            t.skip('the store is not durable');
            return;
          }
          let box = fixture.mailBox;
          const a = await box.enqueue(
            msg('a', [{ destination: 'x' }, { destination: 'y' }], { idempotencyKey: 'ka' }),
          );
          const b = await box.enqueue(
            msg('b', [{ destination: 'w', route: { n: 1 } }], {
              messageId: '<b@x>',
              body: chunked(Buffer.alloc(70_000, 'b'), 1000),
            }),
          );
          const c = await box.enqueue(msg('c', [{ destination: 'x' }], { idempotencyKey: 'kc' }));
          const d = await box.enqueue(msg('d', [{ destination: 'z' }, { destination: 'z' }]));
          await box.lease({ owner: 'n1', nowMs: T0, leaseMs: MINUTE, limit: 10, destinations: ['x', 'z'] });
          await box.settle({
            id: a,
            owner: 'n1',
            outcomes: [
              {
                index: 0,
                state: 'waiting',
                nextAttemptMs: T0 + MINUTE,
                attemptMs: T0,
                reply: { code: 421, text: 'busy' },
              },
            ],
          });
          await box.settle({
            id: c,
            owner: 'n1',
            outcomes: [{ index: 0, state: 'failed', attemptMs: T0 }],
            reports: [msg('report c', [{ destination: 'local' }], { idempotencyKey: 'dsn:c' })],
          });
          await box.settle({
            id: d,
            owner: 'n1',
            outcomes: [{ index: 0, state: 'delivered', attemptMs: T0 }],
          });
          await box.hold(a, [1]);
          await box.reroute(b, 0, 'x2', { n: 2 }, T0 + 1);
          const before = await box.list({ limit: 1000 });
          const bodies = new Map<string, Buffer>();
          for (const m of before) bodies.set(m.id, await readAll(box.openBody(m.id)));
          await box.close();
          box = await fixture.reopen();
          try {
            const after = await box.list({ limit: 1000 });
            assert.deepEqual(after.map(withoutLeases), before.map(withoutLeases));
            for (const m of after) assert.deepEqual(await readAll(box.openBody(m.id)), bodies.get(m.id));
            assert.equal(await box.get(c), undefined);
            assert.equal(await box.enqueue(msg('c', [{ destination: 'x' }], { idempotencyKey: 'kc' })), c);
            assert.equal(await box.enqueue(msg('a', [{ destination: 'x' }], { idempotencyKey: 'ka' })), a);
            const e = await box.enqueue(msg('e', [{ destination: 'x' }]));
            assert.ok(e > d, 'new ids sort after the old ones');
            // In-flight work of the closed store is leasable again once its lease has run out.
            const units = await box.lease({
              owner: 'n2',
              nowMs: T0 + 2 * MINUTE,
              leaseMs: MINUTE,
              limit: 100,
            });
            assert.ok(units.some((u) => u.message.id === d && u.recipients[0]?.index === 1));
          } finally {
            await box.close();
          }
        } finally {
          await fixture.mailBox.close().catch(() => {});
          await fixture.cleanup?.();
        }
      });
    });

    test(
      `a large body (${largeBodyBytes} bytes) streams in and out intact`,
      { skip: largeBodyBytes === 0 ? 'largeBodyBytes is 0' : false },
      withBox(async (box) => {
        const chunk = 64 * 1024;
        const rnd = random(50);
        const pattern = new Uint8Array(chunk);
        for (let i = 0; i < chunk; i++) pattern[i] = Math.floor(rnd() * 256);
        const hashIn = createHash('sha256');
        const rssBefore = process.memoryUsage().rss;
        let rssPeak = rssBefore;
        async function* source(): AsyncGenerator<Uint8Array> {
          for (let sent = 0, n = 0; sent < largeBodyBytes; n++) {
            const c = new Uint8Array(pattern.subarray(0, Math.min(chunk, largeBodyBytes - sent)));
            c[0] = n & 0xff; // every chunk differs
            hashIn.update(c);
            sent += c.length;
            if (n % 64 === 0) rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
            yield c;
          }
        }
        const id = await box.enqueue(msg(0, [{ destination: 'd' }], { body: source() }));
        assert.equal((await box.get(id))?.sizeBytes, largeBodyBytes);
        const hashOut = createHash('sha256');
        let n = 0;
        let size = 0;
        for await (const c of box.openBody(id)) {
          hashOut.update(c);
          size += c.length;
          if (n++ % 64 === 0) rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
        }
        assert.equal(size, largeBodyBytes);
        assert.equal(hashOut.digest('hex'), hashIn.digest('hex'));
        if (options.largeBodyMaxGrowthBytes !== undefined)
          assert.ok(
            rssPeak - rssBefore <= options.largeBodyMaxGrowthBytes,
            `memory grew by ${rssPeak - rssBefore} bytes streaming ${largeBodyBytes} bytes`,
          );
        await box.remove(id);
      }),
    );
  });
}
