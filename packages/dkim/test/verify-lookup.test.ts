// Verifier rules that no other test pinned: x= equal to t=, the key record's t=s flag, and key
// lookups that never settle (a timeout and an AbortSignal, so verify() always settles).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MailrouteError } from '@mailroute/envelope';
import { FakeClock } from '@mailroute/testing';
import {
  DEFAULT_LOOKUP_TIMEOUT_MS,
  DkimSigner,
  DkimVerifier,
  KeyLookupError,
  type KeyLookupOptions,
} from '../src/index.js';
import { fixedClock, keyZone, message, newKey, recordFor } from './helpers.js';

const NOW = Date.UTC(2026, 10, 21, 10, 0, 0);
const clock = fixedClock(NOW);
const ed = newKey('ed25519');

function sign(spec: { identity?: string; expireAfterSeconds?: number } = {}): string {
  const signer = new DkimSigner({
    keys: [{ domain: 'example.com', selector: 'ed', privateKey: ed, ...spec }],
    clock,
  });
  return signer.signSync(message())[0]!.header + message();
}

/** A lookup that never answers; it records the signals it was given. */
function hangingLookup(): {
  lookup: (n: string, o?: KeyLookupOptions) => Promise<string[]>;
  signals: AbortSignal[];
} {
  const signals: AbortSignal[] = [];
  return {
    signals,
    lookup: (_name, options) => {
      if (options) signals.push(options.signal);
      return new Promise<string[]>(() => undefined);
    },
  };
}

describe('x= must be greater than t= (RFC 6376 3.5)', () => {
  it('gives permerror for a signature whose x= equals its t=', async () => {
    const t = NOW / 1000;
    const m = sign({ expireAfterSeconds: 60 }).replace(`x=${t + 60}`, `x=${t}`);
    const v = new DkimVerifier({
      lookup: keyZone({ 'ed._domainkey.example.com': recordFor(ed) }).lookup,
      clock,
    });
    const [r] = await v.verify(m);
    assert.equal(r?.result, 'permerror');
    assert.equal(r?.reason, 'x= is not after t=');
  });
});

describe('key record t=s (strict identity, RFC 6376 3.6.1)', () => {
  const verifierFor = (record: string) =>
    new DkimVerifier({ lookup: keyZone({ 'ed._domainkey.example.com': record }).lookup, clock });
  const strict = verifierFor(`${recordFor(ed)}; t=s`);
  const lax = verifierFor(recordFor(ed));

  it('refuses i= in a subdomain of d= when the key says t=s', async () => {
    const m = sign({ identity: 'alice@mail.example.com' });
    const [r] = await strict.verify(m);
    assert.equal(r?.result, 'permerror');
    assert.equal(r?.reason, 'key record t=s requires i= in exactly d=');
    // The same signature passes under a key without t=s: it is the flag that refuses it.
    assert.equal((await lax.verify(m))[0]?.result, 'pass');
  });

  it('passes i= in exactly d= (any case, with or without a local part) under t=s, also with t=y:s', async () => {
    for (const identity of ['alice@example.com', '@EXAMPLE.com', undefined]) {
      const m = sign(identity === undefined ? {} : { identity });
      assert.equal((await strict.verify(m))[0]?.result, 'pass', String(identity));
    }
    const both = verifierFor(`${recordFor(ed)}; t=y:s`);
    assert.equal((await both.verify(sign({ identity: 'a@sub.example.com' })))[0]?.result, 'permerror');
  });
});

describe('key lookups always settle', () => {
  it('gives temperror when a lookup does not answer within lookupTimeoutMs, and aborts its signal', async () => {
    const hang = hangingLookup();
    const v = new DkimVerifier({ lookup: hang.lookup, clock, lookupTimeoutMs: 30 });
    const started = Date.now();
    const [r] = await v.verify(sign());
    assert.equal(r?.result, 'temperror');
    assert.equal(r?.reason, 'key lookup timed out after 30 ms');
    assert.ok(Date.now() - started < 5000);
    assert.equal(hang.signals.length, 1);
    assert.equal(hang.signals[0]!.aborted, true);
  });

  it(`has a default timeout of ${DEFAULT_LOOKUP_TIMEOUT_MS} ms on the verifier's clock`, async () => {
    const hang = hangingLookup();
    const manual = new FakeClock({ start: NOW });
    const v = new DkimVerifier({ lookup: hang.lookup, clock: manual });
    const pending = v.verify(sign());
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(manual.delays, [DEFAULT_LOOKUP_TIMEOUT_MS]);
    manual.tick(DEFAULT_LOOKUP_TIMEOUT_MS);
    const [r] = await pending;
    assert.equal(r?.result, 'temperror');
    assert.match(r?.reason ?? '', /timed out/);
    assert.equal(manual.pending, 0, 'the timer is cleared');
  });

  it('clears the timer when the lookup answers', async () => {
    const manual = new FakeClock({ start: NOW });
    const zone = keyZone({ 'ed._domainkey.example.com': recordFor(ed) });
    const [r] = await new DkimVerifier({ lookup: zone.lookup, clock: manual }).verify(sign());
    assert.equal(r?.result, 'pass');
    assert.equal(manual.pending, 0);
  });

  it('rejects with the signal reason when the caller aborts, and aborts the pending lookup', async () => {
    const hang = hangingLookup();
    const v = new DkimVerifier({ lookup: hang.lookup, clock });
    const controller = new AbortController();
    const pending = v.verify(sign(), { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('shutting down')), 20);
    await assert.rejects(pending, /shutting down/);
    assert.equal(hang.signals[0]?.aborted, true);
  });

  it('rejects at once for a signal already aborted, without a lookup', async () => {
    const hang = hangingLookup();
    const v = new DkimVerifier({ lookup: hang.lookup, clock });
    await assert.rejects(v.verify(sign(), { signal: AbortSignal.abort() }), { name: 'AbortError' });
    assert.equal(hang.signals.length, 0);
  });

  it('aborts the pending lookups when the message stream fails, and rejects with its error', async () => {
    const hang = hangingLookup();
    const v = new DkimVerifier({ lookup: hang.lookup, clock });
    const head = sign().split('\r\n\r\n')[0]!;
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield Buffer.from(`${head}\r\n\r\nbody starts`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      throw new Error('connection reset');
    }
    await assert.rejects(v.verify(broken()), /connection reset/);
    assert.equal(hang.signals.length, 1);
    assert.equal(hang.signals[0]!.aborted, true);
  });

  it('one timer bounds all lookups of a message, and a message without signatures sets none', async () => {
    const manual = new FakeClock({ start: NOW });
    const hang = hangingLookup();
    const v = new DkimVerifier({ lookup: hang.lookup, clock: manual, lookupTimeoutMs: 1000 });
    const two = sign() + '';
    const other = two.replace('s=ed;', 's=ed2;').split('From:')[0]!;
    const pending = v.verify(other + two);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(hang.signals.length, 2);
    assert.equal(manual.pending, 1);
    manual.tick(1000);
    assert.deepEqual(
      (await pending).map((r) => r.result),
      ['temperror', 'temperror'],
    );
    assert.deepEqual(await v.verify(message()), []);
    assert.equal(manual.pending, 0);
  });

  it('refuses a lookup timeout that is not a positive number', () => {
    assert.throws(() => new DkimVerifier({ lookup: hangingLookup().lookup, lookupTimeoutMs: 0 }), RangeError);
  });
});

describe('lookup errors are read by shape, not class', () => {
  const verdict = async (error: unknown) =>
    (
      await new DkimVerifier({
        lookup: async () => {
          throw error;
        },
        clock,
      }).verify(sign())
    )[0];

  it('KeyLookupError has a code and the temporary polarity', () => {
    assert.equal(new KeyLookupError('x', true).code, 'DKIM_KEY_LOOKUP_FAILED');
    assert.equal(new KeyLookupError('x', false).code, 'DKIM_KEY_NOT_FOUND');
    assert.ok(new KeyLookupError('x', false) instanceof MailrouteError);
  });

  it('takes temporary from any error of the SDK shape (another installed copy, the dns package)', async () => {
    const foreignPermanent = Object.assign(new Error('NXDOMAIN'), {
      code: 'DNS_NOT_FOUND',
      temporary: false,
    });
    assert.equal((await verdict(foreignPermanent))?.result, 'permerror');
    const foreignTemporary = Object.assign(new Error('SERVFAIL'), { code: 'DNS_SERVFAIL', temporary: true });
    assert.equal((await verdict(foreignTemporary))?.result, 'temperror');
    assert.equal((await verdict(new MailrouteError('DNS_NOT_FOUND', 'gone')))?.result, 'permerror');
  });
});
