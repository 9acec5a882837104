import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keyRecordText, parseKeyRecord } from '../src/index.js';

const P = 'p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=';

describe('DKIM key records (RFC 6376 3.6.1)', () => {
  it('reads an ed25519 record', () => {
    const r = parseKeyRecord(`v=DKIM1; k=ed25519; ${P}`);
    assert.ok(r.ok);
    assert.equal(r.value.keyType, 'ed25519');
    assert.equal(r.value.publicKey.length, 32);
    assert.equal(r.value.revoked, false);
  });

  it('defaults k= to rsa, ignores unknown tags, reads t= flags', () => {
    const r = parseKeyRecord(`${P}; n=note; t=y:s; zz=1`);
    assert.ok(r.ok);
    assert.equal(r.value.keyType, 'rsa');
    assert.equal(r.value.testing, true);
    assert.equal(r.value.strictIdentity, true);
  });

  it('marks an empty p= as revoked', () => {
    const r = parseKeyRecord('v=DKIM1; p=');
    assert.ok(r.ok);
    assert.equal(r.value.revoked, true);
  });

  const bad: [string, RegExp][] = [
    [`v=DKIM2; ${P}`, /v= is not DKIM1/],
    [`k=rsa; v=DKIM1; ${P}`, /not first/],
    [`k=dsa; ${P}`, /unsupported key type/],
    [`h=sha1; ${P}`, /h= does not allow sha256/],
    [`s=web; ${P}`, /s= does not allow email/],
    ['v=DKIM1; k=rsa', /no p=/],
    ['v=DKIM1; p=!!!', /invalid characters|not valid base64/],
    ['v=DKIM1; p=abc=def', /not valid base64/],
    ['v=DKIM1 p=abc', /v= is not DKIM1/],
  ];
  for (const [text, why] of bad) {
    it(`refuses ${JSON.stringify(text)}`, () => {
      const r = parseKeyRecord(text);
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.reason.message, why);
    });
  }

  it('splits a long record into 255-byte strings', () => {
    const t = keyRecordText('rsa', Buffer.alloc(400, 7));
    assert.ok(t.value.startsWith('v=DKIM1; k=rsa; p='));
    assert.equal(t.value.length, 554);
    assert.deepEqual(
      t.strings.map((s) => s.length),
      [255, 255, 44],
    );
    assert.equal(t.strings.join(''), t.value);
  });
});
