#!/usr/bin/env node
// The mailroute-keymgmt command: Domino's `keymgmt` console words on a local credential store.
import { mkdir, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { nodeSecretFiles } from '../credstore/secret-files.js';
import { KeyManager } from '../keymgmt.js';
import { passwordSource } from './password.js';
import { runKeymgmt } from './run.js';

async function main(argv: string[]): Promise<number> {
  let dir = process.env['MAILROUTE_KEYMGMT_DIR'] ?? 'IBM_CredStore';
  const args = [...argv];
  if (args[0] === '--dir') {
    if (args.length < 2) {
      process.stderr.write('--dir needs a directory\n');
      return 2;
    }
    dir = args[1]!;
    args.splice(0, 2);
  }
  dir = resolve(dir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const ask = passwordSource(process.env, process.stdin, process.stderr);
  return runKeymgmt(args, {
    manager: new KeyManager({ dir }),
    readFile: (p) => readFile(p),
    writeFile: (p, d) => nodeSecretFiles.writeAtomic(resolve(p), d),
    out: (l) => process.stdout.write(`${l}\n`),
    err: (l) => process.stderr.write(`${l}\n`),
    password: async (prompt, confirm) => {
      try {
        return await ask(prompt, confirm);
      } catch (e) {
        throw Object.assign(new Error((e as Error).message), { code: 'password' });
      }
    },
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`keymgmt: ${e instanceof Error && 'code' in e ? String(e.code) : 'failed'}\n`);
    process.exitCode = 1;
  },
);
