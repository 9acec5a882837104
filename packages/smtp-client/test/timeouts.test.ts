/**
 * RFC 5321 4.5.3.2 timeouts scaled by SMTPTimeoutMultiplier, on an injected clock: the test sees
 * the exact timer the client sets for the greeting and fires it by hand.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Clock } from '@mailroute/envelope';
import { connect, RFC5321_TIMEOUTS, resolveTimeouts } from '../src/index.js';
import { type ScriptServer, scriptServer } from './peer.js';

const servers: ScriptServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

/** A clock whose timers run only when the test says so. */
function manualClock(): Clock & {
  timers: Map<number, { ms: number; fn: () => void }>;
  fire(ms: number): void;
} {
  let next = 1;
  const timers = new Map<number, { ms: number; fn: () => void }>();
  return {
    timers,
    now: () => 0,
    setTimeout(fn, ms) {
      const id = next++;
      timers.set(id, { ms, fn });
      return id;
    },
    clearTimeout(h) {
      timers.delete(h as number);
    },
    fire(ms) {
      for (const [id, t] of [...timers]) {
        if (t.ms === ms) {
          timers.delete(id);
          t.fn();
        }
      }
    },
  };
}

describe('timeouts', () => {
  it("are RFC 5321's figures times the multiplier; bad values are refused", () => {
    assert.equal(RFC5321_TIMEOUTS.greetingMs, 300_000);
    assert.equal(RFC5321_TIMEOUTS.dataInitiationMs, 120_000);
    assert.equal(RFC5321_TIMEOUTS.dataBlockMs, 180_000);
    assert.equal(RFC5321_TIMEOUTS.dataTerminationMs, 600_000);
    const t = resolveTimeouts({ mailMs: 1000 }, 2);
    assert.equal(t.greetingMs, 600_000);
    assert.equal(t.mailMs, 2000);
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => resolveTimeouts({}, bad), RangeError);
      assert.throws(() => resolveTimeouts({ rcptMs: bad }, 1), RangeError);
    }
  });

  it('a silent server: the greeting timer (5 min x SMTPTimeoutMultiplier 3) ends the connect with SMTP_TIMEOUT', async () => {
    const s = await scriptServer(async (p) => {
      await p.line().catch(() => undefined);
    });
    servers.push(s);
    const clock = manualClock();
    const pending = connect({ host: '127.0.0.1', port: s.port, clock, timeoutMultiplier: 3 });
    for (let i = 0; i < 100 && ![...clock.timers.values()].some((t) => t.ms === 900_000); i++)
      await new Promise((r) => setTimeout(r, 10));
    assert.ok(
      [...clock.timers.values()].some((t) => t.ms === 900_000),
      'greeting timer of 15 minutes set',
    );
    clock.fire(900_000);
    const r = await pending;
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.reason.code, 'SMTP_TIMEOUT');
    assert.equal(clock.timers.size, 0, 'no timer left behind');
  });
});
