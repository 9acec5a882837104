// The mailroute-keymgmt command as a user runs it: the compiled bin, in a child process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DkimVerifier, parseKeyRecord } from '@mailroute/dkim';
import { KeyManager } from '@mailroute/dkim/credstore';

const pkg = JSON.parse(
  await readFile(fileURLToPath(new URL('../../../packages/dkim/package.json', import.meta.url)), 'utf8'),
) as { bin: Record<string, string> };
const BIN = fileURLToPath(new URL(`../../../packages/dkim/${pkg.bin['mailroute-keymgmt']}`, import.meta.url));

describe('mailroute-keymgmt (the bin)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mailroute-keymgmt-bin-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const run = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [BIN, '--dir', join(dir, 'IBM_CredStore'), ...args], {
      cwd: dir,
      env: { PATH: process.env['PATH'] ?? '', ...env },
      encoding: 'utf8',
      input: '', // not a terminal: no prompt is possible
      timeout: 30_000,
    });

  it('starts with a shebang line', async () => {
    assert.match(await readFile(BIN, 'utf8'), /^#!\/usr\/bin\/env node\n/);
  });

  it('creates a NEK, a store and keys, lists them and exports the DNS record', async () => {
    assert.equal(run(['create', 'nek', 'credstorekey']).status, 0);
    assert.equal(run(['create', 'credstore', 'credstorekey']).status, 0);
    const created = run(['create', 'DKIM', 'martdj.nl', 'ed20240705', 'Ed25519']);
    const lines = created.stdout.trim().split('\n');
    assert.equal(lines[0], 'Created DKIM key ed20240705._domainkey.martdj.nl (Ed25519)');
    assert.ok(lines.includes('Name:  ed20240705._domainkey.martdj.nl'), created.stdout);
    assert.match(
      lines.at(-1)!,
      /^ed20240705\._domainkey\.martdj\.nl\. IN TXT "v=DKIM1; k=ed25519; p=[^"]+"$/,
    );
    assert.equal(run(['create', 'dkim', 'martdj.nl', '202206', 'rsa', '1024']).status, 0);
    const list = run(['list']).stdout.trim().split('\n');
    assert.equal(list.length, 3);
    assert.match(list[1]!, /^martdj\.nl\t202206\tRSA\t1024\t/);
    const dns = run(['export', 'dkim', 'dns', 'martdj.nl', 'ed20240705']).stdout.trim().split('\n');
    const value = dns.find((l) => l.startsWith('Value: '))!.slice('Value: '.length);
    assert.ok(parseKeyRecord(value).ok, value);
    assert.equal(dns.at(-1), lines.at(-1));
    assert.equal((await stat(join(dir, 'IBM_CredStore', 'credstore.json'))).mode & 0o777, 0o600);
    assert.equal((await stat(join(dir, 'IBM_CredStore'))).mode & 0o777, 0o700);
  });

  it('takes the export password from the environment, never from argv, and fails without a terminal', async () => {
    const onArgv = run(['export', 'nek', 'credstorekey', 'k.key', 'passw0rd']);
    assert.equal(onArgv.status, 2);
    assert.match(onArgv.stderr, /passwords are not accepted on the command line/);
    const noTty = run(['export', 'nek', 'credstorekey', 'k.key']);
    assert.equal(noTty.status, 1);
    assert.match(noTty.stderr, /MAILROUTE_KEYMGMT_PASSWORD/);
    const ok = run(['export', 'nek', 'credstorekey', 'k.key'], { MAILROUTE_KEYMGMT_PASSWORD: 'passw0rd' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /NEK credstorekey - Fingerprint ([0-9A-F]{4} ){15}[0-9A-F]{4}/);
    assert.equal((await stat(join(dir, 'k.key'))).mode & 0o777, 0o600);
    const wrong = run(['import', 'nek', 'overwrite', 'k.key'], { MAILROUTE_KEYMGMT_PASSWORD: 'nope' });
    assert.equal(wrong.status, 1);
    assert.match(wrong.stderr, /wrong password/);
  });

  it('moves keys to a second store and they sign there', async () => {
    const env = { MAILROUTE_KEYMGMT_PASSWORD: 'passw0rd' };
    assert.equal(run(['export', 'dkim', 'keys.json']).status, 0);
    const second = (args: string[]) =>
      spawnSync(process.execPath, [BIN, '--dir', join(dir, 'second'), ...args], {
        cwd: dir,
        env: { ...env, PATH: '' },
        encoding: 'utf8',
      });
    assert.equal(second(['import', 'nek', 'k.key']).status, 0);
    assert.equal(second(['create', 'credstore', 'credstorekey']).status, 0);
    const imported = second(['import', 'credstore', 'keys.json']);
    assert.match(imported.stdout, /imported successfully: 2 DKIM keys/);
    const { store } = await new KeyManager({ dir: join(dir, 'second') }).openStore();
    const entry = store.get('martdj.nl', '202206')!;
    const { DkimSigner } = await import('@mailroute/dkim');
    const msg = 'From: a@martdj.nl\r\nTo: b@example.net\r\nSubject: moved\r\n\r\nbody\r\n';
    const [sig] = new DkimSigner({
      keys: [{ domain: 'martdj.nl', selector: '202206', privateKey: entry.privateKey }],
    }).signSync(msg);
    const printed = run(['export', 'dkim', 'dns', 'martdj.nl', '202206']).stdout.split('\n');
    const record = printed.find((l) => l.startsWith('Value: '))!.slice('Value: '.length);
    const [r] = await new DkimVerifier({ lookup: async () => [record] }).verify(sig!.header + msg);
    assert.equal(r?.result, 'pass');
  });

  it('--help and no arguments print the usage and create nothing in the current directory', async () => {
    const empty = join(dir, 'empty-cwd');
    await mkdir(empty);
    for (const args of [['--help'], [], ['-h'], ['list', '--help']]) {
      const r = spawnSync(process.execPath, [BIN, ...args], {
        cwd: empty,
        env: { PATH: process.env['PATH'] ?? '' },
        encoding: 'utf8',
      });
      assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stdout, /^usage: mailroute-keymgmt/);
    }
    const list = spawnSync(process.execPath, [BIN, 'list'], {
      cwd: empty,
      env: { PATH: '' },
      encoding: 'utf8',
    });
    assert.equal(list.status, 1);
    assert.match(list.stderr, /no credential store/);
    assert.deepEqual(await readdir(empty), [], 'no IBM_CredStore was created');
  });

  it('takes --dir after the command, RSA without a size (2048) and 3072, dotted selectors, and writes the record file 0644', async () => {
    const third = join(dir, 'third');
    const at = (args: string[]) =>
      spawnSync(process.execPath, [BIN, ...args], {
        cwd: dir,
        env: { PATH: '' },
        encoding: 'utf8',
        timeout: 60_000,
      });
    assert.equal(at(['create', 'nek', 'k', '--dir', third]).status, 0);
    assert.equal(at(['create', 'credstore', 'k', `--dir=${third}`]).status, 0);
    const plain = at(['create', 'dkim', 'example.com', '2026.mail', 'rsa', '--dir', third]);
    assert.equal(plain.status, 0, plain.stderr);
    assert.match(plain.stdout, /^Created DKIM key 2026\.mail\._domainkey\.example\.com \(RSA 2048\)/);
    // A 2048-bit key's record is longer than 255 octets: the zone-file line splits it.
    assert.match(plain.stdout, /\n2026\.mail\._domainkey\.example\.com\. IN TXT "[^"]{255}" "[^"]+"\n$/);
    assert.equal(at(['--dir', third, 'create', 'dkim', 'example.com', 'big', 'RSA', '3072']).status, 0);
    const list = at(['list', '--dir', third]).stdout;
    assert.match(list, /example\.com\t2026\.mail\tRSA\t2048\t/);
    assert.match(list, /example\.com\tbig\tRSA\t3072\t/);
    const file = join(dir, 'record.txt');
    assert.equal(at(['export', 'dkim', 'dns', 'example.com', '2026.mail', file, '--dir', third]).status, 0);
    assert.equal((await stat(file)).mode & 0o777, 0o644);
    assert.match(
      await readFile(file, 'utf8'),
      /^2026\.mail\._domainkey\.example\.com\. IN TXT "v=DKIM1; k=rsa; p=/,
    );
  });
});
