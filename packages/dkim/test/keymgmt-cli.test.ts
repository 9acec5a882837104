import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseCommand, splitArguments } from '../src/cli/command.js';
import { zoneFileLine } from '../src/cli/publish.js';
import { type KeymgmtIo, runKeymgmt } from '../src/cli/run.js';
import { KeyManager } from '../src/credstore/index.js';

describe('keymgmt command words', () => {
  const ok: [string, object][] = [
    ['create nek credstorekey', { verb: 'create-nek', name: 'credstorekey' }],
    ['Create Credstore credstorekey', { verb: 'create-credstore', nek: 'credstorekey' }],
    [
      'create DKIM mardtj.nl rsa202407 rsa 1024',
      { verb: 'create-dkim', domain: 'mardtj.nl', selector: 'rsa202407', keyType: 'rsa', bits: 1024 },
    ],
    [
      'create DKIM mardtj.nl ed20240705 Ed25519',
      { verb: 'create-dkim', domain: 'mardtj.nl', selector: 'ed20240705', keyType: 'ed25519' },
    ],
    [
      'export DKIM DNS marddj.nl ed20240705 f.txt',
      { verb: 'export-dkim-dns', domain: 'marddj.nl', selector: 'ed20240705', file: 'f.txt' },
    ],
    [
      'export dkim dns marddj.nl ed20240705',
      { verb: 'export-dkim-dns', domain: 'marddj.nl', selector: 'ed20240705' },
    ],
    ['list', { verb: 'list' }],
    [
      'export nek credstorekey credstorekey.key',
      { verb: 'export-nek', name: 'credstorekey', file: 'credstorekey.key' },
    ],
    [
      'import nek overwrite credstorekey.key',
      { verb: 'import-nek', overwrite: true, file: 'credstorekey.key' },
    ],
    ['import nek k.key', { verb: 'import-nek', overwrite: false, file: 'k.key' }],
    ['export DKIM dkimdb.json', { verb: 'export-dkim', file: 'dkimdb.json' }],
    ['import credstore dkimdb.json', { verb: 'import-credstore', overwrite: false, file: 'dkimdb.json' }],
    ['delete dkim martdj.nl 202206', { verb: 'delete-dkim', domain: 'martdj.nl', selector: '202206' }],
    ['', { verb: 'help' }],
    [
      'create dkim a.example s rsa',
      { verb: 'create-dkim', domain: 'a.example', selector: 's', keyType: 'rsa' },
    ],
    [
      'create dkim a.example 2026.mail RSA 3072',
      { verb: 'create-dkim', domain: 'a.example', selector: '2026.mail', keyType: 'rsa', bits: 3072 },
    ],
  ];
  for (const [line, expected] of ok) {
    it(`reads "${line}"`, () => assert.deepEqual(parseCommand(line ? line.split(' ') : []), expected));
  }

  for (const line of [
    'export nek credstorekey credstorekey.key passw0rd',
    'import nek overwrite credstorekey.key passw0rd',
    'import nek k.key passw0rd',
  ]) {
    it(`refuses a password on the command line: "${line}"`, () => {
      const r = parseCommand(line.split(' '));
      assert.ok('error' in r);
      assert.match(r.error, /passwords are not accepted on the command line/);
    });
  }

  for (const line of [
    'create dkim a.example s rsa big',
    'create dkim a.example s dsa 1024',
    'frobnicate',
    'delete dkim x',
  ]) {
    it(`gives usage for "${line}"`, () => assert.ok('error' in parseCommand(line.split(' '))));
  }
});

describe('keymgmt options anywhere on the line', () => {
  const cases: [string[], object][] = [
    [['--dir', '/d', 'list'], { dir: '/d', help: false, words: ['list'] }],
    [['list', '--dir', '/d'], { dir: '/d', help: false, words: ['list'] }],
    [['create', '--dir=/d', 'nek', 'k'], { dir: '/d', help: false, words: ['create', 'nek', 'k'] }],
    [['--help'], { help: true, words: [] }],
    [['create', 'nek', '-h'], { help: true, words: ['create', 'nek'] }],
    [['import', 'nek', '--', '--odd-file'], { help: false, words: ['import', 'nek', '--odd-file'] }],
  ];
  for (const [argv, expected] of cases) {
    it(`reads ${argv.join(' ')}`, () => assert.deepEqual(splitArguments(argv), expected));
  }
  for (const argv of [
    ['list', '--dir'],
    ['--dir=', 'list'],
    ['--dir', 'a', '--dir', 'b', 'list'],
    ['--force'],
  ]) {
    it(`refuses ${argv.join(' ')}`, () => assert.ok('error' in splitArguments(argv)));
  }
});

describe('the zone-file line', () => {
  it('makes the owner absolute and quotes each string, escaping quotes and backslashes', () => {
    assert.equal(
      zoneFileLine('s._domainkey.a.example', ['v=DKIM1; p=AB', 'CD']),
      's._domainkey.a.example. IN TXT "v=DKIM1; p=AB" "CD"',
    );
    assert.equal(zoneFileLine('x.example.', ['a"b\\c']), 'x.example. IN TXT "a\\"b\\\\c"');
  });
});

describe('keymgmt run', () => {
  let dir: string;
  const files = new Map<string, Buffer>();
  const modes = new Map<string, number>();
  const out: string[] = [];
  const err: string[] = [];
  const prompts: string[] = [];
  let io: KeymgmtIo;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mailroute-keymgmt-'));
    io = {
      manager: new KeyManager({ dir, scrypt: { N: 2 ** 12, r: 8, p: 1 } }),
      readFile: async (p) => {
        const f = files.get(p);
        if (!f) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
        return f;
      },
      writeFile: async (p, d) => {
        files.set(p, Buffer.from(d));
        modes.set(p, 0o600);
      },
      writePublicFile: async (p, d) => {
        files.set(p, Buffer.from(d));
        modes.set(p, 0o644);
      },
      out: (l) => out.push(l),
      err: (l) => err.push(l),
      password: async (prompt) => {
        prompts.push(prompt);
        return 'secret';
      },
    };
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const run = (line: string) => runKeymgmt(line.split(' '), io);

  it('runs the Domino sequence end to end', async () => {
    assert.equal(await run('create nek credstorekey'), 0);
    assert.match(out.at(-1)!, /NEK credstorekey created successfully/);
    assert.equal(await run('create credstore credstorekey'), 0);
    const before = out.length;
    assert.equal(await run('create DKIM martdj.nl Ed20240705 Ed25519'), 0);
    const created = out.slice(before);
    assert.equal(created[0], 'Created DKIM key Ed20240705._domainkey.martdj.nl (Ed25519)');
    assert.equal(created[2], 'Name:  Ed20240705._domainkey.martdj.nl');
    assert.match(created[4]!, /^Value: v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}=$/);
    assert.match(
      created.at(-1)!,
      /^Ed20240705\._domainkey\.martdj\.nl\. IN TXT "v=DKIM1; k=ed25519; p=[^"]+"$/,
    );
    assert.equal(await run('export DKIM DNS martdj.nl ed20240705 martdj_nl_ed20240705.txt'), 0);
    assert.equal(files.get('martdj_nl_ed20240705.txt')!.toString(), `${created.at(-1)}\n`);
    assert.equal(modes.get('martdj_nl_ed20240705.txt'), 0o644, 'the public record is written readable');
    assert.equal(out.at(-1), created.at(-1), 'export prints the same zone-file line');
    assert.equal(await run('list'), 0);
    assert.match(out.at(-1)!, /^martdj\.nl\tEd20240705\tEd25519\t256\t([0-9A-F]{4} ){15}[0-9A-F]{4}$/);
    assert.equal(await run('export nek credstorekey credstorekey.key'), 0);
    assert.equal(prompts.length, 1, 'the password came from the prompt');
    assert.equal(await run('import nek credstorekey.key'), 1, 'exists without overwrite');
    assert.match(err.at(-1)!, /already exists/);
    assert.equal(await run('import nek overwrite credstorekey.key'), 0);
    assert.equal(await run('export dkim keys.json'), 0);
    assert.equal(await run('import credstore keys.json'), 0);
    assert.match(out.at(-2)!, /Skipped Ed20240705._domainkey.martdj.nl/);
    assert.equal(await run('delete dkim martdj.nl ed20240705'), 0);
    assert.equal(await run('delete dkim martdj.nl ed20240705'), 1);
    assert.equal(await run('import credstore missing.json'), 1);
    assert.match(err.at(-1)!, /ENOENT/);
    assert.equal(await run('bogus'), 2);
  });

  it('import nek overwrite with another key re-encrypts the store, warns, and the store still opens', async () => {
    const other = new KeyManager({ dir: join(dir, 'other'), scrypt: { N: 2 ** 12, r: 8, p: 1 } });
    await other.createNek('credstorekey');
    files.set('other.key', (await other.exportNek('credstorekey', 'secret')).data);
    assert.equal(await run('import nek overwrite other.key'), 0);
    assert.match(
      err.at(-1)!,
      /^Warning: NEK credstorekey opened the credential store .*re-encrypted with the imported key/,
    );
    assert.equal(await run('list'), 0);
  });
});
