import { createPrivateKey, type KeyObject } from 'node:crypto';
import type { DkimKeyType } from '../key-record.js';
import { loadPrivateKey } from '../keys.js';
import { isSealed, open, type Sealed, seal } from './aead.js';
import { CredentialStoreError } from './errors.js';
import { fingerprint } from './fingerprint.js';
import type { Nek } from './nek.js';

/** A DKIM key held in the credential store. The private key is a KeyObject: printing it shows no secret. */
export interface DkimKeyEntry {
  /** The signing domain (d=), lower case. */
  readonly domain: string;
  /** The selector (s=), as created. */
  readonly selector: string;
  /** rsa or ed25519. */
  readonly keyType: DkimKeyType;
  /** RSA modulus bits, or 256 for Ed25519. */
  readonly bits: number;
  /** Creation time, ISO 8601. */
  readonly created: string;
  /** The private key. */
  readonly privateKey: KeyObject;
}

/** What `keymgmt list` shows for a key: no secret. */
export interface DkimKeyInfo {
  readonly domain: string;
  readonly selector: string;
  readonly keyType: DkimKeyType;
  readonly bits: number;
  readonly created: string;
  /** SHA-256 of the published public key (the p= bytes), groups of four hex digits. */
  readonly fingerprint: string;
}

type FileFormat = 'mailroute-credstore' | 'mailroute-dkim-export';

const CHECK_TEXT = 'mailroute credential store key check';

function identity(domain: string, selector: string): string {
  return `${domain.toLowerCase()}\0${selector.toLowerCase()}`;
}

function recordAad(format: FileFormat, domain: string, selector: string): string {
  return `${format}/v1\0dkim\0${identity(domain, selector)}`;
}

/**
 * The credential store (Domino's OAuth Token Store, as far as DKIM uses it): DKIM keys, each
 * record sealed with AES-256-GCM under a NEK with the record's identity (domain, selector) as
 * associated data, so a record cannot be altered or moved to another identity unnoticed.
 */
export class CredentialStore {
  /** The name of the NEK this store is encrypted with. */
  readonly nekName: string;
  readonly #entries = new Map<string, DkimKeyEntry>();

  constructor(nekName: string, entries: readonly DkimKeyEntry[] = []) {
    this.nekName = nekName;
    for (const e of entries) this.add(e);
  }

  /** Reads a store file. Wrong NEK, tampering and truncation are errors naming the cause. */
  static open(bytes: Buffer, nek: Nek, path = 'credential store'): CredentialStore {
    return new CredentialStore(nek.name, openFile(bytes, nek, 'mailroute-credstore', path));
  }

  /** The keys, sorted by domain then selector, without secrets. */
  list(): DkimKeyInfo[] {
    return [...this.#entries.values()]
      .map((e) => ({
        domain: e.domain,
        selector: e.selector,
        keyType: e.keyType,
        bits: e.bits,
        created: e.created,
        fingerprint: fingerprint(loadPrivateKey(e.privateKey).publicKeyBytes),
      }))
      .sort((a, b) => a.domain.localeCompare(b.domain) || a.selector.localeCompare(b.selector));
  }

  /** The key for a domain and selector (both case-insensitive). */
  get(domain: string, selector: string): DkimKeyEntry | undefined {
    return this.#entries.get(identity(domain, selector));
  }

  /** Every entry. */
  entries(): DkimKeyEntry[] {
    return [...this.#entries.values()];
  }

  /** Adds a key; an existing domain/selector is replaced only with `overwrite`. */
  add(entry: DkimKeyEntry, overwrite = false): void {
    const id = identity(entry.domain, entry.selector);
    if (this.#entries.has(id) && !overwrite) {
      throw new CredentialStoreError(
        'exists',
        `DKIM key ${entry.selector}._domainkey.${entry.domain} already exists`,
      );
    }
    this.#entries.set(id, { ...entry, domain: entry.domain.toLowerCase() });
  }

  /** Removes a key; false when there was none. */
  delete(domain: string, selector: string): boolean {
    return this.#entries.delete(identity(domain, selector));
  }

  /** The store file content, every record sealed afresh under `nek`. */
  serialize(nek: Nek, random: (n: number) => Buffer): Buffer {
    return sealFile('mailroute-credstore', nek, this.entries(), random);
  }

  /** An export file of these keys (`keymgmt export dkim <file>`), sealed under `nek`. */
  exportKeys(nek: Nek, random: (n: number) => Buffer): Buffer {
    return sealFile('mailroute-dkim-export', nek, this.entries(), random);
  }

  /**
   * Reads an export file sealed under `nek` and adds its keys (`keymgmt import credstore`).
   * Keys already here are kept unless `overwrite`. All records are checked before any is added.
   */
  importKeys(
    bytes: Buffer,
    nek: Nek,
    overwrite = false,
    path = 'export file',
  ): { imported: string[]; skipped: string[] } {
    const incoming = openFile(bytes, nek, 'mailroute-dkim-export', path);
    const imported: string[] = [];
    const skipped: string[] = [];
    for (const e of incoming) {
      const label = `${e.selector}._domainkey.${e.domain}`;
      if (this.get(e.domain, e.selector) && !overwrite) skipped.push(label);
      else {
        this.add(e, true);
        imported.push(label);
      }
    }
    return { imported, skipped };
  }
}

function sealFile(
  format: FileFormat,
  nek: Nek,
  entries: readonly DkimKeyEntry[],
  random: (n: number) => Buffer,
): Buffer {
  const records = entries.map((e) => {
    const plain = {
      domain: e.domain,
      selector: e.selector,
      keyType: e.keyType,
      bits: e.bits,
      created: e.created,
      privateKey: e.privateKey.export({ type: 'pkcs8', format: 'pem' }),
    };
    const sealed = seal(
      nek.key,
      random(12),
      Buffer.from(JSON.stringify(plain)),
      recordAad(format, e.domain, e.selector),
    );
    return { kind: 'dkim', domain: e.domain, selector: e.selector, ...sealed };
  });
  const check = seal(nek.key, random(12), Buffer.from(CHECK_TEXT), `${format}/v1\0check\0${nek.name}`);
  const doc = { format, version: 1, nek: nek.name, check, records };
  return Buffer.from(`${JSON.stringify(doc, null, 2)}\n`);
}

function openFile(bytes: Buffer, nek: Nek, format: FileFormat, path: string): DkimKeyEntry[] {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new CredentialStoreError('malformed', `${path}: the file is truncated or not JSON`);
  }
  if (
    doc?.['format'] !== format ||
    doc['version'] !== 1 ||
    !Array.isArray(doc['records']) ||
    !isSealed(doc['check'])
  ) {
    throw new CredentialStoreError('malformed', `${path}: not a ${format} file (version 1)`);
  }
  if (doc['nek'] !== nek.name) {
    throw new CredentialStoreError(
      'wrong-key',
      `${path}: encrypted with NEK ${String(doc['nek'])}, not ${nek.name}`,
    );
  }
  const check = open(nek.key, doc['check'], `${format}/v1\0check\0${nek.name}`);
  if (check?.toString() !== CHECK_TEXT) {
    throw new CredentialStoreError(
      'wrong-key',
      `${path}: NEK ${nek.name} does not open this file (wrong key)`,
    );
  }
  return (doc['records'] as unknown[]).map((r, i) => openRecord(r, nek, format, `${path}: record ${i + 1}`));
}

function openRecord(r: unknown, nek: Nek, format: FileFormat, where: string): DkimKeyEntry {
  const rec = r as Sealed & { kind?: unknown; domain?: unknown; selector?: unknown };
  if (
    !isSealed(rec) ||
    rec.kind !== 'dkim' ||
    typeof rec.domain !== 'string' ||
    typeof rec.selector !== 'string'
  ) {
    throw new CredentialStoreError('malformed', `${where} is damaged`);
  }
  const label = `${rec.selector}._domainkey.${rec.domain}`;
  const plain = open(nek.key, rec, recordAad(format, rec.domain, rec.selector));
  if (!plain) {
    throw new CredentialStoreError(
      'tampered',
      `${where} (${label}) failed authentication: the file was altered or damaged`,
    );
  }
  try {
    const p = JSON.parse(plain.toString('utf8')) as Record<string, unknown>;
    if (p['domain'] !== rec.domain || p['selector'] !== rec.selector) throw new Error('identity');
    const privateKey = createPrivateKey({ key: String(p['privateKey']), format: 'pem' });
    const loaded = loadPrivateKey(privateKey);
    return {
      domain: rec.domain,
      selector: rec.selector,
      keyType: loaded.keyType,
      bits: loaded.bits,
      created: String(p['created']),
      privateKey,
    };
  } catch {
    // Authenticated but unreadable: written by something else. The message carries no content.
    throw new CredentialStoreError('malformed', `${where} (${label}) does not hold a usable DKIM key`);
  }
}
