// DKIM inside DMARC: messages signed by mailauth 4.13.3 and by Debian's python3-dkim, verified by
// @mailroute/dkim and judged by our DMARC; mailauth's own DMARC verdict on the same message beside it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { checkDmarc, headerFromDomain } from '@mailroute/auth';
import { DkimVerifier, keyRecordText, loadPrivateKey } from '@mailroute/dkim';
import { createResolver, createStaticTransport } from '@mailroute/dns';

const require = createRequire(import.meta.url);
const { dkimSign } = require('mailauth/lib/dkim/sign') as {
  dkimSign(m: Buffer, o: object): Promise<{ signatures: string; errors: unknown[] }>;
};
const { authenticate } = require('mailauth') as {
  authenticate(m: Buffer, o: object): Promise<{ dmarc: { status: { result: string } } }>;
};

const PYTHON = '/usr/bin/python3';
const DKIMPY = fileURLToPath(new URL('../../dkim/dkimpy_interop.py', import.meta.url));
const dkimpyMissing =
  !existsSync(PYTHON) || spawnSync(PYTHON, ['-c', 'import dkim'], { stdio: 'ignore' }).status !== 0;

const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const pem = key.export({ type: 'pkcs8', format: 'pem' }) as string;
const record = keyRecordText('rsa', loadPrivateKey(key).publicKeyBytes).value;
const zone = {
  's._domainkey.mail.example.com': { TXT: [record] },
  's._domainkey.elsewhere.example': { TXT: [record] },
  '_dmarc.example.com': { TXT: ['v=DMARC1; p=reject'] },
};
const resolver = createResolver({ transport: createStaticTransport(zone) });
const mailauthResolver = async (name: string, type: string): Promise<unknown[]> => {
  const e = (zone as Record<string, { TXT: string[] } | undefined>)[name.toLowerCase()];
  if (!e || type !== 'TXT') throw Object.assign(new Error('no data'), { code: e ? 'ENODATA' : 'ENOTFOUND' });
  return e.TXT.map((t) => [t]);
};
const message = Buffer.from(
  'From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: interop\r\nDate: Sat, 21 Nov 2026 10:00:00 +0000\r\nMessage-ID: <i@example.com>\r\n\r\nHello from the DMARC interop test.\r\n',
);

async function judge(signed: Buffer) {
  const dkim = await new DkimVerifier({ lookup: async (name) => resolver.resolveTxt(name) }).verify(signed);
  const from = headerFromDomain('Alice <alice@example.com>');
  assert.ok(from.ok);
  const dmarc = await checkDmarc({ fromDomain: from.value, dkim }, { resolver });
  const theirs = await authenticate(signed, {
    ip: '192.0.2.1',
    helo: 'x.example',
    sender: 'alice@example.com',
    mta: 'mx.test',
    resolver: mailauthResolver,
    disableArc: true,
    disableBimi: true,
  });
  return { dkim: dkim[0]?.result, dmarc: dmarc.result, mailauthDmarc: theirs.dmarc.status.result };
}

async function mailauthSigned(domain: string): Promise<Buffer> {
  const { signatures, errors } = await dkimSign(message, {
    canonicalization: 'relaxed/relaxed',
    signatureData: [{ signingDomain: domain, selector: 's', privateKey: pem, algorithm: 'rsa-sha256' }],
  });
  assert.deepEqual(errors, []);
  return Buffer.concat([Buffer.from(signatures), message]);
}

function dkimpySigned(domain: string): Buffer {
  const job = {
    message: message.toString('base64'),
    selector: 's',
    domain,
    algorithm: 'rsa-sha256',
    canonicalization: 'relaxed/relaxed',
    key: pem,
  };
  const r = spawnSync(PYTHON, [DKIMPY], {
    input: JSON.stringify({ sign: [job] }),
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return Buffer.from((JSON.parse(r.stdout) as string[])[0]!, 'base64');
}

describe('DMARC with DKIM signatures made by others', () => {
  it('mailauth-signed, aligned (relaxed): dkim pass, dmarc pass, as mailauth says', async () => {
    assert.deepEqual(await judge(await mailauthSigned('mail.example.com')), {
      dkim: 'pass',
      dmarc: 'pass',
      mailauthDmarc: 'pass',
    });
  });
  it('mailauth-signed, not aligned: dkim pass, dmarc fail, as mailauth says', async () => {
    assert.deepEqual(await judge(await mailauthSigned('elsewhere.example')), {
      dkim: 'pass',
      dmarc: 'fail',
      mailauthDmarc: 'fail',
    });
  });
  it('python3-dkim-signed, aligned and not', {
    skip: dkimpyMissing ? 'python3-dkim not installed' : false,
  }, async () => {
    assert.deepEqual(await judge(dkimpySigned('mail.example.com')), {
      dkim: 'pass',
      dmarc: 'pass',
      mailauthDmarc: 'pass',
    });
    assert.deepEqual(await judge(dkimpySigned('elsewhere.example')), {
      dkim: 'pass',
      dmarc: 'fail',
      mailauthDmarc: 'fail',
    });
  });
});
