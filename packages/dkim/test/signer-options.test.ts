// The signer checks every tag value when it is created (RFC 6376 3.5), so it never writes a
// signature that breaks the grammar: each bad option is a DkimSignError with a code.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prng } from '@mailroute/testing';
import {
  DkimSignError,
  DkimSigner,
  type DkimSigningKey,
  DkimVerifier,
  parseSignature,
} from '../src/index.js';
import { fixedClock, keyZone, message, newKey, recordFor } from './helpers.js';

const NOW = Date.UTC(2026, 10, 21, 10, 0, 0);
const clock = fixedClock(NOW);
const ed = newKey('ed25519');
const base: DkimSigningKey = { domain: 'example.com', selector: 'ed', privateKey: ed };

function refusal(spec: Partial<DkimSigningKey>, extra: object = {}): DkimSignError {
  try {
    new DkimSigner({ keys: [{ ...base, ...spec }], clock, ...extra });
  } catch (e) {
    assert.ok(e instanceof DkimSignError, String(e));
    return e;
  }
  assert.fail(`accepted ${JSON.stringify(spec)} ${JSON.stringify(extra)}`);
}

describe('signer options are checked at creation (RFC 6376 3.5)', () => {
  const bad: [string, Partial<DkimSigningKey>, string][] = [
    ['i= outside d=', { identity: 'joe@example.org' }, 'DKIM_INVALID_IDENTITY'],
    ['i= in a domain that only ends like d=', { identity: 'joe@badexample.com' }, 'DKIM_INVALID_IDENTITY'],
    ['i= without @', { identity: 'example.com' }, 'DKIM_INVALID_IDENTITY'],
    ['i= with a ";"', { identity: 'a;x=1@example.com' }, 'DKIM_INVALID_IDENTITY'],
    ['i= with a quoted local part', { identity: '"a b"@example.com' }, 'DKIM_INVALID_IDENTITY'],
    ['negative expiry', { expireAfterSeconds: -60 }, 'DKIM_INVALID_EXPIRY'],
    ['zero expiry (x= equal to t=)', { expireAfterSeconds: 0 }, 'DKIM_INVALID_EXPIRY'],
    ['fractional expiry (x=...5)', { expireAfterSeconds: 0.5 }, 'DKIM_INVALID_EXPIRY'],
    ['fractional expiry above 1', { expireAfterSeconds: 60.5 }, 'DKIM_INVALID_EXPIRY'],
    ['NaN expiry', { expireAfterSeconds: Number.NaN }, 'DKIM_INVALID_EXPIRY'],
    ['infinite expiry', { expireAfterSeconds: Number.POSITIVE_INFINITY }, 'DKIM_INVALID_EXPIRY'],
    ['selector injecting a tag', { selector: 'e;x=1' }, 'DKIM_INVALID_SELECTOR'],
    ['selector with a space', { selector: 'ed 2026' }, 'DKIM_INVALID_SELECTOR'],
    ['empty selector', { selector: '' }, 'DKIM_INVALID_SELECTOR'],
    ['selector with an empty label', { selector: 'a..b' }, 'DKIM_INVALID_SELECTOR'],
    ['selector with a CRLF', { selector: 'ed\r\n x' }, 'DKIM_INVALID_SELECTOR'],
    ['domain with ";"', { domain: 'example.com;x=1' }, 'DKIM_INVALID_DOMAIN'],
    ['empty domain', { domain: '' }, 'DKIM_INVALID_DOMAIN'],
    ['domain with a space', { domain: 'exa mple.com' }, 'DKIM_INVALID_DOMAIN'],
    ['domain with a U-label', { domain: 'bücher.example' }, 'DKIM_INVALID_DOMAIN'],
    ['domain with a label over 63 octets', { domain: `${'a'.repeat(64)}.example` }, 'DKIM_INVALID_DOMAIN'],
    ['domain with a leading hyphen', { domain: '-x.example' }, 'DKIM_INVALID_DOMAIN'],
    [
      'unknown canonicalization',
      { canonicalization: 'relaxed/loose' as never },
      'DKIM_INVALID_CANONICALIZATION',
    ],
    ['no key', { privateKey: undefined as never }, 'DKIM_INVALID_OPTION'],
  ];
  for (const [name, spec, code] of bad) {
    it(`refuses ${name} with ${code}`, () => {
      const e = refusal(spec);
      assert.equal(e.code, code);
      assert.equal(e.temporary, false);
    });
  }

  const badOptions: [string, object, string][] = [
    ['a header name with ";"', { headers: ['subject;x=1'] }, 'DKIM_INVALID_HEADER_NAME'],
    ['a header name with ":"', { overSign: ['to:cc'] }, 'DKIM_INVALID_HEADER_NAME'],
    ['an empty header name', { headerList: ['from', ''] }, 'DKIM_INVALID_HEADER_NAME'],
    ['a header name with a space', { overSign: ['reply to'] }, 'DKIM_INVALID_HEADER_NAME'],
    ['a headerList without From', { headerList: ['subject'] }, 'DKIM_INVALID_HEADER_NAME'],
    ['a zero header bound', { maxHeaderBytes: 0 }, 'DKIM_INVALID_OPTION'],
  ];
  for (const [name, extra, code] of badOptions) {
    it(`refuses ${name} with ${code}`, () => assert.equal(refusal({}, extra).code, code));
  }

  it('refuses an empty key list with DKIM_NO_KEYS', () => {
    assert.throws(() => new DkimSigner({ keys: [] }), { code: 'DKIM_NO_KEYS' });
  });

  it('names the key and the bad value in the message, as JSON (no raw control characters)', () => {
    const e = refusal({ selector: 'e;x=1' });
    assert.match(e.message, /s= "e;x=1" is not a selector/);
    assert.match(refusal({ selector: 'a\r\nb' }).message, /"a\\r\\nb"/);
  });

  it('accepts what the grammar allows and writes it so it parses back and verifies', async () => {
    const zone = keyZone({
      '2026.mail._domainkey.example.com': recordFor(ed),
      'ed_2026._domainkey.sub.example.com': recordFor(ed),
      'ed._domainkey.example.com': recordFor(ed),
    });
    const verifier = new DkimVerifier({ lookup: zone.lookup, clock });
    const good: DkimSigningKey[] = [
      { ...base, selector: '2026.mail', identity: '@example.com', expireAfterSeconds: 1 },
      { ...base, domain: 'sub.example.com', selector: 'ed_2026', identity: 'first.last+tag@sub.example.com' },
      { ...base, identity: 'alice@Mail.Example.COM', expireAfterSeconds: 86_400 * 365 },
    ];
    for (const key of good) {
      const [sig] = new DkimSigner({ keys: [key], clock }).signSync(message());
      const value = sig!.header.slice(sig!.header.indexOf(':') + 1);
      const parsed = parseSignature(value);
      assert.ok(parsed.ok, parsed.ok ? '' : parsed.reason.message);
      assert.equal(parsed.value.selector, key.selector);
      if (key.expireAfterSeconds) assert.ok(parsed.value.expiration! > parsed.value.timestamp!);
      const [r] = await verifier.verify(sig!.header + message());
      assert.equal(r?.result, 'pass', `${key.selector}: ${r?.reason}`);
    }
  });

  it('refuses a clock that cannot give t=, and a message without From, with their codes', () => {
    const broken = { ...clock, now: () => Number.NaN };
    const signer = new DkimSigner({ keys: [base], clock: broken });
    assert.throws(() => signer.signSync(message()), { code: 'DKIM_INVALID_TIME' });
    const ok = new DkimSigner({ keys: [base], clock });
    assert.throws(() => ok.signSync('To: a@b.example\r\n\r\nhi\r\n'), { code: 'DKIM_NO_FROM' });
  });
});

describe('signer options fuzz', () => {
  it('either refuses with a code or writes values that parse back unchanged (seeded, 3000 cases)', () => {
    const rand = prng(6376);
    const pieces = [
      'a',
      'Z',
      '0',
      '-',
      '.',
      '_',
      ';',
      '=',
      ' ',
      '\t',
      '@',
      '"',
      ':',
      'x=1',
      'example',
      'com',
      'ü',
      '\r\n',
      '',
    ];
    const pick = () => pieces[Math.floor(rand() * pieces.length)]!;
    const text = (max: number) => Array.from({ length: Math.floor(rand() * max) }, pick).join('');
    const codes = new Set([
      'DKIM_INVALID_DOMAIN',
      'DKIM_INVALID_SELECTOR',
      'DKIM_INVALID_IDENTITY',
      'DKIM_INVALID_EXPIRY',
    ]);
    let accepted = 0;
    for (let i = 0; i < 3000; i++) {
      const domain = rand() < 0.5 ? 'example.com' : text(6);
      const selector = rand() < 0.3 ? 'ed' : text(5);
      const identity = rand() < 0.5 ? undefined : `${text(3)}@${rand() < 0.5 ? domain : text(4)}`;
      const expiry =
        rand() < 0.5 ? undefined : [0, -1, 0.5, 1, 60, 1e12, Number.NaN][Math.floor(rand() * 7)]!;
      const spec: DkimSigningKey = {
        ...base,
        domain,
        selector,
        ...(identity === undefined ? {} : { identity }),
        ...(expiry === undefined ? {} : { expireAfterSeconds: expiry }),
      };
      let signer: DkimSigner;
      try {
        signer = new DkimSigner({ keys: [spec], clock });
      } catch (e) {
        assert.ok(e instanceof DkimSignError && codes.has(e.code), `${JSON.stringify(spec)}: ${String(e)}`);
        continue;
      }
      accepted++;
      const header = signer.signSync(message())[0]!.header;
      const parsed = parseSignature(header.slice(header.indexOf(':') + 1));
      assert.ok(parsed.ok, `${JSON.stringify(spec)}: ${parsed.ok ? '' : parsed.reason.message}`);
      assert.equal(parsed.value.domain, domain.toLowerCase());
      assert.equal(parsed.value.selector, selector);
      assert.equal(parsed.value.identity, identity ?? `@${domain.toLowerCase()}`);
      if (expiry !== undefined) assert.equal(parsed.value.expiration! - parsed.value.timestamp!, expiry);
    }
    assert.ok(accepted > 150, `only ${accepted} accepted: the fuzz does not reach the writer`);
  });
});
