import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '@mailroute/testing';
import {
  createLineLogger,
  failed,
  isMailrouteError,
  type LogRecord,
  MailrouteError,
  ok,
  Replies,
  type Result,
  seededRandomSource,
  silentLogger,
  sleep,
  systemClock,
} from '../src/index.js';

describe('vocabulary: clock', () => {
  it('systemClock reads epoch milliseconds', () => {
    const before = Date.now();
    const t = systemClock.now();
    assert.ok(t >= before && t <= Date.now());
  });
  it('sleep resolves on the injected clock, not the wall clock', async () => {
    const clock = new FakeClock();
    let done = false;
    const p = sleep(clock, 1000).then(() => {
      done = true;
    });
    clock.tick(999);
    await Promise.resolve();
    assert.equal(done, false);
    clock.tick(1);
    await p;
    assert.equal(done, true);
  });
  it('sleep rejects on abort and leaves no timer behind', async () => {
    const clock = new FakeClock();
    const ac = new AbortController();
    const p = sleep(clock, 1000, ac.signal);
    assert.equal(clock.pending, 1);
    ac.abort(new Error('stop'));
    await assert.rejects(p, /stop/);
    assert.equal(clock.pending, 0);
  });
});

describe('vocabulary: errors and results', () => {
  it('MailrouteError carries a string code, temporary polarity, reply and cause', () => {
    const cause = new Error('socket');
    const e = new MailrouteError('DNS_TIMEOUT', 'no answer', {
      temporary: true,
      cause,
      reply: Replies.localError,
    });
    assert.equal(e.code, 'DNS_TIMEOUT');
    assert.equal(e.temporary, true);
    assert.equal(e.cause, cause);
    assert.equal(e.reply?.code, Replies.localError.code);
    assert.equal(new MailrouteError('X', 'y').temporary, false);
  });
  it('isMailrouteError checks the shape, so an error from another installed copy passes', () => {
    const foreign = Object.assign(new Error('copy'), { code: 'DKIM_KEY_NOT_FOUND', temporary: false });
    assert.equal(isMailrouteError(foreign), true);
    assert.equal(isMailrouteError(Object.assign(new Error('node'), { code: 'ENOENT' })), false);
    assert.equal(isMailrouteError(null), false);
    assert.equal(isMailrouteError('DNS_TIMEOUT'), false);
  });
  it('ok and failed build the two arms of Result', () => {
    const good: Result<number> = ok(3);
    const bad: Result<number> = failed({ code: 'BAD', message: 'bad', temporary: false });
    assert.ok(good.ok && good.value === 3);
    assert.ok(!bad.ok && bad.reason.code === 'BAD');
  });
});

describe('vocabulary: logger', () => {
  it('createLineLogger filters by level and merges child bindings', () => {
    const lines: LogRecord[] = [];
    const log = createLineLogger((r) => lines.push(r), 'info');
    log.debug({ a: 1 }, 'hidden');
    const child = log.child({ session: 'S1' });
    child.warn({ ip: '192.0.2.1' }, 'refused');
    assert.equal(lines.length, 1);
    assert.deepEqual(lines[0], {
      level: 'warn',
      message: 'refused',
      context: { session: 'S1', ip: '192.0.2.1' },
    });
  });
  it('silentLogger and its children drop everything', () => {
    silentLogger.child({ x: 1 }).error({}, 'nothing');
    assert.equal(silentLogger.child({}), silentLogger);
  });
});

describe('vocabulary: random', () => {
  it('seededRandomSource is mulberry32: the same sequence for the same seed, in [0, 1)', () => {
    // First output of mulberry32(1), computed independently of this code.
    assert.equal(seededRandomSource(1)(), 0.6270739405881613);
    const a = seededRandomSource(2 ** 32 + 5);
    const b = seededRandomSource(5); // the seed is taken modulo 2^32
    const xs = Array.from({ length: 1000 }, a);
    assert.deepEqual(xs, Array.from({ length: 1000 }, b));
    assert.ok(xs.every((x) => x >= 0 && x < 1));
    assert.ok(new Set(xs).size > 990, 'no short cycle');
  });
});
