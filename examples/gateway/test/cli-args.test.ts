import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prng } from '@mailroute/testing';
import { parseArgs, parsePort } from '../src/cli-args.js';

describe('command line', () => {
  it('parses start with flags and switches', () => {
    const r = parseArgs(['start', '--config', 'cfg', '--data=/tmp/d', '--port', '0', '--system-dns']);
    assert.ok(r.ok);
    assert.equal(r.args.command, 'start');
    assert.equal(r.args.flags.get('config'), 'cfg');
    assert.equal(r.args.flags.get('data'), '/tmp/d');
    assert.equal(r.args.flags.get('port'), '0');
    assert.ok(r.args.switches.has('system-dns'));
  });

  it('collects repeated --rcpt for explain', () => {
    const r = parseArgs(['explain', '--ip', '192.0.2.1', '--from', 'a@b', '--rcpt', 'x@y', '--rcpt', 'z@y']);
    assert.ok(r.ok);
    assert.deepEqual(r.args.recipients, ['x@y', 'z@y']);
  });

  it('refuses unknown commands, unknown flags, stray words and missing values', () => {
    assert.deepEqual(parseArgs(['launch']), { ok: false, error: 'unknown command "launch"' });
    assert.deepEqual(parseArgs(['start', '--colour', 'red']), { ok: false, error: 'unknown flag --colour' });
    assert.deepEqual(parseArgs(['start', 'now']), { ok: false, error: 'unexpected argument "now"' });
    assert.deepEqual(parseArgs(['start', '--port']), { ok: false, error: '--port needs a value' });
  });

  it('no command is help', () => {
    const r = parseArgs([]);
    assert.ok(r.ok);
    assert.equal(r.args.command, 'help');
  });

  it('ports are whole numbers from 0 to 65535', () => {
    assert.equal(parsePort('2525'), 2525);
    assert.equal(parsePort('0'), 0);
    for (const bad of ['-1', '65536', '25.5', 'x', '']) assert.equal(typeof parsePort(bad), 'string');
  });

  it('fuzz: random argument lists give a command or an error, never an exception (seeded, 2000 rounds)', () => {
    const random = prng(42);
    const words = [
      'start',
      'status',
      'explain',
      '--port',
      '--port=',
      '--rcpt',
      '--json',
      '--system-dns=1',
      '--',
      '-h',
      '',
      '=',
      '--=x',
      'x',
    ];
    for (let round = 0; round < 2000; round++) {
      const argv = Array.from(
        { length: Math.floor(random() * 6) },
        () => words[Math.floor(random() * words.length)]!,
      );
      const r = parseArgs(argv);
      if (r.ok) assert.ok(['start', 'status', 'explain', 'help'].includes(r.args.command));
      else assert.equal(typeof r.error, 'string');
    }
  });
});
