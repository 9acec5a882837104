#!/usr/bin/env node
// The mailroute-keymgmt command: Domino's `keymgmt` console words on a local credential store.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { nodeSecretFiles } from '../credstore/secret-files.js';
import { KeyManager } from '../keymgmt.js';
import { splitArguments, USAGE } from './command.js';
import { passwordSource } from './password.js';
import { runKeymgmt } from './run.js';

async function main(argv: string[]): Promise<number> {
  const split = splitArguments(argv);
  if ('error' in split) {
    process.stderr.write(`${split.error}\n`);
    return 2;
  }
  if (split.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const args = split.words;
  // The directory is created by the key manager at its first write, never here: asking for
  // help or listing a missing store leaves the current directory as it was.
  const dir = resolve(split.dir ?? process.env['MAILROUTE_KEYMGMT_DIR'] ?? 'IBM_CredStore');
  const ask = passwordSource(process.env, process.stdin, process.stderr);
  return runKeymgmt(args, {
    manager: new KeyManager({ dir }),
    readFile: (p) => readFile(p),
    writeFile: (p, d) => nodeSecretFiles.writeAtomic(resolve(p), d),
    writePublicFile: (p, d) => nodeSecretFiles.writeAtomic(resolve(p), d, { mode: 0o644 }),
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
