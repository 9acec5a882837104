/**
 * The control channel and the operator's settings, without a gateway: the socket is owner-only,
 * replaces a dead predecessor's, refuses bad and oversized requests with an answer (never a
 * crash), and the client says clearly when nothing listens; gateway.json's mailRules, journaling
 * and routingLog with their errors; the rules file checked by check-config; the CLI's new words.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { silentLogger } from '@mailroute/envelope';
import { parseArgs } from '../src/cli-args.js';
import { FieldReader } from '../src/config-fields.js';
import { checkMailRulesFile, parseRoutingLogFlag, readOperatorSettings } from '../src/config-mail-rules.js';
import {
  type ControlRequest,
  controlFolder,
  controlRequest,
  controlSocketPath,
  MAX_REQUEST_BYTES,
  startControlServer,
} from '../src/control-socket.js';
import { gatewayLineLogger } from '../src/log-lines.js';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function temp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'gw-control-'));
  dirs.push(d);
  return d;
}

/** Sends raw bytes and reads the whole answer. */
function raw(path: string, bytes: Buffer | string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = createConnection(path);
    let out = '';
    s.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    s.on('error', (e: NodeJS.ErrnoException) =>
      e.code === 'EPIPE' || e.code === 'ECONNRESET' ? resolve(out) : reject(e),
    );
    s.on('close', () => resolve(out));
    s.write(bytes);
  });
}

describe('control socket', () => {
  it('is owner-only, answers requests, refuses bad ones with an answer, and replaces a stale socket', async () => {
    const data = await temp();
    const seen: ControlRequest[] = [];
    const handler = async (r: ControlRequest) => {
      seen.push(r);
      return { ok: true as const, result: { echo: r.command } };
    };
    const first = await startControlServer(data, handler, silentLogger);
    assert.ok(first);
    // A crash leaves the socket file behind: the next start (holding the data lock) replaces it.
    const second = await startControlServer(data, handler, silentLogger);
    assert.ok(second);
    assert.equal((await stat(controlFolder(data))).mode & 0o777, 0o700);
    assert.equal((await stat(controlSocketPath(data))).mode & 0o777, 0o600);
    assert.deepEqual(await controlRequest(data, { command: 'stats' }), {
      ok: true,
      result: { echo: 'stats' },
    });
    assert.match(await raw(second.path, 'not json\n'), /"code":"control\.badRequest".*bad request/);
    assert.match(await raw(second.path, '{"nocommand":1}\n'), /not an object with a \\"command\\"/);
    assert.match(
      await raw(second.path, Buffer.alloc(MAX_REQUEST_BYTES + 10, 0x61)),
      /request over 65536 bytes/,
    );
    assert.equal(seen.length, 1);
    await second.close();
    await first.close();
    await assert.rejects(
      controlRequest(data, { command: 'stats' }),
      /no gateway is running with the data directory/,
    );
  });

  it('a data directory path too long for a Unix socket runs without the channel, saying why', async () => {
    const data = join(await temp(), 'x'.repeat(120));
    const lines: string[] = [];
    const server = await startControlServer(
      data,
      async () => ({ ok: true, result: null }),
      gatewayLineLogger((l) => lines.push(l)),
    );
    assert.equal(server, undefined);
    assert.match(lines[0] ?? '', /longer than 107 bytes .* no control channel/);
  });

  it('a file that is not a socket in its place is refused, not removed', async () => {
    const data = await temp();
    await startControlServer(data, async () => ({ ok: true, result: null }), silentLogger).then((s) =>
      s?.close(),
    );
    await writeFile(controlSocketPath(data), 'precious');
    await assert.rejects(
      startControlServer(data, async () => ({ ok: true, result: null }), silentLogger),
      /exists and is not a socket/,
    );
  });
});

describe('operator settings in gateway.json', () => {
  it('defaults, and every bad field named', () => {
    const ok = new FieldReader('gateway.json');
    assert.deepEqual(readOperatorSettings(ok, {}), {
      mailRules: undefined,
      journaling: { folder: 'mailjrn' },
      routingLog: { logMailRouting: 20, debugRouter: 0 },
    });
    assert.deepEqual(ok.errors, []);
    const r = new FieldReader('gateway.json');
    readOperatorSettings(r, {
      mailRules: { file: '', checkIntervalMs: 1, colour: 1 },
      journaling: { folder: 3 },
      routingLog: { logMailRouting: 25, debugRouter: 4 },
    });
    assert.deepEqual(
      r.errors.map((e) => e.message),
      [
        'gateway.json: mailRules.colour: unknown field (known: file, checkIntervalMs, maxRules)',
        'gateway.json: mailRules.file: must be a non-empty string, got ""',
        'gateway.json: mailRules.checkIntervalMs: must be a whole number from 50 to 86400000, got 1',
        'gateway.json: routingLog.logMailRouting: must be 10, 20, 30 or 40, got 25',
        'gateway.json: journaling.folder: must be a non-empty string, got 3',
        'gateway.json: routingLog.debugRouter: must be a whole number from 0 to 3, got 4',
      ],
    );
  });

  it('check-config names the rules file and each problem; a missing file is an error', async () => {
    const dir = await temp();
    await writeFile(
      join(dir, 'rules.json'),
      JSON.stringify([{ name: 'x', when: [{ field: 'colour' }], action: { type: 'hold' } }]),
    );
    const errors = await checkMailRulesFile(dir, {
      file: 'rules.json',
      checkIntervalMs: 1000,
      maxRules: 100,
    });
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.message, /^rules\.json: .*colour/);
    const missing = await checkMailRulesFile(dir, {
      file: 'none.json',
      checkIntervalMs: 1000,
      maxRules: 100,
    });
    assert.match(missing[0]!.message, /^none\.json: .*ENOENT/);
    await writeFile(
      join(dir, 'many.json'),
      JSON.stringify(
        Array.from({ length: 3 }, () => ({ when: [{ field: 'allDocuments' }], action: { type: 'hold' } })),
      ),
    );
    const tooMany = await checkMailRulesFile(dir, { file: 'many.json', checkIntervalMs: 1000, maxRules: 2 });
    assert.equal(tooMany.length, 1);
    assert.deepEqual(await checkMailRulesFile(dir, undefined), []);
  });
});

describe('command line of the operator commands', () => {
  it('queue, track and rules take their words; other commands still refuse stray words', () => {
    const q = parseArgs(['queue', 'release', '0MX1', '--index', '0,2', '--data', '/d']);
    assert.ok(q.ok);
    assert.deepEqual(q.args.positionals, ['release', '0MX1']);
    assert.equal(q.args.flags.get('index'), '0,2');
    const t = parseArgs(['track', '<a@b>', '--json']);
    assert.ok(t.ok);
    assert.deepEqual(t.args.positionals, ['<a@b>']);
    assert.deepEqual(parseArgs(['queue', 'show', 'a', 'b']), { ok: false, error: 'unexpected argument "b"' });
    assert.deepEqual(parseArgs(['status', 'now']), { ok: false, error: 'unexpected argument "now"' });
    const s = parseArgs(['start', '--log-mail-routing', '40', '--debug-router', '3']);
    assert.ok(s.ok);
    assert.equal(s.args.flags.get('log-mail-routing'), '40');
  });

  it('routing log flags take only Domino values', () => {
    assert.equal(parseRoutingLogFlag('log-mail-routing', '30'), 30);
    assert.equal(parseRoutingLogFlag('debug-router', '2'), 2);
    assert.match(String(parseRoutingLogFlag('log-mail-routing', '25')), /must be one of 10, 20, 30, 40/);
    assert.match(String(parseRoutingLogFlag('debug-router', '9')), /must be one of 0, 1, 2, 3/);
  });
});
