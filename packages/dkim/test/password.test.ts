import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { PASSWORD_ENV, passwordSource } from '../src/cli/password.js';

/** A fake terminal: records raw-mode switches, and types what the test gives it once reading starts. */
class FakeTty extends EventEmitter {
  isTTY = true;
  raw: boolean[] = [];
  readonly #typed: string[];
  constructor(typed: string[]) {
    super();
    this.#typed = typed;
  }
  setRawMode(on: boolean): this {
    this.raw.push(on);
    return this;
  }
  resume(): this {
    const next = this.#typed.shift();
    if (next !== undefined) setImmediate(() => this.emit('data', Buffer.from(next)));
    return this;
  }
  pause(): this {
    return this;
  }
}

function output(): { stream: NodeJS.WritableStream; text: () => string } {
  let text = '';
  const stream = {
    write: (s: string) => {
      text += s;
      return true;
    },
  } as unknown as NodeJS.WritableStream;
  return { stream, text: () => text };
}

describe('keymgmt password source', () => {
  it('prefers the environment variable', async () => {
    const ask = passwordSource({ [PASSWORD_ENV]: 'from-env' }, new FakeTty([]) as never, output().stream);
    assert.equal(await ask('Password: ', true), 'from-env');
  });

  it('refuses without a terminal', async () => {
    const notTty = Object.assign(new FakeTty([]), { isTTY: false });
    await assert.rejects(
      passwordSource({}, notTty as never, output().stream)('Password: ', false),
      /set MAILROUTE_KEYMGMT_PASSWORD/,
    );
  });

  it('reads a hidden line in raw mode, with backspace, and never echoes it', async () => {
    const tty = new FakeTty(['sex\u007fcret\r']);
    const out = output();
    assert.equal(await passwordSource({}, tty as never, out.stream)('Password: ', false), 'secret');
    assert.deepEqual(tty.raw, [true, false]);
    assert.equal(out.text(), 'Password: \n');
  });

  it('asks twice when setting a password and refuses a mismatch', async () => {
    const same = new FakeTty(['pw\r', 'pw\n']);
    assert.equal(await passwordSource({}, same as never, output().stream)('New: ', true), 'pw');
    const differ = new FakeTty(['pw\r', 'px\r']);
    await assert.rejects(
      passwordSource({}, differ as never, output().stream)('New: ', true),
      /the passwords differ/,
    );
  });

  it('stops on Ctrl-C', async () => {
    const tty = new FakeTty(['ab\u0003']);
    await assert.rejects(passwordSource({}, tty as never, output().stream)('Password: ', false), /cancelled/);
    assert.deepEqual(tty.raw, [true, false]);
  });
});
