import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { type Clock, silentLogger, systemClock } from '@mailroute/envelope';
import { devCertificatePaths, developmentCertificate } from '../src/dev-certificate.js';
import { removeDir, tempDir } from './helpers.js';

const at = (ms: number): Clock => ({ ...systemClock, now: () => ms });

describe('the development certificate kept in the data directory', () => {
  let dir: string;
  before(async () => {
    dir = await tempDir('gateway-devcert-');
  });
  after(() => removeDir(dir));

  it('is made once, with its key private, and used again at the next start', async () => {
    const now = Date.now();
    const first = await developmentCertificate(dir, 'mail1.acme.example', at(now), silentLogger);
    const paths = devCertificatePaths(dir);
    assert.equal(await readFile(paths.cert, 'utf8'), first.cert);
    assert.equal(await readFile(paths.key, 'utf8'), first.key);
    assert.equal((await stat(paths.key)).mode & 0o777, 0o600);
    assert.equal((await stat(paths.folder)).mode & 0o777, 0o700);
    const x509 = new X509Certificate(first.cert);
    assert.equal(x509.checkHost('mail1.acme.example'), 'mail1.acme.example');
    const again = await developmentCertificate(dir, 'mail1.acme.example', at(now + 3600_000), silentLogger);
    assert.deepEqual(again, first);
  });

  it('is made anew for another host name, within a day of its end, or when a file is damaged', async () => {
    const now = Date.now();
    const kept = await developmentCertificate(dir, 'mail1.acme.example', at(now), silentLogger);
    const renamed = await developmentCertificate(dir, 'mail2.acme.example', at(now), silentLogger);
    assert.notEqual(renamed.cert, kept.cert);
    assert.equal(new X509Certificate(renamed.cert).checkHost('mail2.acme.example'), 'mail2.acme.example');
    // It is valid for 30 days: 29.5 days on, it is renewed.
    const late = await developmentCertificate(
      dir,
      'mail2.acme.example',
      at(now + 29.5 * 86_400_000),
      silentLogger,
    );
    assert.notEqual(late.cert, renamed.cert);
    await writeFile(devCertificatePaths(dir).key, 'not a key');
    const repaired = await developmentCertificate(dir, 'mail2.acme.example', at(now), silentLogger);
    assert.notEqual(repaired.key, 'not a key');
    assert.ok(
      new X509Certificate(repaired.cert).checkPrivateKey(
        await import('node:crypto').then((c) => c.createPrivateKey(repaired.key)),
      ),
    );
  });
});
