import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CredentialStore } from '../src/credstore/index.js';
import { DkimSigningPolicy, DkimVerifier, loadPrivateKey, parseSigningConfig } from '../src/index.js';
import { keyZone, message, newKey, recordFor } from './helpers.js';

describe('signing configuration (RouterDKIMSigning, DKIM_KEY_<domain>)', () => {
  const ed = newKey('ed25519');
  const rsa = newKey('rsa', 1024);
  const store = new CredentialStore('k', [
    {
      domain: 'martdj.nl',
      selector: 'ed20240705',
      keyType: 'ed25519',
      bits: 256,
      created: '',
      privateKey: ed,
    },
    { domain: 'martdj.nl', selector: '202206', keyType: 'rsa', bits: 1024, created: '', privateKey: rsa },
  ]);

  it('reads the notes.ini words, case-insensitively', () => {
    const c = parseSigningConfig({
      RouterDKIMSigning: '1',
      'DKIM_KEY_martdj.nl': 'ed20240705, 202206',
      'dkim_key_x.org': '',
    });
    assert.equal(c.enabled, true);
    assert.deepEqual([...c.selectors], [['martdj.nl', ['ed20240705', '202206']]]);
    assert.equal(parseSigningConfig({}).enabled, false, 'off by default, as in Domino');
  });

  it('signs with every listed selector for the From domain, and both verify', async () => {
    const policy = new DkimSigningPolicy(
      parseSigningConfig({ RouterDKIMSigning: 1, 'DKIM_KEY_martdj.nl': 'ed20240705,202206,missing' }),
      store,
    );
    const choice = policy.signerFor('MartDJ.nl');
    assert.deepEqual(choice.missing, ['missing']);
    assert.equal(policy.signerFor('martdj.nl'), choice, 'one signer per domain, cached');
    const msg = message().replace('alice@example.com', 'alice@martdj.nl');
    const sigs = await choice.signer!.sign(msg);
    assert.deepEqual(
      sigs.map((s) => s.algorithm),
      ['ed25519-sha256', 'rsa-sha256'],
    );
    const zone = keyZone({
      'ed20240705._domainkey.martdj.nl': recordFor(ed),
      '202206._domainkey.martdj.nl': recordFor(rsa),
    });
    const rs = await new DkimVerifier({ lookup: zone.lookup }).verify(
      sigs.map((s) => s.header).join('') + msg,
    );
    assert.deepEqual(
      rs.map((r) => r.result),
      ['pass', 'pass'],
    );
    assert.deepEqual(zone.names().sort(), ['202206._domainkey.martdj.nl', 'ed20240705._domainkey.martdj.nl']);
    assert.equal(loadPrivateKey(ed).keyType, 'ed25519');
  });

  it('does not sign when switched off, or for another domain', () => {
    const off = new DkimSigningPolicy(parseSigningConfig({ 'DKIM_KEY_martdj.nl': 'ed20240705' }), store);
    assert.equal(off.signerFor('martdj.nl').signer, undefined);
    const on = new DkimSigningPolicy(
      parseSigningConfig({ RouterDKIMSigning: '1', 'DKIM_KEY_martdj.nl': 'ed20240705' }),
      store,
    );
    assert.equal(on.signerFor('sub.martdj.nl').signer, undefined);
  });

  it('leaves out, and reports, a stored key whose selector the grammar refuses; the others sign', async () => {
    const withOld = new CredentialStore('k', [
      ...store.entries(),
      { domain: 'martdj.nl', selector: 'old-', keyType: 'ed25519', bits: 256, created: '', privateKey: ed },
    ]);
    const policy = new DkimSigningPolicy(
      parseSigningConfig({ RouterDKIMSigning: '1', 'DKIM_KEY_martdj.nl': 'old-,ed20240705' }),
      withOld,
    );
    const choice = policy.signerFor('martdj.nl');
    assert.deepEqual(
      choice.unusable.map((u) => u.selector),
      ['old-'],
    );
    assert.match(choice.unusable[0]!.reason, /is not a selector/);
    const sigs = await choice.signer!.sign(message().replace('alice@example.com', 'alice@martdj.nl'));
    assert.deepEqual(
      sigs.map((x) => x.selector),
      ['ed20240705'],
    );
  });
});
