import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CredentialStoreError, KeyManager } from '../src/credstore/index.js';
import { DkimSigner, DkimVerifier, parseKeyRecord } from '../src/index.js';
import { keyZone, message } from './helpers.js';

const FAST_SCRYPT = { N: 2 ** 12, r: 8, p: 1 };
const clock = { now: () => Date.UTC(2026, 10, 21) };
let root: string;
const manager = (dir: string) => new KeyManager({ dir, clock, scrypt: FAST_SCRYPT });

async function expectError(
  p: Promise<unknown>,
  code: string,
  message: RegExp,
): Promise<CredentialStoreError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof CredentialStoreError, String(e));
    assert.equal(e.code, code);
    assert.match(e.message, message);
    return e;
  }
  assert.fail('expected an error');
}

/** Every PEM body line and every base64 run of the store's private keys must stay out of messages. */
async function secretsOf(m: KeyManager): Promise<string[]> {
  const { store } = await m.openStore();
  return store
    .entries()
    .map((e) =>
      (e.privateKey.export({ type: 'pkcs8', format: 'der' }) as Buffer).toString('base64').slice(20, 60),
    );
}

describe('credential store and keymgmt operations', () => {
  let dir: string;
  let m: KeyManager;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'mailroute-dkim-'));
    dir = join(root, 'a');
    await (await import('node:fs/promises')).mkdir(dir);
    m = manager(dir);
    await m.createNek('credstorekey');
    await m.createCredstore('credstorekey');
    await m.createDkim('martdj.nl', 'ed20240705', 'ed25519');
    await m.createDkim('martdj.nl', '202206', 'rsa', 1024);
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('lists domain, selector, type, size and a grouped SHA-256 fingerprint', async () => {
    const list = await m.list();
    assert.deepEqual(
      list.map((k) => [k.domain, k.selector, k.keyType, k.bits]),
      [
        ['martdj.nl', '202206', 'rsa', 1024],
        ['martdj.nl', 'ed20240705', 'ed25519', 256],
      ],
    );
    for (const k of list) assert.match(k.fingerprint, /^([0-9A-F]{4} ){15}[0-9A-F]{4}$/);
    assert.equal(list[0]!.created, '2026-11-21T00:00:00.000Z');
  });

  it('writes the files with mode 0600', async () => {
    for (const f of [m.storePath, m.keyringPath]) assert.equal((await stat(f)).mode & 0o777, 0o600);
  });

  it('exports the DNS record, and a signature with the stored key verifies against it', async () => {
    const dns = await m.exportDkimDns('martdj.nl', 'ed20240705');
    assert.equal(dns.name, 'ed20240705._domainkey.martdj.nl');
    assert.match(dns.value, /^v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}=$/);
    assert.ok(parseKeyRecord(dns.value).ok);
    const entry = (await m.openStore()).store.get('MARTDJ.NL', 'ED20240705')!;
    const signer = new DkimSigner({
      keys: [{ domain: 'martdj.nl', selector: 'ed20240705', privateKey: entry.privateKey }],
    });
    const msg = message().replace('alice@example.com', 'alice@martdj.nl');
    const [sig] = await signer.sign(msg);
    const [r] = await new DkimVerifier({ lookup: keyZone({ [dns.name]: dns.value }).lookup }).verify(
      sig!.header + msg,
    );
    assert.equal(r?.result, 'pass');
  });

  it('refuses duplicates, bad sizes, bad names, and unknown keys', async () => {
    await expectError(m.createDkim('martdj.nl', 'ED20240705', 'ed25519'), 'exists', /already exists/);
    await expectError(m.createDkim('martdj.nl', 'x', 'rsa', 512), 'invalid', /1024, 2048, 3072, 4096/);
    await expectError(m.createDkim('not a domain', 'x', 'ed25519'), 'invalid', /invalid domain/);
    await expectError(m.createNek('credstorekey'), 'exists', /already exists/);
    await expectError(
      m.exportDkimDns('martdj.nl', 'nope'),
      'not-found',
      /no DKIM key nope._domainkey.martdj.nl/,
    );
    await expectError(m.deleteDkim('martdj.nl', 'nope'), 'not-found', /no DKIM key/);
  });

  it('refuses a tampered record, changes nothing, and names no secret', async () => {
    const secrets = await secretsOf(m);
    const before = await readFile(m.storePath);
    const doc = JSON.parse(before.toString());
    const d = Buffer.from(doc.records[0].data, 'base64');
    d[5] = (d[5] ?? 0) ^ 1;
    doc.records[0].data = d.toString('base64');
    await writeFile(m.storePath, JSON.stringify(doc));
    const tampered = await readFile(m.storePath);
    const e = await expectError(
      m.createDkim('other.example', 'x', 'ed25519'),
      'tampered',
      /failed authentication/,
    );
    assert.deepEqual(await readFile(m.storePath), tampered, 'nothing written');
    for (const s of secrets) assert.ok(!e.message.includes(s) && !String(e.stack).includes(s));
    await writeFile(m.storePath, before);
  });

  it('refuses a record moved to another identity (the identity is bound as associated data)', async () => {
    const before = await readFile(m.storePath);
    const doc = JSON.parse(before.toString());
    doc.records[0].selector = doc.records[1].selector;
    doc.records[1].selector = 'swapped';
    await writeFile(m.storePath, JSON.stringify(doc));
    await expectError(m.list(), 'tampered', /failed authentication/);
    await writeFile(m.storePath, before);
  });

  it('refuses a truncated file and changes nothing', async () => {
    const before = await readFile(m.storePath);
    const cut = before.subarray(0, before.length >> 1);
    await writeFile(m.storePath, cut);
    await expectError(m.deleteDkim('martdj.nl', '202206'), 'malformed', /truncated or not JSON/);
    assert.deepEqual(await readFile(m.storePath), cut);
    await writeFile(m.storePath, before);
  });

  it('refuses the wrong NEK with a clear error', async () => {
    const other = join(root, 'wrong');
    await (await import('node:fs/promises')).mkdir(other);
    const w = manager(other);
    await w.createNek('credstorekey'); // same name, different key
    await writeFile(w.storePath, await readFile(m.storePath));
    await expectError(w.list(), 'wrong-key', /does not open this file \(wrong key\)/);
  });

  it('moves the NEK with a password and the keys with export dkim / import credstore', async () => {
    const { data, fingerprint } = await m.exportNek('credstorekey', 'passw0rd');
    const doc = JSON.parse(data.toString());
    assert.deepEqual(doc.kdf.N, FAST_SCRYPT.N, 'the KDF parameters are in the file');
    assert.ok(
      !data.toString().includes((await readFile(m.keyringPath)).toString().match(/"key": "([^"]+)"/)![1]!),
    );
    const b = manager(join(root, 'b'));
    await (await import('node:fs/promises')).mkdir(join(root, 'b'));
    await expectError(b.importNek(data, 'wrong'), 'bad-password', /wrong password/);
    const imported = await b.importNek(data, 'passw0rd');
    assert.equal(imported.fingerprint, fingerprint);
    await expectError(b.importNek(data, 'passw0rd'), 'exists', /overwrite/);
    await b.importNek(data, 'passw0rd', true);
    await b.createCredstore('credstorekey');
    const exp = await m.exportDkim();
    assert.equal(exp.count, 2);
    const r = await b.importCredstore(exp.data);
    assert.equal(r.imported.length, 2);
    assert.deepEqual(
      (await b.list()).map((k) => k.fingerprint),
      (await m.list()).map((k) => k.fingerprint),
    );
    const again = await b.importCredstore(exp.data);
    assert.equal(again.skipped.length, 2);
  });

  it('refuses a NEK file asking for a huge scrypt cost', async () => {
    const { data } = await m.exportNek('credstorekey', 'pw');
    const doc = JSON.parse(data.toString());
    doc.kdf.N = 2 ** 30;
    await expectError(
      manager(root).importNek(Buffer.from(JSON.stringify(doc)), 'pw'),
      'malformed',
      /scrypt parameters/,
    );
  });

  it('deletes a key', async () => {
    await m.createDkim('gone.example', 'sel', 'ed25519');
    await m.deleteDkim('gone.example', 'sel');
    assert.ok(!(await m.list()).some((k) => k.domain === 'gone.example'));
  });
});

describe('import nek overwrite keeps the store open (issue 13)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mailroute-reseal-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('re-encrypts the store under the imported key, keeps its DKIM keys, and recovers a stopped run', async () => {
    const here = manager(join(dir, 'here'));
    await here.createNek('credstorekey');
    await here.createCredstore('credstorekey');
    await here.createDkim('example.com', 'ed', 'ed25519');
    const before = (await here.list()).map((k) => k.fingerprint);
    const there = manager(join(dir, 'there'));
    await there.createNek('credstorekey'); // the same name, another key
    const { data } = await there.exportNek('credstorekey', 'pw');
    const oldKeyring = await readFile(here.keyringPath);

    const r = await here.importNek(data, 'pw', true);
    assert.equal(r.resealed, 1);
    assert.deepEqual(
      (await here.list()).map((k) => k.fingerprint),
      before,
      'the store opens with the new NEK and keeps its keys',
    );
    // The store now opens with the other server's NEK: its exports import here.
    await there.createCredstore('credstorekey');
    await there.createDkim('example.org', 'x', 'ed25519');
    assert.deepEqual((await here.importCredstore((await there.exportDkim()).data)).imported, [
      'x._domainkey.example.org',
    ]);

    // A run stopped after re-encrypting and before writing the keyring: the old keyring, new store.
    await writeFile(here.keyringPath, oldKeyring);
    await expectError(here.list(), 'wrong-key', /wrong key/);
    const again = await here.importNek(data, 'pw', true);
    assert.equal(again.resealed, undefined, 'already under the imported key: only the keyring is written');
    assert.equal((await here.list()).length, 2);
  });

  it('refuses, keyring untouched, when the store opens with neither key', async () => {
    const m = manager(join(dir, 'damaged'));
    await m.createNek('credstorekey');
    await m.createCredstore('credstorekey');
    const other = manager(join(dir, 'other'));
    await other.createNek('credstorekey');
    const { data } = await other.exportNek('credstorekey', 'pw');
    const doc = JSON.parse((await readFile(m.storePath)).toString());
    doc.check.tag = Buffer.alloc(16, 7).toString('base64'); // opens with neither key
    await writeFile(m.storePath, JSON.stringify(doc));
    const ring = await readFile(m.keyringPath);
    await expectError(m.importNek(data, 'pw', true), 'wrong-key', /wrong key/);
    assert.deepEqual(await readFile(m.keyringPath), ring);
  });

  it('replaces a NEK that no store uses without touching anything else', async () => {
    const m = manager(join(dir, 'spare'));
    await m.createNek('spare');
    const other = manager(join(dir, 'spare-src'));
    await other.createNek('spare');
    const { data } = await other.exportNek('spare', 'pw');
    const r = await m.importNek(data, 'pw', true);
    assert.equal(r.resealed, undefined);
    assert.equal(r.fingerprint, (await other.exportNek('spare', 'pw')).fingerprint);
  });
});

describe('keymgmt key choices (issue 13)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mailroute-keychoice-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the directory (0700) only at the first write', async () => {
    const target = join(dir, 'nested', 'IBM_CredStore');
    const m = manager(target);
    await assert.rejects(m.list(), CredentialStoreError);
    await assert.rejects(stat(target), { code: 'ENOENT' });
    await m.createNek('k');
    assert.equal((await stat(target)).mode & 0o777, 0o700);
  });

  it('takes RSA 3072, defaults RSA to 2048, and accepts dotted selectors', async () => {
    const asked: [string, number][] = [];
    const { generateKeyPairSync } = await import('node:crypto');
    const m = new KeyManager({
      dir: join(dir, 'sizes'),
      clock,
      scrypt: FAST_SCRYPT,
      // Small real keys stand in (the size check is the manager's, before generation).
      generateKey: async (type, bits) => {
        asked.push([type, bits]);
        return type === 'rsa'
          ? generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey
          : generateKeyPairSync('ed25519').privateKey;
      },
    });
    await m.createNek('k');
    await m.createCredstore('k');
    await m.createDkim('example.com', 'big', 'rsa', 3072);
    await m.createDkim('example.com', 'plain', 'rsa');
    await m.createDkim('example.com', '2026.05.mail', 'ed25519');
    assert.deepEqual(asked, [
      ['rsa', 3072],
      ['rsa', 2048],
      ['ed25519', 256],
    ]);
    assert.equal(
      (await m.exportDkimDns('example.com', '2026.05.mail')).name,
      '2026.05.mail._domainkey.example.com',
    );
    await expectError(m.createDkim('example.com', 'odd', 'rsa', 3000), 'invalid', /RSA key size/);
    for (const bad of ['e;x=1', 'a b', '', 'a..b']) {
      await expectError(m.createDkim('example.com', bad, 'ed25519'), 'invalid', /invalid selector/);
    }
  });
});
