import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DkimSigner,
  DkimVerifier,
  ed25519KeyFromSeed,
  KeyLookupError,
  parseSignature,
} from '../src/index.js';
import {
  ED25519_SEED,
  ED25519_SIGNATURE_FIELD,
  HEADER_LIST,
  RECORDS,
  RSA_PRIVATE_PEM,
  RSA_SIGNATURE_FIELD,
  SIGNED,
  SIGNED_AT_MS,
  UNSIGNED,
} from './fixtures/rfc8463.js';
import { fixedClock } from './helpers.js';

const lookup = async (name: string): Promise<string[]> => {
  const r = RECORDS[name];
  if (r === undefined) throw new KeyLookupError(`${name}: NXDOMAIN`, false);
  return [r];
};

function signer(
  selector: string,
  privateKey: ConstructorParameters<typeof DkimSigner>[0]['keys'][0]['privateKey'],
) {
  return new DkimSigner({
    keys: [{ domain: 'football.example.com', selector, privateKey, identity: '@football.example.com' }],
    headerList: HEADER_LIST,
    headerListStyle: 'spaced',
    queryMethodTag: true,
    clock: fixedClock(SIGNED_AT_MS),
  });
}

function tagsOf(field: string): { b: string; bh: string } {
  const parsed = parseSignature(field.slice(field.indexOf(':') + 1));
  assert.ok(parsed.ok, 'the printed signature parses');
  return { b: parsed.value.signatureBase64, bh: parsed.value.bodyHash.toString('base64') };
}

describe('RFC 8463 Appendix A', () => {
  it('reproduces the Ed25519 signature byte for byte', async () => {
    const [sig] = await signer('brisbane', ed25519KeyFromSeed(Buffer.from(ED25519_SEED, 'base64'))).sign(
      UNSIGNED,
    );
    assert.deepEqual(tagsOf(sig!.header), tagsOf(ED25519_SIGNATURE_FIELD));
    assert.equal(
      tagsOf(sig!.header).b,
      '/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11BusFa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==',
    );
    // Same tags in the same order: unfolded, everything before the b= value is the same text.
    const unfold = (s: string) => s.replace(/\r\n[ \t]+/g, ' ').split(' b=')[0];
    assert.equal(unfold(sig!.header), unfold(ED25519_SIGNATURE_FIELD));
  });

  it('reproduces the RSA signature byte for byte', async () => {
    const [sig] = await signer('test', RSA_PRIVATE_PEM).sign(UNSIGNED);
    assert.deepEqual(tagsOf(sig!.header), tagsOf(RSA_SIGNATURE_FIELD));
    assert.equal(
      tagsOf(sig!.header).b,
      'F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2JzdA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=',
    );
  });

  it('verifies both printed signatures', async () => {
    const results = await new DkimVerifier({ lookup, clock: fixedClock(SIGNED_AT_MS) }).verify(SIGNED);
    assert.deepEqual(
      results.map((r) => [r.result, r.algorithm, r.selector]),
      [
        ['pass', 'ed25519-sha256', 'brisbane'],
        ['pass', 'rsa-sha256', 'test'],
      ],
    );
  });
});
