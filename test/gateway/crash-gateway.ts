/**
 * The crash test's handle on the gateway as a child process: start it and wait until it says it
 * is ready, kill it with SIGKILL, and read what its Router delivered into the mail files.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GATEWAY_MAIN } from './tools.js';

/** Starts `mailroute-gateway start` and resolves once it says it is ready (bounded: 60 s). */
export function startGatewayChild(options: {
  readonly config: string;
  readonly data: string;
  readonly port: number;
}): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const c = spawn(
      process.execPath,
      [
        GATEWAY_MAIN,
        'start',
        '--config',
        options.config,
        '--data',
        options.data,
        '--port',
        String(options.port),
        '--submission-port',
        'off',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    const timer = setTimeout(() => {
      c.kill('SIGKILL');
      reject(new Error(`gateway did not start: ${out}`));
    }, 60_000);
    c.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes(' ready.')) {
        clearTimeout(timer);
        resolve(c);
      }
    });
    c.stderr!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    c.on('exit', () => {
      clearTimeout(timer);
      reject(new Error(`gateway exited before it was ready: ${out}`));
    });
  });
}

/** SIGKILL, resolved once the process is gone. */
export function killed(c: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) resolve();
    else {
      c.once('exit', () => resolve());
      c.kill('SIGKILL');
    }
  });
}

/**
 * Every document in the mail files under `<data>/mailfiles/mail`, as its Subject and mail file.
 * After recovery no temporary file is left and every raw message has its document, whole.
 */
export async function localCopies(data: string): Promise<{ subject: string; place: string }[]> {
  const out: { subject: string; place: string }[] = [];
  const root = join(data, 'mailfiles', 'mail');
  for (const mailFile of await readdir(root).catch(() => [] as string[])) {
    const folder = join(root, mailFile);
    const files = await readdir(folder);
    for (const f of files) {
      assert.ok(!f.endsWith('.tmp'), `temporary file left in ${folder}: ${f}`);
      if (f.endsWith('.eml'))
        assert.ok(files.includes(`${f.slice(0, -4)}.json`), `${f} has no document after recovery`);
      if (!f.endsWith('.json')) continue;
      const doc = JSON.parse(await readFile(join(folder, f), 'utf8')) as {
        items: { name: string; value: unknown }[];
        raw: string;
      };
      const subject = doc.items.find((i) => i.name === 'Subject')?.value;
      const raw = await readFile(join(folder, doc.raw), 'latin1');
      assert.match(
        raw,
        /\r\n\r\nThe quick brown fox[\s\S]*again\.(?:\r\n)*$/,
        `raw message of ${f} is whole`,
      );
      if (typeof subject === 'string') out.push({ subject, place: mailFile });
    }
  }
  return out;
}
