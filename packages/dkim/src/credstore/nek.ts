import { CredentialStoreError } from './errors.js';
import { fingerprint } from './fingerprint.js';

/** A named encryption key (Domino's Notes Encryption Key): 256 random bits. */
export interface Nek {
  /** Its name, e.g. `credstorekey`. */
  readonly name: string;
  /** The 32 key bytes. */
  readonly key: Buffer;
  /** When it was created, ISO 8601. */
  readonly created: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Checks a NEK name (letters, digits, `.`, `_`, `-`, at most 64). */
export function checkNekName(name: string): void {
  if (!NAME.test(name)) throw new CredentialStoreError('invalid', `invalid NEK name ${JSON.stringify(name)}`);
}

/** The NEK fingerprint: SHA-256 of the key, in groups of four hex digits. */
export function nekFingerprint(nek: Nek): string {
  return fingerprint(nek.key);
}

/**
 * The NEKs of this server. Domino keeps them in the server ID file; here they are a JSON file
 * written with mode 0600 (the ID file without a password is the same protection).
 */
export class Keyring {
  readonly #neks = new Map<string, Nek>();

  /** Reads a keyring file; an absent file (undefined) is an empty keyring. */
  static parse(bytes: Buffer | undefined, path = 'keyring'): Keyring {
    const ring = new Keyring();
    if (bytes === undefined) return ring;
    let doc: unknown;
    try {
      doc = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw new CredentialStoreError('malformed', `${path}: the keyring file is truncated or not JSON`);
    }
    const d = doc as { format?: unknown; neks?: unknown };
    if (d?.format !== 'mailroute-keyring' || !Array.isArray(d.neks)) {
      throw new CredentialStoreError('malformed', `${path}: not a mailroute keyring file`);
    }
    for (const n of d.neks as unknown[]) {
      const e = n as { name?: unknown; key?: unknown; created?: unknown };
      const key = typeof e?.key === 'string' ? Buffer.from(e.key, 'base64') : undefined;
      if (
        typeof e?.name !== 'string' ||
        !NAME.test(e.name) ||
        key?.length !== 32 ||
        typeof e.created !== 'string'
      ) {
        throw new CredentialStoreError('malformed', `${path}: a NEK entry is damaged`);
      }
      ring.#neks.set(e.name, { name: e.name, key, created: e.created });
    }
    return ring;
  }

  /** The NEK of that name. */
  get(name: string): Nek | undefined {
    return this.#neks.get(name);
  }

  /** The NEK of that name, or a not-found error. */
  require(name: string): Nek {
    const nek = this.#neks.get(name);
    if (!nek) throw new CredentialStoreError('not-found', `no NEK named ${name}`);
    return nek;
  }

  /** Adds a NEK; an existing one of the same name is replaced only with `overwrite`. */
  add(nek: Nek, overwrite = false): void {
    checkNekName(nek.name);
    if (this.#neks.has(nek.name) && !overwrite) {
      throw new CredentialStoreError(
        'exists',
        `NEK ${nek.name} already exists (use overwrite to replace it)`,
      );
    }
    this.#neks.set(nek.name, nek);
  }

  /** All NEKs, by name. */
  list(): Nek[] {
    return [...this.#neks.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The keyring file content. */
  serialize(): Buffer {
    const neks = this.list().map((n) => ({
      name: n.name,
      key: n.key.toString('base64'),
      created: n.created,
    }));
    return Buffer.from(`${JSON.stringify({ format: 'mailroute-keyring', version: 1, neks }, null, 2)}\n`);
  }
}
