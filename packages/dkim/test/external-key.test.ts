// Keys held elsewhere (an HSM, a KMS): the signer takes { keyType, sign } and a KeyObject as well
// as PEM. A signing function wrapping node:crypto must give the very same signature.
import assert from 'node:assert/strict';
import { sign as cryptoSign } from 'node:crypto';
import { describe, it } from 'node:test';
import { type DkimExternalKey, DkimSignError, DkimSigner, DkimVerifier } from '../src/index.js';
import { fixedClock, keyZone, message, newKey, recordFor } from './helpers.js';

const clock = fixedClock(Date.UTC(2026, 10, 21, 10, 0, 0));
const rsa = newKey('rsa', 2048);
const ed = newKey('ed25519');
const zone = keyZone({
  'r._domainkey.example.com': recordFor(rsa),
  'ed._domainkey.example.com': recordFor(ed),
});
const verifier = new DkimVerifier({ lookup: zone.lookup, clock });

/** What a KMS client would do, with node:crypto standing in for the remote key. */
const remote: Record<'rsa' | 'ed25519', DkimExternalKey> = {
  rsa: { keyType: 'rsa', sign: async (data) => cryptoSign('sha256', data, rsa) },
  ed25519: { keyType: 'ed25519', sign: async (digest) => cryptoSign(null, digest, ed) },
};

const signer = (
  privateKey: ConstructorParameters<typeof DkimSigner>[0]['keys'][0]['privateKey'],
  selector: string,
) => new DkimSigner({ keys: [{ domain: 'example.com', selector, privateKey }], clock });

describe('signing with a key held elsewhere', () => {
  for (const [type, selector, local] of [
    ['rsa', 'r', rsa],
    ['ed25519', 'ed', ed],
  ] as const) {
    it(`${type}: a signing function gives the same signature as the KeyObject and as PEM, and it verifies`, async () => {
      const viaFunction = (await signer(remote[type], selector).sign(message()))[0]!;
      const viaKeyObject = signer(local, selector).signSync(message())[0]!;
      const pem = local.export({ type: 'pkcs8', format: 'pem' }).toString();
      const viaPem = signer(pem, selector).signSync(message())[0]!;
      assert.equal(viaFunction.header, viaKeyObject.header);
      assert.equal(viaPem.header, viaKeyObject.header);
      assert.equal(viaFunction.algorithm, type === 'rsa' ? 'rsa-sha256' : 'ed25519-sha256');
      const [r] = await verifier.verify(viaFunction.header + message());
      assert.equal(r?.result, 'pass', r?.reason);
    });
  }

  it('gives the function the header data for rsa and its SHA-256 for ed25519', async () => {
    const seen: number[] = [];
    const spy = (k: DkimExternalKey): DkimExternalKey => ({
      keyType: k.keyType,
      sign: async (d) => {
        seen.push(d.length);
        return k.sign(d);
      },
    });
    await signer(spy(remote.ed25519), 'ed').sign(message());
    await signer(spy(remote.rsa), 'r').sign(message());
    assert.equal(seen[0], 32);
    assert.ok(seen[1]! > 200, 'the rsa function gets the canonical header data');
  });

  it('dual-signs with one function key and one local key in one pass', async () => {
    const s = new DkimSigner({
      keys: [
        { domain: 'example.com', selector: 'r', privateKey: remote.rsa },
        { domain: 'example.com', selector: 'ed', privateKey: ed },
      ],
      clock,
    });
    const sigs = await s.sign(message());
    const rs = await verifier.verify(sigs.map((x) => x.header).join('') + message());
    assert.deepEqual(
      rs.map((r) => r.result),
      ['pass', 'pass'],
    );
  });

  it('refuses signSync with a function key (DKIM_SYNC_UNAVAILABLE)', () => {
    assert.throws(() => signer(remote.ed25519, 'ed').signSync(message()), { code: 'DKIM_SYNC_UNAVAILABLE' });
  });

  it('turns a failing function into a temporary DKIM_SIGN_FAILED that does not repeat its message', async () => {
    const failing: DkimExternalKey = {
      keyType: 'rsa',
      sign: async () => {
        throw new Error('KMS throttled: account 1234 secret detail');
      },
    };
    const e = await signer(failing, 'r')
      .sign(message())
      .then(
        () => assert.fail('signed'),
        (x: unknown) => x,
      );
    assert.ok(e instanceof DkimSignError);
    assert.equal(e.code, 'DKIM_SIGN_FAILED');
    assert.equal(e.temporary, true);
    assert.doesNotMatch(e.message, /secret/);
    assert.match(String((e.cause as Error).message), /throttled/);
  });

  it('refuses what is not a signature of the key type', async () => {
    const cases: DkimExternalKey[] = [
      { keyType: 'ed25519', sign: async () => new Uint8Array(63) },
      { keyType: 'rsa', sign: async () => new Uint8Array(64) },
      { keyType: 'rsa', sign: async () => 'not bytes' as unknown as Uint8Array },
    ];
    for (const k of cases) {
      await assert.rejects(signer(k, 'x').sign(message()), { code: 'DKIM_SIGN_FAILED', temporary: false });
    }
  });

  it('refuses a function key without a usable keyType at creation', () => {
    const bad = { keyType: 'dsa', sign: remote.rsa.sign } as unknown as DkimExternalKey;
    assert.throws(() => signer(bad, 'x'), { code: 'DKIM_INVALID_OPTION' });
  });
});
