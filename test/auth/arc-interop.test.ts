// ARC chains sealed by mailauth 4.13.3 (authenticate() with `seal`), validated by verifyArc.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { sealArc, verifyArc } from '@mailroute/auth';
import { keyRecordText, loadPrivateKey } from '@mailroute/dkim';
import { createResolver, createStaticTransport } from '@mailroute/dns';
import { prng } from '@mailroute/testing';

const require = createRequire(import.meta.url);
const { authenticate } = require('mailauth') as {
  authenticate(m: Buffer, o: object): Promise<{ headers: string; arc: { status: { result: string } } }>;
};

const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const pem = key.export({ type: 'pkcs8', format: 'pem' }) as string;
const record = keyRecordText('rsa', loadPrivateKey(key).publicKeyBytes).value;
const zone: Record<string, { TXT: string[] }> = {
  'arc._domainkey.hop1.example': { TXT: [record] },
  'arc._domainkey.hop2.example': { TXT: [record] },
};
const resolver = createResolver({ transport: createStaticTransport(zone) });
const mailauthResolver = async (name: string, type: string): Promise<unknown[]> => {
  const e = zone[name.toLowerCase()];
  if (!e || type !== 'TXT') throw Object.assign(new Error('no data'), { code: e ? 'ENODATA' : 'ENOTFOUND' });
  return e.TXT.map((t) => [t]);
};
const original = Buffer.from(
  'From: Alice <alice@example.com>\r\nTo: list@hop1.example\r\nSubject: arc\r\nDate: Sat, 21 Nov 2026 10:00:00 +0000\r\nMessage-ID: <arc@example.com>\r\n\r\nHello through two forwarders.\r\n',
);

/** One hop: mailauth authenticates and seals; the ARC headers it returns are prepended. */
async function seal(message: Buffer, domain: string): Promise<Buffer> {
  const r = await authenticate(message, {
    ip: '192.0.2.1',
    helo: 'x.example',
    sender: 'alice@example.com',
    mta: `mx.${domain}`,
    resolver: mailauthResolver,
    disableBimi: true,
    seal: { signingDomain: domain, selector: 'arc', privateKey: pem },
  });
  const arcOnly = r.headers
    .split(/\r?\n(?=\S)/)
    .filter((h) => /^arc-/i.test(h))
    .map((h) => `${h.replace(/\r?\n/g, '\r\n').replace(/(\r\n)+$/, '')}\r\n`)
    .join('');
  return Buffer.concat([Buffer.from(arcOnly), message]);
}

describe('ARC: chains sealed by mailauth', () => {
  it('no ARC headers: cv=none', async () => {
    assert.deepEqual(await verifyArc(original, { resolver }), { cv: 'none', instances: 0 });
  });

  it('one hop: cv=pass', async () => {
    const once = await seal(original, 'hop1.example');
    const v = await verifyArc(once, { resolver });
    assert.equal(v.cv, 'pass', v.reason);
    assert.equal(v.instances, 1);
    assert.equal(v.sealer, 'hop1.example');
  });

  it('two hops: cv=pass, and mailauth agrees', async () => {
    const twice = await seal(await seal(original, 'hop1.example'), 'hop2.example');
    const v = await verifyArc(twice, { resolver });
    assert.equal(v.cv, 'pass', v.reason);
    assert.equal(v.instances, 2);
    const theirs = await authenticate(twice, {
      ip: '192.0.2.1',
      helo: 'x.example',
      sender: 'alice@example.com',
      mta: 'mx.test',
      resolver: mailauthResolver,
      disableBimi: true,
    });
    assert.equal(theirs.arc.status.result, 'pass');
  });

  it('300 seeded mutations of a sealed message: a verdict every time, never a throw', async () => {
    const base = (await seal(await seal(original, 'hop1.example'), 'hop2.example')).toString('latin1');
    const rand = prng(1966);
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const chars = base.split('');
      for (let k = 0; k < 1 + Math.floor(rand() * 4); k++)
        chars[Math.floor(rand() * chars.length)] = String.fromCharCode(32 + Math.floor(rand() * 95));
      const v = await verifyArc(Buffer.from(chars.join(''), 'latin1'), { resolver });
      assert.ok(['none', 'pass', 'fail'].includes(v.cv));
      seen.add(v.cv);
    }
    assert.ok(seen.has('fail'));
  });

  it('a body changed after sealing: cv=fail (body hash)', async () => {
    const once = await seal(original, 'hop1.example');
    const changed = Buffer.from(once.toString('latin1').replace('Hello', 'Howdy'), 'latin1');
    const v = await verifyArc(changed, { resolver });
    assert.equal(v.cv, 'fail');
    assert.match(v.reason ?? '', /body hash/);
  });

  it('a seal changed after sealing: cv=fail', async () => {
    const twice = await seal(await seal(original, 'hop1.example'), 'hop2.example');
    const text = twice.toString('latin1');
    // Change the first hop's Authentication-Results, which only the seals cover.
    const changed = Buffer.from(text.replace(/(ARC-Authentication-Results: i=1;[^\r]*)/i, '$1x'), 'latin1');
    assert.notEqual(changed.toString('latin1'), text);
    const v = await verifyArc(changed, { resolver });
    assert.equal(v.cv, 'fail');
  });

  it('an incomplete set: cv=fail', async () => {
    const once = (await seal(original, 'hop1.example')).toString('latin1');
    const noSeal = once.replace(/ARC-Seal:[\s\S]*?\r\n(?=\S)/i, '');
    const v = await verifyArc(Buffer.from(noSeal, 'latin1'), { resolver });
    assert.equal(v.cv, 'fail');
    assert.match(v.reason ?? '', /incomplete/);
  });
});

/** One hop sealed by us. */
async function ourSeal(message: Buffer, domain: string): Promise<Buffer> {
  const r = await sealArc(message, {
    domain,
    selector: 'arc',
    privateKey: pem,
    authservId: `mx.${domain}`,
    results: ['spf=pass smtp.mailfrom=alice@example.com'],
    resolver,
  });
  return Buffer.concat([Buffer.from(r.headers), message]);
}

async function mailauthArc(message: Buffer): Promise<string> {
  const r = await authenticate(message, {
    ip: '192.0.2.1',
    helo: 'x.example',
    sender: 'alice@example.com',
    mta: 'mx.test',
    resolver: mailauthResolver,
    disableBimi: true,
  });
  return r.arc.status.result;
}

describe('ARC: chains sealed here', () => {
  it('one hop of ours validates here and in mailauth', async () => {
    const once = await ourSeal(original, 'hop1.example');
    assert.equal((await verifyArc(once, { resolver })).cv, 'pass');
    assert.equal(await mailauthArc(once), 'pass');
    const changed = Buffer.from(once.toString('latin1').replace('Hello', 'Howdy'), 'latin1');
    assert.equal(await mailauthArc(changed), 'fail');
  });

  it('mailauth then us, and us then mailauth: pass in both', async () => {
    const a = await ourSeal(await seal(original, 'hop1.example'), 'hop2.example');
    const b = await seal(await ourSeal(original, 'hop1.example'), 'hop2.example');
    for (const m of [a, b]) {
      const v = await verifyArc(m, { resolver });
      assert.equal(v.cv, 'pass', v.reason);
      assert.equal(v.instances, 2);
      assert.equal(await mailauthArc(m), 'pass');
    }
  });

  it('sealing over a broken chain writes cv=fail', async () => {
    const once = await ourSeal(original, 'hop1.example');
    const changed = Buffer.from(once.toString('latin1').replace('Hello', 'Howdy'), 'latin1');
    const r = await sealArc(changed, {
      domain: 'hop2.example',
      selector: 'arc',
      privateKey: pem,
      authservId: 'mx.hop2.example',
      results: [],
      resolver,
    });
    assert.equal(r.cv, 'fail');
    assert.equal(r.instance, 2);
  });
});
