// Interoperability: signatures made here verify with mailauth (npm) and with Debian's python3-dkim,
// and signatures made by those two verify here. Keys come through fake lookups on every side.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { sign as cryptoSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  type Canonicalization,
  type DkimExternalKey,
  DkimSigner,
  DkimVerifier,
  KeyLookupError,
  keyRecordText,
  loadPrivateKey,
} from '@mailroute/dkim';

const require = createRequire(import.meta.url);
type MailauthResult = { results: { status: { result: string; comment?: string } }[] };
const { dkimVerify } = require('mailauth/lib/dkim/verify') as {
  dkimVerify(
    m: Buffer,
    o: { resolver: (name: string, type: string) => Promise<string[][]> },
  ): Promise<MailauthResult>;
};
const { dkimSign } = require('mailauth/lib/dkim/sign') as {
  dkimSign(m: Buffer, o: object): Promise<{ signatures: string; errors: unknown[] }>;
};

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../dkimpy_interop.py', import.meta.url));

function dkimpyAvailable(): boolean {
  if (!existsSync(PYTHON)) return false;
  return spawnSync(PYTHON, ['-c', 'import dkim, nacl'], { stdio: 'ignore' }).status === 0;
}
const hasDkimpy = dkimpyAvailable();
// Outside CI a missing tool skips with a message; in CI (which installs python3-dkim) it fails.
const dkimpySkip =
  hasDkimpy || process.env['CI'] ? false : 'python3-dkim is not installed (apt-get install python3-dkim)';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const ed = generateKeyPairSync('ed25519').privateKey;
// 'fn.2026' (a dotted selector, RFC 6376 3.1) publishes the RSA key again for the signing-function tests.
const KEYS: Record<string, KeyObject> = { rsa2048: rsa, ed: ed, 'fn.2026': rsa };
const RECORDS: Record<string, string> = {};
for (const [selector, key] of Object.entries(KEYS)) {
  const k = loadPrivateKey(key);
  RECORDS[`${selector}._domainkey.example.com`] = keyRecordText(k.keyType, k.publicKeyBytes).value;
}
const lookup = async (name: string) => {
  const r = RECORDS[name];
  if (!r) throw new KeyLookupError(`${name}: no such name`, false);
  return [r];
};
const mailauthResolver = async (name: string) => {
  const r = RECORDS[name];
  if (!r) throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
  // Node's resolveTxt shape: records of character-strings (of at most 255 bytes).
  return [r.match(/.{1,255}/g)!];
};

const MESSAGE = Buffer.from(
  [
    'From: Alice <alice@example.com>',
    'To: Bob <bob@example.net>',
    'Subject: Interop  test',
    '\twith a folded subject',
    'Date: Sat, 21 Nov 2026 10:00:00 +0000',
    'Message-ID: <interop@example.com>',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    'Gr\u00fc\u00dfe,  trailing spaces   ',
    '',
    '\tand tabs\t\t',
    '',
    '',
  ].join('\r\n'),
  'utf8',
);

const CANONS: Canonicalization[] = ['relaxed/relaxed', 'simple/simple', 'relaxed/simple', 'simple/relaxed'];
const ALGORITHMS = [
  ['rsa2048', 'rsa-sha256'],
  ['ed', 'ed25519-sha256'],
] as const;

function signHere(selector: string, canonicalization: Canonicalization): Buffer {
  const signer = new DkimSigner({
    keys: [{ domain: 'example.com', selector, privateKey: KEYS[selector]!, canonicalization }],
  });
  return Buffer.concat([Buffer.from(signer.signSync(MESSAGE)[0]!.header, 'latin1'), MESSAGE]);
}

/** One python3-dkim process for a whole batch (interpreter start-up dominates a single call). */
function dkimpy(request: object): unknown {
  const out = execFileSync(PYTHON, [SCRIPT], { input: JSON.stringify(request), timeout: 30_000 });
  return JSON.parse(out.toString());
}

function dkimpyKey(selector: string, algorithm: string): string {
  const key = KEYS[selector]!;
  return algorithm === 'rsa-sha256'
    ? (key.export({ type: 'pkcs1', format: 'pem' }) as string)
    : Buffer.from(key.export({ format: 'jwk' }).d!, 'base64url').toString('base64');
}

describe('interop: signatures made here', () => {
  // Every message to check with python3-dkim, verified in one batch before the tests look at it.
  const cases = ALGORITHMS.flatMap(([selector, algorithm]) =>
    CANONS.map((canon) => ({ selector, algorithm, canon })),
  );
  const tampered = Buffer.from(
    signHere('ed', 'relaxed/relaxed').toString('latin1').replace('tabs', 'tubs'),
    'latin1',
  );
  let pythonSays = new Map<string, boolean[]>();
  before(() => {
    if (!hasDkimpy) return;
    const messages = [...cases.map((c) => signHere(c.selector, c.canon)), tampered];
    const answers = dkimpy({
      verify: messages.map((m) => m.toString('base64')),
      records: RECORDS,
    }) as boolean[][];
    pythonSays = new Map(
      answers.map((a, i) => [i < cases.length ? `${cases[i]!.algorithm} ${cases[i]!.canon}` : 'tampered', a]),
    );
  });

  for (const [selector, algorithm] of ALGORITHMS) {
    for (const canon of CANONS) {
      it(`${algorithm} ${canon} verifies with mailauth`, async () => {
        const r = await dkimVerify(signHere(selector, canon), { resolver: mailauthResolver });
        assert.equal(r.results[0]?.status.result, 'pass', JSON.stringify(r.results[0]?.status));
      });
      it(`${algorithm} ${canon} verifies with python3-dkim`, { skip: dkimpySkip }, () => {
        assert.ok(hasDkimpy, 'python3-dkim is required in CI');
        assert.deepEqual(pythonSays.get(`${algorithm} ${canon}`), [true]);
      });
    }
  }

  it('a tampered message fails with both verifiers (they are not saying yes to everything)', async () => {
    const r = await dkimVerify(tampered, { resolver: mailauthResolver });
    assert.notEqual(r.results[0]?.status.result, 'pass');
    if (hasDkimpy) assert.deepEqual(pythonSays.get('tampered'), [false]);
  });
});

describe('interop: signatures made by the others verify here', () => {
  const verifier = new DkimVerifier({ lookup });
  const jobs = ALGORITHMS.flatMap(([selector, algorithm]) =>
    CANONS.map((canon) => ({ selector, algorithm, canon })),
  );
  let pythonSigned = new Map<string, Buffer>();
  before(() => {
    if (!hasDkimpy) return;
    const signed = dkimpy({
      sign: jobs.map((j) => ({
        message: MESSAGE.toString('base64'),
        selector: j.selector,
        domain: 'example.com',
        algorithm: j.algorithm,
        canonicalization: j.canon,
        key: dkimpyKey(j.selector, j.algorithm),
      })),
    }) as string[];
    pythonSigned = new Map(
      signed.map((m, i) => [`${jobs[i]!.algorithm} ${jobs[i]!.canon}`, Buffer.from(m, 'base64')]),
    );
  });
  for (const [selector, algorithm] of ALGORITHMS) {
    for (const canon of CANONS) {
      it(`mailauth ${algorithm} ${canon}`, async () => {
        const { signatures, errors } = await dkimSign(MESSAGE, {
          canonicalization: canon,
          signatureData: [
            {
              signingDomain: 'example.com',
              selector,
              privateKey: KEYS[selector]!.export({ type: 'pkcs8', format: 'pem' }),
              algorithm,
              canonicalization: canon,
            },
          ],
        });
        assert.deepEqual(errors, []);
        const [r] = await verifier.verify(Buffer.concat([Buffer.from(signatures), MESSAGE]));
        assert.equal(r?.result, 'pass', r?.reason);
        assert.equal(r?.algorithm, algorithm);
      });
      it(`python3-dkim ${algorithm} ${canon}`, { skip: dkimpySkip }, async () => {
        assert.ok(hasDkimpy, 'python3-dkim is required in CI');
        const [r] = await verifier.verify(pythonSigned.get(`${algorithm} ${canon}`)!);
        assert.equal(r?.result, 'pass', r?.reason);
        assert.equal(r?.algorithm, algorithm);
      });
    }
  }
});

describe('interop: signatures made with a signing function (a key held in an HSM or a KMS)', () => {
  // node:crypto stands in for the remote key: the signer sees only { keyType, sign }. The
  // signatures carry i= and x=, and the RSA one a dotted selector (s=fn.2026).
  const external = (selector: string): DkimExternalKey =>
    selector === 'ed'
      ? { keyType: 'ed25519', sign: async (digest) => cryptoSign(null, digest, KEYS[selector]!) }
      : { keyType: 'rsa', sign: async (data) => cryptoSign('sha256', data, KEYS[selector]!) };
  const signed = new Map<string, Buffer>();
  let pythonSays: boolean[][] = [];
  before(async () => {
    for (const [plain, algorithm] of ALGORITHMS) {
      const selector = plain === 'rsa2048' ? 'fn.2026' : plain;
      const signer = new DkimSigner({
        keys: [
          {
            domain: 'example.com',
            selector,
            privateKey: external(selector),
            identity: 'alice@example.com',
            expireAfterSeconds: 3600,
          },
        ],
      });
      const [sig] = await signer.sign(MESSAGE);
      signed.set(algorithm, Buffer.concat([Buffer.from(sig!.header, 'latin1'), MESSAGE]));
    }
    if (hasDkimpy) {
      pythonSays = dkimpy({
        verify: [...signed.values()].map((m) => m.toString('base64')),
        records: RECORDS,
      }) as boolean[][];
    }
  });
  ALGORITHMS.forEach(([, algorithm], i) => {
    it(`${algorithm} from a signing function verifies with mailauth`, async () => {
      const r = await dkimVerify(signed.get(algorithm)!, { resolver: mailauthResolver });
      assert.equal(r.results[0]?.status.result, 'pass', JSON.stringify(r.results[0]?.status));
    });
    it(`${algorithm} from a signing function verifies with python3-dkim`, { skip: dkimpySkip }, () => {
      assert.ok(hasDkimpy, 'python3-dkim is required in CI');
      assert.deepEqual(pythonSays[i], [true]);
    });
  });
});
