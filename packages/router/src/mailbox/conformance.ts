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
import { describe } from 'node:test';
import { durabilityTests } from './conformance/durability.js';
import { enqueueTests } from './conformance/enqueue.js';
import type { MailBoxConformanceOptions, MailBoxFixture } from './conformance/fixtures.js';
import { inspectTests } from './conformance/inspect.js';
import { leaseTests } from './conformance/lease.js';
import { leaseBoundTests } from './conformance/lease-bounds.js';
import { operatorActionTests } from './conformance/operator-actions.js';
import { settleTests } from './conformance/settle.js';
import { wholeStoreTests } from './conformance/whole-store.js';
import type { MailBox } from './types.js';

export type { MailBoxConformanceOptions, MailBoxFixture } from './conformance/fixtures.js';

/**
 * Registers the conformance tests of a MailBox implementation under `describe(name)`. `factory`
 * is called once per test and must give an empty store.
 */
export function mailBoxConformance(
  name: string,
  factory: () => Promise<MailBoxFixture>,
  options: MailBoxConformanceOptions = {},
): void {
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
    enqueueTests(withBox);
    leaseTests(withBox);
    leaseBoundTests(withBox);
    settleTests(withBox);
    operatorActionTests(withBox);
    inspectTests(withBox);
    wholeStoreTests(withBox);
    durabilityTests(factory, withBox, options);
  });
}
