import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashPassword, isPasswordHash, verifyPassword } from '../src/passwords.js';

describe('Internet passwords', () => {
  it('a hash verifies its password and nothing else', async () => {
    const hash = await hashPassword('s3cret');
    assert.ok(isPasswordHash(hash));
    assert.equal(await verifyPassword('s3cret', hash), true);
    assert.equal(await verifyPassword('s3cret ', hash), false);
    assert.equal(await verifyPassword('', hash), false);
  });

  it('malformed or hostile hashes never match and never throw', async () => {
    for (const bad of [
      '',
      's3cret',
      'scrypt:16384:abc',
      'scrypt:3:AAAA:AAAA',
      `scrypt:${2 ** 30}:AAAAAAAAAAAAAAAAAAAAAA==:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=`,
      'scrypt:16384:AAAAAAAAAAAAAAAAAAAAAA==:AAAA',
    ]) {
      assert.equal(await verifyPassword('s3cret', bad), false, bad);
    }
    assert.equal(isPasswordHash('scrypt:1000:AAAA:AAAA'), false);
  });
});
