import { generateKeyPair, type KeyObject, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { type Clock, systemClock } from '@mailroute/envelope';
import { CredentialStoreError } from './credstore/errors.js';
import { Keyring, type Nek, nekFingerprint } from './credstore/nek.js';
import { DEFAULT_SCRYPT, exportNek, importNek, type ScryptParameters } from './credstore/nek-export.js';
import { nodeSecretFiles, type SecretFiles } from './credstore/secret-files.js';
import { CredentialStore, type DkimKeyInfo } from './credstore/store.js';
import { DOMAIN_NAME, SELECTOR } from './grammar.js';
import { type DkimKeyType, keyRecordText } from './key-record.js';
import { loadPrivateKey } from './keys.js';
import { keyRecordName } from './lookup.js';

/** Makes a new private key; the default uses node:crypto's generateKeyPair. */
export type KeyGenerator = (keyType: DkimKeyType, bits: number) => Promise<KeyObject>;

/** Options of a {@link KeyManager}. */
export interface KeyManagerOptions {
  /** The directory holding `keyring.json` and `credstore.json` (Domino: `IBM_CredStore`). */
  readonly dir: string;
  /** File access; default {@link nodeSecretFiles} (atomic writes, mode 0600). */
  readonly files?: SecretFiles;
  /** Random bytes for NEKs, IVs and salts; default `crypto.randomBytes`. */
  readonly random?: (n: number) => Buffer;
  /** The clock for creation dates: the SDK's `Clock`, only `now()` is read; default the system clock. */
  readonly clock?: Pick<Clock, 'now'>;
  /** Key pair generation; default node:crypto. */
  readonly generateKey?: KeyGenerator;
  /** scrypt cost for NEK exports; default {@link DEFAULT_SCRYPT}. */
  readonly scrypt?: ScryptParameters;
}

/**
 * RSA sizes `create dkim` accepts: Domino's 1024, 2048 and 4096, and 3072 (RFC 8301 allows any
 * size from 1024; 3072 is the common step between 2048 and 4096). The default is 2048.
 */
export const RSA_KEY_SIZES: readonly number[] = [1024, 2048, 3072, 4096];

/** The RSA size `create dkim <domain> <selector> rsa` uses when none is given. */
export const DEFAULT_RSA_BITS = 2048;

const defaultGenerateKey: KeyGenerator = (keyType, bits) =>
  new Promise((resolve, reject) => {
    const done = (err: Error | null, _pub: KeyObject, priv: KeyObject) => (err ? reject(err) : resolve(priv));
    if (keyType === 'rsa') generateKeyPair('rsa', { modulusLength: bits }, done);
    else generateKeyPair('ed25519', {}, done);
  });

/**
 * The operations of Domino's `keymgmt` console command on a keyring and a credential store in
 * one directory. Every change is validated in memory first and then written atomically, so a
 * failure leaves the files as they were.
 */
export class KeyManager {
  readonly #dir: string;
  readonly #files: SecretFiles;
  readonly #random: (n: number) => Buffer;
  readonly #clock: Pick<Clock, 'now'>;
  readonly #generate: KeyGenerator;
  readonly #scrypt: ScryptParameters;

  constructor(o: KeyManagerOptions) {
    this.#dir = o.dir;
    this.#files = o.files ?? nodeSecretFiles;
    this.#random = o.random ?? randomBytes;
    this.#clock = o.clock ?? systemClock;
    this.#generate = o.generateKey ?? defaultGenerateKey;
    this.#scrypt = o.scrypt ?? DEFAULT_SCRYPT;
  }

  /** Path of the keyring file. */
  get keyringPath(): string {
    return join(this.#dir, 'keyring.json');
  }

  /** Path of the credential store file. */
  get storePath(): string {
    return join(this.#dir, 'credstore.json');
  }

  /** `create nek <name>`: a new random 256-bit NEK. */
  async createNek(name: string): Promise<{ name: string; fingerprint: string }> {
    const ring = await this.#keyring();
    const nek: Nek = { name, key: this.#random(32), created: this.#now() };
    ring.add(nek);
    await this.#write(this.keyringPath, ring.serialize());
    return { name, fingerprint: nekFingerprint(nek) };
  }

  /** `create credstore <nek>`: an empty credential store encrypted with that NEK. */
  async createCredstore(nekName: string): Promise<void> {
    const nek = (await this.#keyring()).require(nekName);
    if (await this.#files.read(this.storePath)) {
      throw new CredentialStoreError('exists', `a credential store already exists at ${this.storePath}`);
    }
    await this.#write(this.storePath, new CredentialStore(nek.name).serialize(nek, this.#random));
  }

  /** `create dkim <domain> <selector> rsa <bits>` / `ed25519`. */
  async createDkim(
    domain: string,
    selector: string,
    keyType: DkimKeyType,
    bits?: number,
  ): Promise<DkimKeyInfo> {
    if (!DOMAIN_NAME.test(domain))
      throw new CredentialStoreError('invalid', `invalid domain ${JSON.stringify(domain)}`);
    if (!SELECTOR.test(selector))
      throw new CredentialStoreError('invalid', `invalid selector ${JSON.stringify(selector)}`);
    const size = keyType === 'ed25519' ? 256 : (bits ?? DEFAULT_RSA_BITS);
    if (keyType === 'rsa' && !RSA_KEY_SIZES.includes(size)) {
      throw new CredentialStoreError('invalid', `RSA key size must be one of ${RSA_KEY_SIZES.join(', ')}`);
    }
    const { store, nek } = await this.openStore();
    if (store.get(domain, selector)) {
      throw new CredentialStoreError('exists', `DKIM key ${keyRecordName(selector, domain)} already exists`);
    }
    const privateKey = await this.#generate(keyType, size);
    const loaded = loadPrivateKey(privateKey);
    store.add({
      domain,
      selector,
      keyType: loaded.keyType,
      bits: loaded.bits,
      created: this.#now(),
      privateKey,
    });
    await this.#save(store, nek);
    return store.list().find((k) => k.domain === domain.toLowerCase() && k.selector === selector)!;
  }

  /** `export dkim dns <domain> <selector>`: the record name and its TXT value (and 255-byte strings). */
  async exportDkimDns(
    domain: string,
    selector: string,
  ): Promise<{ name: string; value: string; strings: string[] }> {
    const { store } = await this.openStore();
    const entry = store.get(domain, selector);
    if (!entry) throw new CredentialStoreError('not-found', `no DKIM key ${keyRecordName(selector, domain)}`);
    const loaded = loadPrivateKey(entry.privateKey);
    return {
      name: keyRecordName(entry.selector, entry.domain),
      ...keyRecordText(loaded.keyType, loaded.publicKeyBytes),
    };
  }

  /** `list`: the DKIM keys without secrets. */
  async list(): Promise<DkimKeyInfo[]> {
    return (await this.openStore()).store.list();
  }

  /** `delete dkim <domain> <selector>`. */
  async deleteDkim(domain: string, selector: string): Promise<void> {
    const { store, nek } = await this.openStore();
    if (!store.delete(domain, selector)) {
      throw new CredentialStoreError('not-found', `no DKIM key ${keyRecordName(selector, domain)}`);
    }
    await this.#save(store, nek);
  }

  /** `export nek <name> <file>`: the NEK sealed with a password (scrypt + AES-256-GCM). */
  async exportNek(name: string, password: string): Promise<{ data: Buffer; fingerprint: string }> {
    const nek = (await this.#keyring()).require(name);
    return {
      data: await exportNek(nek, password, this.#random, this.#scrypt),
      fingerprint: nekFingerprint(nek),
    };
  }

  /**
   * `import nek [overwrite] <file>`. With `overwrite`, replacing a NEK whose key differs from the
   * one that opens the credential store would lock the store; so the store is first re-encrypted
   * under the imported key (its DKIM keys kept), then the keyring is written. If the run stops
   * between the two writes, running it again finds the store already under the imported key and
   * only writes the keyring. A store that opens with neither key is refused, keyring untouched.
   */
  async importNek(
    data: Buffer,
    password: string,
    overwrite = false,
  ): Promise<{ name: string; fingerprint: string; resealed: number | undefined }> {
    const ring = await this.#keyring();
    const nek = await importNek(data, password);
    const existing = ring.get(nek.name);
    ring.add(nek, overwrite);
    const resealed =
      existing && !existing.key.equals(nek.key) ? await this.#reseal(existing, nek) : undefined;
    await this.#write(this.keyringPath, ring.serialize());
    return { name: nek.name, fingerprint: nekFingerprint(nek), resealed };
  }

  /** Re-encrypts the store from `old` to `incoming` when `old` is its NEK; the number of keys kept. */
  async #reseal(old: Nek, incoming: Nek): Promise<number | undefined> {
    const bytes = await this.#files.read(this.storePath);
    if (!bytes) return undefined;
    let named: unknown;
    try {
      named = (JSON.parse(bytes.toString('utf8')) as { nek?: unknown }).nek;
    } catch {
      named = undefined;
    }
    if (named !== old.name) return undefined;
    let store: CredentialStore;
    try {
      store = CredentialStore.open(bytes, old, this.storePath);
    } catch (e) {
      // Already under the incoming key (an earlier run stopped before writing the keyring)?
      try {
        CredentialStore.open(bytes, incoming, this.storePath);
        return undefined;
      } catch {
        throw e;
      }
    }
    await this.#save(store, incoming);
    return store.entries().length;
  }

  /** `export dkim <file>`: all DKIM keys, sealed under the store's NEK, for another store. */
  async exportDkim(): Promise<{ data: Buffer; count: number }> {
    const { store, nek } = await this.openStore();
    return { data: store.exportKeys(nek, this.#random), count: store.entries().length };
  }

  /** `import credstore <file>`: adds the keys of an export file (same NEK needed). */
  async importCredstore(data: Buffer, overwrite = false): Promise<{ imported: string[]; skipped: string[] }> {
    const { store, nek } = await this.openStore();
    const result = store.importKeys(data, nek, overwrite);
    await this.#save(store, nek);
    return result;
  }

  /** Opens the credential store with its NEK from the keyring. */
  async openStore(): Promise<{ store: CredentialStore; nek: Nek }> {
    const bytes = await this.#files.read(this.storePath);
    if (!bytes)
      throw new CredentialStoreError(
        'not-found',
        `no credential store at ${this.storePath} (create credstore first)`,
      );
    let nekName: unknown;
    try {
      nekName = (JSON.parse(bytes.toString('utf8')) as { nek?: unknown }).nek;
    } catch {
      throw new CredentialStoreError('malformed', `${this.storePath}: the file is truncated or not JSON`);
    }
    if (typeof nekName !== 'string')
      throw new CredentialStoreError('malformed', `${this.storePath}: no NEK named in the file`);
    const nek = (await this.#keyring()).require(nekName);
    return { store: CredentialStore.open(bytes, nek, this.storePath), nek };
  }

  async #keyring(): Promise<Keyring> {
    return Keyring.parse(await this.#files.read(this.keyringPath), this.keyringPath);
  }

  async #save(store: CredentialStore, nek: Nek): Promise<void> {
    await this.#write(this.storePath, store.serialize(nek, this.#random));
  }

  /** Writes a file of the directory, creating the directory (0700) at the first write. */
  async #write(path: string, data: Buffer): Promise<void> {
    await this.#files.makeDirectory?.(this.#dir);
    await this.#files.writeAtomic(path, data);
  }

  #now(): string {
    return new Date(this.#clock.now()).toISOString();
  }
}
