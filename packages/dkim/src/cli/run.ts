import { CredentialStoreError } from '../credstore/errors.js';
import type { KeyManager } from '../keymgmt.js';
import { DkimKeyError } from '../keys.js';
import { type KeymgmtCommand, parseCommand, USAGE } from './command.js';
import { publishLines, zoneFileLine } from './publish.js';

/** What the command needs from outside: the key manager, files, output and the password source. */
export interface KeymgmtIo {
  readonly manager: KeyManager;
  readFile(path: string): Promise<Buffer>;
  /** Writes an output file (atomically, mode 0600: exports hold secrets or keys). */
  writeFile(path: string, data: Uint8Array): Promise<void>;
  /** Writes a public output file, the DNS record (atomically, mode 0644: it is published anyway). */
  writePublicFile(path: string, data: Uint8Array): Promise<void>;
  out(line: string): void;
  err(line: string): void;
  /** Asks for a password; `confirm` asks twice (when setting one). */
  password(prompt: string, confirm: boolean): Promise<string>;
}

/** Runs one keymgmt command; returns the process exit code (0 ok, 1 failed, 2 usage). */
export async function runKeymgmt(args: readonly string[], io: KeymgmtIo): Promise<number> {
  const parsed = parseCommand(args);
  if ('error' in parsed) {
    io.err(parsed.error);
    return 2;
  }
  try {
    await execute(parsed, io);
    return 0;
  } catch (e) {
    // Only our own errors are shown as they are: their messages are known to hold no key material.
    if (e instanceof CredentialStoreError || e instanceof DkimKeyError) io.err(`keymgmt: ${e.message}`);
    else if (e instanceof Error && 'code' in e && typeof e.code === 'string')
      io.err(`keymgmt: ${e.code} (${e.message})`);
    else io.err('keymgmt: unexpected failure');
    return 1;
  }
}

async function execute(c: KeymgmtCommand, io: KeymgmtIo): Promise<void> {
  const m = io.manager;
  switch (c.verb) {
    case 'help':
      io.out(USAGE);
      return;
    case 'create-nek': {
      const r = await m.createNek(c.name);
      io.out(`NEK ${r.name} - Fingerprint ${r.fingerprint}`);
      io.out(`NEK ${r.name} created successfully`);
      return;
    }
    case 'create-credstore':
      await m.createCredstore(c.nek);
      io.out(`Credential store created at ${m.storePath}, encrypted with NEK ${c.nek}`);
      return;
    case 'create-dkim': {
      const k = await m.createDkim(c.domain, c.selector, c.keyType, c.bits);
      io.out(
        `Created DKIM key ${k.selector}._domainkey.${k.domain} (${k.keyType === 'rsa' ? `RSA ${k.bits}` : 'Ed25519'})`,
      );
      io.out('Publish this DNS record before signing with it:');
      for (const line of publishLines(await m.exportDkimDns(k.domain, k.selector))) io.out(line);
      return;
    }
    case 'export-dkim-dns': {
      const r = await m.exportDkimDns(c.domain, c.selector);
      if (c.file) {
        // The zone-file line; the record is public, so the file is readable by all (0644).
        await io.writePublicFile(c.file, Buffer.from(`${zoneFileLine(r.name, r.strings)}\n`));
        io.out(`Exported DKIM key ${r.name} to DNS file ${c.file}`);
      }
      for (const line of publishLines(r)) io.out(line);
      return;
    }
    case 'list': {
      const keys = await m.list();
      io.out('Domain\tSelector\tDKIM Key Type\tDKIM Key Size\tFingerprint');
      for (const k of keys) {
        io.out(
          `${k.domain}\t${k.selector}\t${k.keyType === 'rsa' ? 'RSA' : 'Ed25519'}\t${k.bits}\t${k.fingerprint}`,
        );
      }
      return;
    }
    case 'export-nek': {
      const password = await io.password(`Password to protect NEK ${c.name}: `, true);
      const r = await m.exportNek(c.name, password);
      await io.writeFile(c.file, r.data);
      io.out(`NEK ${c.name} - Fingerprint ${r.fingerprint}`);
      io.out(`NEK ${c.name} exported successfully`);
      return;
    }
    case 'import-nek': {
      const data = await io.readFile(c.file);
      const password = await io.password(`Password of ${c.file}: `, false);
      const r = await m.importNek(data, password, c.overwrite);
      io.out(`NEK ${r.name} - Fingerprint ${r.fingerprint}`);
      if (r.resealed !== undefined) {
        io.err(
          `Warning: NEK ${r.name} opened the credential store ${m.storePath}; it was re-encrypted with the imported key (${r.resealed} DKIM keys kept). DKIM export files made under the old key can no longer be imported.`,
        );
      }
      io.out(`NEK ${r.name} imported successfully`);
      return;
    }
    case 'export-dkim': {
      const r = await m.exportDkim();
      await io.writeFile(c.file, r.data);
      io.out(`Exported ${r.count} DKIM keys to ${c.file}`);
      return;
    }
    case 'import-credstore': {
      const r = await m.importCredstore(await io.readFile(c.file), c.overwrite);
      for (const s of r.skipped) io.out(`Skipped ${s}: already in the store (use overwrite)`);
      io.out(`Credential store imported successfully: ${r.imported.length} DKIM keys`);
      return;
    }
    case 'delete-dkim':
      await m.deleteDkim(c.domain, c.selector);
      io.out(`Deleted DKIM key ${c.selector}._domainkey.${c.domain}`);
      return;
  }
}
