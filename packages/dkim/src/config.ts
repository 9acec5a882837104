import type { CredentialStore } from './credstore/store.js';
import { DkimSignError } from './errors.js';
import { DkimKeyError } from './keys.js';
import { DkimSigner, type DkimSignerOptions } from './sign.js';
import { type DkimSigningKey, prepareKey } from './sign-options.js';

/** Signing switched on and the selectors per domain, from Domino's notes.ini settings. */
export interface DkimSigningConfig {
  /** notes.ini `RouterDKIMSigning=1`; default off (Domino's default). */
  readonly enabled: boolean;
  /** notes.ini `DKIM_KEY_<domain>=<selector1>,<selector2>`: the selectors to sign with, by domain (lower case). */
  readonly selectors: ReadonlyMap<string, readonly string[]>;
}

const PREFIX = 'dkim_key_';

/**
 * Reads the signing configuration from notes.ini-style settings (names case-insensitive, as in
 * notes.ini): `RouterDKIMSigning` and every `DKIM_KEY_<domain>`. Empty selectors are dropped.
 */
export function parseSigningConfig(settings: Readonly<Record<string, string | number>>): DkimSigningConfig {
  let enabled = false;
  const selectors = new Map<string, string[]>();
  for (const [name, raw] of Object.entries(settings)) {
    const key = name.toLowerCase();
    const value = String(raw).trim();
    if (key === 'routerdkimsigning') enabled = value === '1';
    else if (key.startsWith(PREFIX) && key.length > PREFIX.length) {
      const list = value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
      if (list.length > 0) selectors.set(key.slice(PREFIX.length), list);
    }
  }
  return { enabled, selectors };
}

/** The signer for one From domain, and the configured selectors that have no key in the store. */
export interface SignerChoice {
  /** Undefined when signing is off, the domain has no `DKIM_KEY_`, or none of its keys exist. */
  readonly signer: DkimSigner | undefined;
  /** Selectors named in `DKIM_KEY_<domain>` but missing from the store (the caller should log them). */
  readonly missing: readonly string[];
  /**
   * Selectors in the store that cannot sign, with the reason (a selector the RFC 6376 grammar
   * refuses, such as one ending in "-" made by an older keymgmt; an unusable key). The other keys
   * still sign; the caller should log these.
   */
  readonly unusable: readonly { readonly selector: string; readonly reason: string }[];
}

/**
 * Picks keys from the credential store by the From domain, as Domino's router does, and keeps
 * one {@link DkimSigner} per domain so keys are parsed once. Only the exact From domain is
 * looked up: `DKIM_KEY_example.com` does not sign mail from `sub.example.com`.
 */
export class DkimSigningPolicy {
  readonly #config: DkimSigningConfig;
  readonly #store: CredentialStore;
  readonly #options: Omit<DkimSignerOptions, 'keys'>;
  readonly #signers = new Map<string, SignerChoice>();

  constructor(
    config: DkimSigningConfig,
    store: CredentialStore,
    options: Omit<DkimSignerOptions, 'keys'> = {},
  ) {
    this.#config = config;
    this.#store = store;
    this.#options = options;
  }

  /** The signer for mail whose From address is in `domain`. */
  signerFor(domain: string): SignerChoice {
    const d = domain.toLowerCase().replace(/\.$/, '');
    const cached = this.#signers.get(d);
    if (cached) return cached;
    const selectors = this.#config.enabled ? this.#config.selectors.get(d) : undefined;
    if (!selectors) return { signer: undefined, missing: [], unusable: [] };
    const missing: string[] = [];
    const unusable: { selector: string; reason: string }[] = [];
    const keys = selectors.flatMap((s): DkimSigningKey[] => {
      const entry = this.#store.get(d, s);
      if (!entry) {
        missing.push(s);
        return [];
      }
      const key = { domain: entry.domain, selector: entry.selector, privateKey: entry.privateKey };
      // One bad key must not stop the others from signing, nor throw at delivery time.
      try {
        prepareKey(key);
      } catch (e) {
        if (!(e instanceof DkimSignError || e instanceof DkimKeyError)) throw e;
        unusable.push({ selector: s, reason: e.message });
        return [];
      }
      return [key];
    });
    const choice: SignerChoice = {
      signer: keys.length > 0 ? new DkimSigner({ ...this.#options, keys }) : undefined,
      missing,
      unusable,
    };
    this.#signers.set(d, choice);
    return choice;
  }
}
