import assert from 'node:assert/strict';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createDevCertificate } from '@mailroute/smtp-server';
import { prng } from '@mailroute/testing';
import { loadGatewayConfig } from '../src/config-load.js';
import { EXAMPLE_CONFIG, removeDir, tempDir } from './helpers.js';

let dir: string;

/** A copy of the shipped configuration with one file replaced. */
async function variant(file: string, edit: (value: Record<string, unknown>) => unknown): Promise<string> {
  const target = await tempDir('gateway-config-');
  await cp(EXAMPLE_CONFIG, target, { recursive: true });
  const value = JSON.parse(await readFile(join(target, file), 'utf8')) as Record<string, unknown>;
  await writeFile(join(target, file), JSON.stringify(edit(value)));
  return target;
}

async function errorsOf(target: string): Promise<string[]> {
  const loaded = await loadGatewayConfig(target);
  await removeDir(target);
  return loaded.errors.map((e) => e.message);
}

describe('configuration directory', () => {
  before(async () => {
    dir = await tempDir('gateway-config-');
  });
  after(() => removeDir(dir));

  it('the shipped example loads without errors and fills the local domains from the Global Domain document', async () => {
    const loaded = await loadGatewayConfig(EXAMPLE_CONFIG);
    assert.deepEqual(
      loaded.errors.map((e) => e.message),
      [],
    );
    assert.equal(loaded.config?.gateway.port, 2525);
    assert.equal(loaded.config?.gateway.host, '127.0.0.1');
    assert.deepEqual(loaded.config?.inbound.localInternetDomains, ['acme.example', 'acme-corp.example']);
    assert.equal(loaded.config?.gateway.tnef.enableConversion, true);
  });

  it('a missing file and a file that is not JSON are named', async () => {
    const target = await tempDir('gateway-config-');
    await cp(EXAMPLE_CONFIG, target, { recursive: true });
    await rm(join(target, 'dns-zone.json'));
    await writeFile(join(target, 'dkim.json'), '{ "settings": ');
    const errors = await errorsOf(target);
    assert.ok(errors.includes('dns-zone.json: file not found'), errors.join('\n'));
    assert.ok(
      errors.some((e) => e.startsWith('dkim.json: not valid JSON')),
      errors.join('\n'),
    );
  });

  it('gateway.json errors name the field', async () => {
    const target = await variant('gateway.json', (g) => ({
      ...g,
      port: 'twenty-five',
      startTls: 'sometimes',
      prot: 25,
      maxBufferedBytes: 2048,
      maxMessageSize: 1_000_000,
      thisServer: 'CN=Nowhere/O=Acme',
      users: [{ name: 'eve', password: 'plain-text' }, { name: 3 }],
      tnef: { enableConversion: 'yes' },
    }));
    const errors = await errorsOf(target);
    for (const expected of [
      'gateway.json: port: must be a whole number from 0 to 65535, got "twenty-five"',
      'gateway.json: startTls: must be one of disabled, enabled, required, got "sometimes"',
      'gateway.json: prot: unknown field',
      'gateway.json: maxBufferedBytes: must be at least maxMessageSizeBytes (26214400)',
      'gateway.json: maxMessageSize: renamed to maxMessageSizeBytes',
      'gateway.json: thisServer: no Server document named "CN=Nowhere/O=Acme" in directory.json',
      'gateway.json: users[0].password: must be a scrypt hash',
      'gateway.json: users[1].name: must be a non-empty string, got 3',
      'gateway.json: users[1].password: is required',
      'gateway.json: tnef.enableConversion: must be true or false, got "yes"',
    ]) {
      assert.ok(
        errors.some((e) => e.startsWith(expected)),
        `missing ${expected} in\n${errors.join('\n')}`,
      );
    }
  });

  it('gateway.json router and captureSink errors name the field', async () => {
    const target = await variant('gateway.json', (g) => ({
      ...g,
      router: {
        initialTransferRetryIntervalMs: 0,
        routerDSNForNULLReversePath: 3,
        smtpPorts: { 'mail2.acme.example': 70000 },
        dns: true,
      },
      captureSink: { port: -1, hosts: ['', 'sink.acme.example'], colour: 'red' },
    }));
    const errors = await errorsOf(target);
    for (const expected of [
      'gateway.json: router.initialTransferRetryIntervalMs: must be a whole number from 1 to',
      'gateway.json: router.routerDSNForNULLReversePath: must be a whole number from 0 to 2, got 3',
      'gateway.json: router.smtpPorts.mail2.acme.example: must be a whole number from 1 to 65535, got 70000',
      'gateway.json: router.dns: unknown field',
      'gateway.json: captureSink.port: must be a whole number from 0 to 65535, got -1',
      'gateway.json: captureSink.hosts[0]: must be a host name',
      'gateway.json: captureSink.colour: unknown field',
    ]) {
      assert.ok(
        errors.some((e) => e.startsWith(expected)),
        `missing ${expected} in\n${errors.join('\n')}`,
      );
    }
  });

  it('gateway.json router thread counts and pipelineData: defaults, values and errors', async () => {
    const shipped = await loadGatewayConfig(EXAMPLE_CONFIG);
    const r = shipped.config?.gateway.router;
    assert.equal(r?.maxTransferThreads, undefined, "absent: the Router's Domino default");
    assert.equal(r?.maxConcurrentTransferThreads, undefined);
    assert.equal(r?.maxDeliveryThreads, undefined);
    assert.equal(r?.pipelineData, true);
    const set = await variant('gateway.json', (g) => ({
      ...g,
      router: {
        maxTransferThreads: 30,
        maxConcurrentTransferThreads: 20,
        maxDeliveryThreads: 4,
        pipelineData: false,
      },
    }));
    const loaded = await loadGatewayConfig(set);
    await removeDir(set);
    assert.deepEqual(loaded.errors, []);
    const got = loaded.config?.gateway.router;
    assert.deepEqual(
      [
        got?.maxTransferThreads,
        got?.maxConcurrentTransferThreads,
        got?.maxDeliveryThreads,
        got?.pipelineData,
      ],
      [30, 20, 4, false],
    );
    const bad = await variant('gateway.json', (g) => ({
      ...g,
      router: { maxTransferThreads: 0, maxConcurrentTransferThreads: 1.5, pipelineData: 'yes' },
    }));
    const errors = await errorsOf(bad);
    for (const expected of [
      'gateway.json: router.maxTransferThreads: must be a whole number from 1 to 1000, got 0',
      'gateway.json: router.maxConcurrentTransferThreads: must be a whole number from 1 to 1000, got 1.5',
      'gateway.json: router.pipelineData: must be true or false, got "yes"',
    ])
      assert.ok(
        errors.some((e) => e.startsWith(expected)),
        `missing ${expected} in\n${errors.join('\n')}`,
      );
  });

  it('gateway.json tls: the certificate and key files are read and checked, errors naming the field', async () => {
    const a = createDevCertificate('mail1.acme.example', new Date());
    const b = createDevCertificate('mail1.acme.example', new Date());
    const withTls = async (tls: unknown, files: Record<string, string> = {}) => {
      const target = await variant('gateway.json', (g) => ({ ...g, tls }));
      for (const [name, text] of Object.entries(files)) await writeFile(join(target, name), text);
      return target;
    };
    const good = await withTls(
      { certificateFile: 'server.crt', keyFile: 'server.key' },
      { 'server.crt': a.cert, 'server.key': a.key },
    );
    const loaded = await loadGatewayConfig(good);
    await removeDir(good);
    assert.deepEqual(loaded.errors, []);
    assert.deepEqual(loaded.config?.gateway.tls, { certificateFile: 'server.crt', keyFile: 'server.key' });
    const cases: [unknown, Record<string, string>, string][] = [
      [{ certificateFile: 'server.crt' }, {}, 'gateway.json: tls.keyFile: is required'],
      [
        { certificateFile: 'server.crt', keyFile: 'server.key', pin: 1 },
        {},
        'gateway.json: tls.pin: unknown field',
      ],
      [
        { certificateFile: 'none.crt', keyFile: 'server.key' },
        { 'server.key': a.key },
        'gateway.json: tls.certificateFile: ',
      ],
      [
        { certificateFile: 'server.crt', keyFile: 'server.key' },
        { 'server.crt': 'garbage', 'server.key': a.key },
        'gateway.json: tls.certificateFile: not a PEM certificate',
      ],
      [
        { certificateFile: 'server.crt', keyFile: 'server.key' },
        { 'server.crt': a.cert, 'server.key': 'garbage' },
        'gateway.json: tls.keyFile: not a PEM private key',
      ],
      [
        { certificateFile: 'server.crt', keyFile: 'server.key' },
        { 'server.crt': a.cert, 'server.key': b.key },
        'gateway.json: tls.keyFile: is not the key of the certificate',
      ],
    ];
    for (const [tls, files, expected] of cases) {
      const errors = await errorsOf(await withTls(tls, files));
      assert.ok(
        errors.some((e) => e.startsWith(expected)),
        `missing ${expected} in\n${errors.join('\n')}`,
      );
    }
  });

  it('directory.json and smtp-inbound.json errors come from the packages with their paths', async () => {
    const d = await variant('directory.json', (v) => ({
      ...v,
      persons: [...(v['persons'] as unknown[]), { fullNames: [], internetAddress: 'not an address' }],
    }));
    const dErrors = await errorsOf(d);
    assert.ok(
      dErrors.some((e) => e.startsWith('directory.json: persons[4]')),
      dErrors.join('\n'),
    );
    const p = await variant('smtp-inbound.json', (v) => ({
      ...v,
      relay: { ...(v['relay'] as object), allowFrom: ['[999.1.1.1]'] },
    }));
    const pErrors = await errorsOf(p);
    assert.ok(
      pErrors.some((e) => e.startsWith('smtp-inbound.json: relay.allowFrom[0]')),
      pErrors.join('\n'),
    );
  });

  it('dns-zone.json and dkim.json errors name the record and the setting', async () => {
    const z = await variant('dns-zone.json', (v) => ({ ...v, 'bad.example': { A: '127.0.0.1', MXX: [] } }));
    const zErrors = await errorsOf(z);
    assert.ok(
      zErrors.includes('dns-zone.json: "bad.example".A: must be a list, got "127.0.0.1"'),
      zErrors.join('\n'),
    );
    assert.ok(
      zErrors.some((e) => e.startsWith('dns-zone.json: "bad.example".MXX: unknown field')),
      zErrors.join('\n'),
    );
    const k = await variant('dkim.json', (v) => ({
      ...v,
      settings: { RouterDKIMSignin: '1' },
      developmentKeys: [{ domain: 'acme.example', selector: 's', type: 'dsa', bits: 512 }],
    }));
    const kErrors = await errorsOf(k);
    assert.ok(
      kErrors.some((e) => e.startsWith('dkim.json: settings.RouterDKIMSignin: unknown setting')),
      kErrors.join('\n'),
    );
    assert.ok(
      kErrors.some((e) => e.startsWith('dkim.json: developmentKeys[0].type: must be one of rsa, ed25519')),
      kErrors.join('\n'),
    );
    assert.ok(
      kErrors.some((e) => e.startsWith('dkim.json: developmentKeys[0].bits')),
      kErrors.join('\n'),
    );
  });

  it('fuzz: random values in gateway.json give errors or a config, never an exception (seeded, 300 rounds)', async () => {
    const random = prng(0x5eed);
    const values: unknown[] = [
      null,
      -1,
      0,
      1.5,
      65536,
      'x',
      '',
      [],
      {},
      true,
      2 ** 40,
      '\u0000',
      [1, 'a'],
      { a: 1 },
    ];
    const keys = [
      'hostname',
      'thisServer',
      'host',
      'port',
      'submissionPort',
      'startTls',
      'users',
      'tnef',
      'maxSessions',
    ];
    const original = JSON.parse(await readFile(join(EXAMPLE_CONFIG, 'gateway.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    await cp(EXAMPLE_CONFIG, dir, { recursive: true });
    for (let round = 0; round < 300; round++) {
      const mutated: Record<string, unknown> = { ...original };
      const changes = 1 + Math.floor(random() * 3);
      for (let c = 0; c < changes; c++) {
        mutated[keys[Math.floor(random() * keys.length)]!] = values[Math.floor(random() * values.length)];
      }
      const text =
        random() < 0.1
          ? JSON.stringify(mutated).slice(0, Math.floor(random() * 100))
          : JSON.stringify(mutated);
      await writeFile(join(dir, 'gateway.json'), text);
      const loaded = await loadGatewayConfig(dir);
      assert.ok(loaded.config !== undefined || loaded.errors.length > 0);
      for (const e of loaded.errors) assert.match(e.message, /^[a-z-]+\.json: /);
    }
  });
});
