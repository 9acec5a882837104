import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { describe, it } from 'node:test';
import { prng } from '@mailroute/testing';
import {
  authenticationResults,
  type Canonicalization,
  DkimKeyError,
  DkimSignError,
  DkimSigner,
  DkimVerifier,
  KeyLookupError,
} from '../src/index.js';
import { fixedClock, keyZone, message, newKey, recordFor } from './helpers.js';

const NOW = Date.UTC(2026, 10, 21, 10, 0, 0);
const clock = fixedClock(NOW);
const rsa1024 = newKey('rsa', 1024);
const rsa2048 = newKey('rsa', 2048);
const ed = newKey('ed25519');
const zone = keyZone({
  'r1._domainkey.example.com': recordFor(rsa1024),
  'r2._domainkey.example.com': recordFor(rsa2048),
  'ed._domainkey.example.com': recordFor(ed),
});
const verifier = new DkimVerifier({ lookup: zone.lookup, clock });

async function signed(
  msg: string,
  keys: { selector: string; key: typeof ed; canonicalization?: Canonicalization }[],
  extra: Partial<ConstructorParameters<typeof DkimSigner>[0]> = {},
): Promise<string> {
  const signer = new DkimSigner({
    keys: keys.map((k) => ({
      domain: 'example.com',
      selector: k.selector,
      privateKey: k.key,
      ...(k.canonicalization ? { canonicalization: k.canonicalization } : {}),
    })),
    clock,
    ...extra,
  });
  const sigs = await signer.sign(msg);
  return sigs.map((s) => s.header).join('') + msg;
}

const results = async (m: string, v = verifier) =>
  (await v.verify(m)).map((r) => `${r.result}: ${r.reason ?? ''}`);

describe('sign then verify', () => {
  const canons: Canonicalization[] = ['simple/simple', 'simple/relaxed', 'relaxed/simple', 'relaxed/relaxed'];
  for (const [selector, key] of [
    ['r1', rsa1024],
    ['r2', rsa2048],
    ['ed', ed],
  ] as const) {
    for (const canonicalization of canons) {
      it(`${selector} with ${canonicalization} passes`, async () => {
        const m = await signed(message(), [{ selector, key, canonicalization }]);
        const [r] = await verifier.verify(m);
        assert.equal(r?.result, 'pass', r?.reason);
        assert.equal(r?.domain, 'example.com');
      });
    }
  }

  it('signs and verifies with a 4096-bit RSA key', async () => {
    const rsa4096 = newKey('rsa', 4096);
    const z = keyZone({ 'big._domainkey.example.com': recordFor(rsa4096) });
    const m = await signed(message(), [{ selector: 'big', key: rsa4096 }]);
    assert.deepEqual(await results(m, new DkimVerifier({ lookup: z.lookup, clock })), ['pass: ']);
  });

  it('dual-signs (RSA + Ed25519) in one pass and both pass', async () => {
    const m = await signed(message(), [
      { selector: 'r2', key: rsa2048 },
      { selector: 'ed', key: ed },
    ]);
    const rs = await verifier.verify(m);
    assert.deepEqual(
      rs.map((r) => [r.result, r.algorithm]),
      [
        ['pass', 'rsa-sha256'],
        ['pass', 'ed25519-sha256'],
      ],
    );
  });

  it('reads a one-shot stream once for several keys and canonicalizations', async () => {
    const msg = message('one\r\n  two  \r\n\r\n');
    let reads = 0;
    async function* once(): AsyncGenerator<Uint8Array> {
      reads++;
      for (const part of msg.match(/[\s\S]{1,7}/g)!) yield Buffer.from(part);
    }
    const signer = new DkimSigner({
      keys: [
        { domain: 'example.com', selector: 'r2', privateKey: rsa2048, canonicalization: 'simple/simple' },
        { domain: 'example.com', selector: 'ed', privateKey: ed },
        { domain: 'example.com', selector: 'r1', privateKey: rsa1024, canonicalization: 'relaxed/simple' },
      ],
      clock,
    });
    const sigs = await signer.sign(once());
    assert.equal(reads, 1);
    const rs = await verifier.verify(sigs.map((s) => s.header).join('') + msg);
    assert.deepEqual(
      rs.map((r) => r.result),
      ['pass', 'pass', 'pass'],
    );
  });

  it('signs a message streamed in small chunks exactly as the whole message', async () => {
    const msg = message('line one\r\n\r\n  indented\t\r\n\r\n\r\n');
    const signer = new DkimSigner({
      keys: [{ domain: 'example.com', selector: 'ed', privateKey: ed }],
      clock,
    });
    const whole = signer.signSync(msg)[0]!.header;
    const bytes = Buffer.from(msg);
    const chunks = Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
    assert.equal((await signer.sign(chunks))[0]!.header, whole);
    assert.deepEqual(await results(whole + msg), ['pass: ']);
  });

  it('writes t=, no l= by default, over-signs the default fields, and folds within 78 columns', async () => {
    const signer = new DkimSigner({
      keys: [{ domain: 'example.com', selector: 'r2', privateKey: rsa2048 }],
      clock,
    });
    const h = signer.signSync(message())[0]!.header;
    const flat = h.replace(/\r\n[ \t]+/g, ' ');
    assert.match(flat, new RegExp(`t=${NOW / 1000};`));
    assert.doesNotMatch(flat, /[ ;]l=/);
    const h1 = /h=([^;]*);/.exec(flat)![1]!.replace(/ /g, '').split(':');
    // Present fields once each, then every default over-signed name once more (present or not).
    assert.deepEqual(h1, [
      ...['from', 'subject', 'date', 'message-id', 'to'],
      ...['from', 'sender', 'reply-to', 'to', 'cc', 'subject', 'date', 'message-id', 'in-reply-to'],
      ...['references', 'mime-version', 'content-type', 'content-transfer-encoding'],
    ]);
    assert.ok(h.endsWith('\r\n'));
    for (const line of h.slice(0, -2).split('\r\n')) assert.ok(line.length <= 78, line);
  });

  it('writes x= and l= when asked', async () => {
    const m = await signed(message(), [{ selector: 'ed', key: ed }], { bodyLengthTag: true });
    assert.match(m, /l=27;/);
    const signer = new DkimSigner({
      keys: [{ domain: 'example.com', selector: 'ed', privateKey: ed, expireAfterSeconds: 3600 }],
      clock,
    });
    assert.match(signer.signSync(message())[0]!.header, new RegExp(`x=${NOW / 1000 + 3600};`));
  });
});

describe('verification failures', () => {
  it('fails a tampered body', async () => {
    const m = await signed(message(), [{ selector: 'ed', key: ed }]);
    assert.deepEqual(await results(m.replace('this is a test', 'this is a trick')), [
      'fail: body hash did not verify',
    ]);
  });

  it('relaxed survives whitespace changes that simple does not', async () => {
    const relaxed = await signed(message(), [{ selector: 'ed', key: ed }]);
    const simple = await signed(message(), [{ selector: 'ed', key: ed, canonicalization: 'simple/simple' }]);
    const respace = (m: string) =>
      m.replace('Subject: Lunch', 'Subject:   Lunch').replace('this is', 'this  is');
    assert.deepEqual(await results(respace(relaxed)), ['pass: ']);
    assert.notDeepEqual(await results(respace(simple)), ['pass: ']);
  });

  it('fails a tampered signed header', async () => {
    const m = await signed(message(), [{ selector: 'r2', key: rsa2048 }]);
    assert.deepEqual(await results(m.replace('Subject: Lunch', 'Subject: Dinner')), [
      'fail: signature did not verify',
    ]);
  });

  it('fails when a second From is added (over-signing)', async () => {
    const m = await signed(message(), [{ selector: 'ed', key: ed }]);
    const injected = m.replace('From: Alice', 'From: Mallory <m@evil.example>\r\nFrom: Alice');
    assert.deepEqual(await results(injected), ['fail: signature did not verify']);
  });

  it('fails a tampered signature value', async () => {
    const m = await signed(message(), [{ selector: 'ed', key: ed }]);
    const tampered = m.replace(/ b=([A-Za-z0-9+/])/, (_, c: string) => ` b=${c === 'A' ? 'B' : 'A'}`);
    assert.deepEqual(await results(tampered), ['fail: signature did not verify']);
  });

  it('gives permerror for an expired signature and temperror for a failing lookup', async () => {
    const signer = new DkimSigner({
      keys: [{ domain: 'example.com', selector: 'ed', privateKey: ed, expireAfterSeconds: 60 }],
      clock,
    });
    const m = signer.signSync(message())[0]!.header + message();
    const later = new DkimVerifier({ lookup: zone.lookup, clock: fixedClock(NOW + 3600_000) });
    assert.deepEqual(await results(m, later), ['permerror: signature expired (x=)']);
    const early = new DkimVerifier({ lookup: zone.lookup, clock: fixedClock(NOW - 3600_000) });
    assert.deepEqual(await results(m, early), ['permerror: signature timestamp (t=) in the future']);
    const servfail = new DkimVerifier({
      lookup: async () => {
        throw new KeyLookupError('SERVFAIL', true);
      },
      clock,
    });
    assert.deepEqual(await results(m, servfail), ['temperror: key lookup: SERVFAIL']);
    const notFound = new DkimVerifier({
      lookup: async () => {
        // The dns package's not-found error, by shape: a string code and temporary: false.
        throw Object.assign(new Error('NXDOMAIN'), { code: 'ENOTFOUND', temporary: false });
      },
      clock,
    });
    assert.deepEqual(await results(m, notFound), ['permerror: key lookup: NXDOMAIN']);
    const legacy = new DkimVerifier({
      lookup: async () => {
        throw Object.assign(new Error('NXDOMAIN'), { permanent: true });
      },
      clock,
    });
    // Only the SDK's error shape is read: an error without it may succeed on a later try.
    assert.deepEqual(await results(m, legacy), ['temperror: key lookup: NXDOMAIN']);
    const odd = new DkimVerifier({
      lookup: async () => {
        throw 'a string';
      },
      clock,
    });
    assert.deepEqual(await results(m, odd), ['temperror: key lookup: lookup failed']);
  });

  it('gives permerror for an unknown selector, a revoked key, a wrong key type and a bad record', async () => {
    const m = await signed(message(), [{ selector: 'ed', key: ed }]);
    const at = (rec: string) =>
      new DkimVerifier({ lookup: keyZone({ 'ed._domainkey.example.com': rec }).lookup, clock });
    assert.deepEqual(await results(m.replace('s=ed;', 's=gone;')), [
      'permerror: key lookup: gone._domainkey.example.com TXT: no such domain (NXDOMAIN)',
    ]);
    assert.deepEqual(await results(m, at('v=DKIM1; k=ed25519; p=')), ['permerror: key revoked (empty p=)']);
    assert.deepEqual(await results(m, at(recordFor(rsa1024))), [
      'permerror: key type rsa does not match a=ed25519-sha256',
    ]);
    assert.deepEqual(await results(m, at('v=DKIM1; k=ed25519; p=AAAA')), [
      'permerror: ed25519 key in p= is not 32 bytes',
    ]);
    assert.deepEqual(await results(m, at('v=DKIM1; k=ed25519; p=AAAA; p=BBBB')), [
      'permerror: malformed key record: duplicate tag p=',
    ]);
    const none = new DkimVerifier({ lookup: async () => [], clock });
    assert.deepEqual(await results(m, none), ['permerror: no key record']);
  });

  it('turns a failure into neutral when the key is in testing mode (t=y)', async () => {
    const m = await signed(message(), [{ selector: 'ed', key: ed }]);
    const z = keyZone({ 'ed._domainkey.example.com': `${recordFor(ed)}; t=y` });
    const [r] = await new DkimVerifier({ lookup: z.lookup, clock }).verify(m.replace('a test', 'a trick'));
    assert.equal(r?.result, 'neutral');
    assert.equal(r?.testing, true);
  });

  it('handles and reports l=, and refuses l= longer than the body', async () => {
    const m = await signed(message(), [{ selector: 'ed', key: ed }], { bodyLengthTag: true });
    const [r] = await verifier.verify(`${m}appended by a list\r\n`);
    assert.equal(r?.result, 'pass');
    assert.equal(r?.bodyLength, 27);
    assert.equal(r?.unsignedBodyBytes, 20);
    assert.deepEqual(await results(m.replace('this is a test.\r\n', '')), [
      'permerror: l=27 is longer than the body (8)',
    ]);
  });

  it('refuses RSA keys under 1024 bits when signing and when verifying (RFC 8301)', async () => {
    const small = newKey('rsa', 512);
    assert.throws(
      () => new DkimSigner({ keys: [{ domain: 'example.com', selector: 's', privateKey: small }] }),
      DkimKeyError,
    );
    const m = await signed(message(), [{ selector: 'r2', key: rsa2048 }]);
    const z = keyZone({
      'r2._domainkey.example.com': recordFor(rsa2048).replace(/p=.*/, `p=${publicOf(small)}`),
    });
    assert.deepEqual(await results(m, new DkimVerifier({ lookup: z.lookup, clock })), [
      'permerror: RSA key of 512 bits is too short (RFC 8301)',
    ]);
  });

  it('gives permerror for malformed DKIM-Signature fields, never a throw', async () => {
    for (const bad of ['v=1; a=rsa-sha256', 'garbage', 'v=1; v=1', '']) {
      const rs = await verifier.verify(`DKIM-Signature: ${bad}\r\n${message()}`);
      assert.equal(rs[0]?.result, 'permerror');
    }
  });

  it('evaluates at most maxSignatures, marks the rest neutral, and looks each key up once', async () => {
    const one = (await signed(message(), [{ selector: 'ed', key: ed }])).split('From:')[0]!;
    const z = keyZone({ 'ed._domainkey.example.com': recordFor(ed) });
    const v = new DkimVerifier({ lookup: z.lookup, clock, maxSignatures: 2 });
    const rs = await v.verify(one.repeat(4) + message());
    assert.deepEqual(
      rs.map((r) => r.result),
      ['pass', 'pass', 'neutral', 'neutral'],
    );
    assert.deepEqual(z.names(), ['ed._domainkey.example.com']);
  });

  it('refuses to sign a message without From', () => {
    const signer = new DkimSigner({ keys: [{ domain: 'example.com', selector: 'ed', privateKey: ed }] });
    assert.throws(() => signer.signSync('To: a@b.example\r\n\r\nhi\r\n'), DkimSignError);
  });

  it('gives permerror for a header block past the bound', async () => {
    const v = new DkimVerifier({ lookup: zone.lookup, maxHeaderBytes: 100 });
    assert.deepEqual(await results(`X: ${'y'.repeat(200)}\r\n\r\nbody`, v), [
      'permerror: header block larger than 100 bytes',
    ]);
  });
});

describe('verification fuzz', () => {
  it('never throws on mutated signed messages and only gives RFC 8601 words (seeded, 400 cases)', async () => {
    const rand = prng(8601);
    const base = await signed(message(), [
      { selector: 'ed', key: ed },
      { selector: 'r1', key: rsa1024 },
    ]);
    const alphabet = [
      ';',
      '=',
      ' ',
      '\r\n',
      '\r\n ',
      'b',
      'h',
      ':',
      'x',
      '\u00ff',
      '\n',
      'DKIM-Signature:',
      '\t',
    ];
    const words = new Set(['pass', 'fail', 'neutral', 'temperror', 'permerror']);
    for (let i = 0; i < 400; i++) {
      const chars = [...base];
      const edits = 1 + Math.floor(rand() * 4);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(rand() * chars.length);
        const op = rand();
        if (op < 0.4) chars.splice(at, 1 + Math.floor(rand() * 5));
        else chars.splice(at, 0, alphabet[Math.floor(rand() * alphabet.length)]!);
      }
      const rs = await verifier.verify(Buffer.from(chars.join(''), 'latin1'));
      for (const r of rs) assert.ok(words.has(r.result), r.result);
    }
  });
});

describe('Authentication-Results', () => {
  it('writes one dkim= resinfo per signature', async () => {
    const m = await signed(message(), [
      { selector: 'r2', key: rsa2048 },
      { selector: 'ed', key: ed },
    ]);
    const rs = await verifier.verify(m.replace('a test', 'a trick'));
    const ar = authenticationResults(rs);
    assert.match(
      ar,
      /^dkim=fail reason="body hash did not verify" header\.d=example\.com header\.i="@example\.com" header\.s=r2 header\.a=rsa-sha256 header\.b=/,
    );
    assert.equal(ar.split(';\r\n\t').length, 2);
    assert.equal(authenticationResults([]), 'dkim=none');
    const pass = authenticationResults(await verifier.verify(m));
    assert.match(pass, /^dkim=pass header\.d=example\.com .*header\.b="?[A-Za-z0-9+/]{8}"?;/);
  });
});

function publicOf(key: typeof ed): string {
  return createPublicKey(key).export({ type: 'spki', format: 'der' }).toString('base64');
}
