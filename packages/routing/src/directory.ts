import type {
  ConnectionDocument,
  DirectoryData,
  DomainDocument,
  GlobalDomainDocument,
  GroupDocument,
  PersonDocument,
  RouterConfiguration,
  ServerDocument,
} from './model.js';
import { DEFAULT_ROUTER_CONFIGURATION } from './model.js';
import { abbreviateName, nameKey, normalizeDomain, parseInternetAddress } from './names.js';

/** One hit of a directory lookup: a Person or a Group document. */
export type DirectoryEntry =
  | { readonly kind: 'person'; readonly person: PersonDocument }
  | { readonly kind: 'group'; readonly group: GroupDocument };

/**
 * What routing needs from a directory. Implement it to plug in LDAP or a database;
 * {@link InMemoryDirectory} is the indexed implementation {@link loadDirectory} returns.
 * Lookups return every match (more than one is an ambiguous name) and never throw.
 */
export interface Directory {
  /**
   * Entries whose name matches, as Domino's ($Users) view does: any full name or alias (canonical
   * and abbreviated forms are the same), the common name of a hierarchical name, or a group name.
   * Case is ignored.
   */
  findByName(name: string): readonly DirectoryEntry[];
  /**
   * Entries with this Internet address (the "Internet address" field, alias Internet addresses in
   * the full names, or a group's Internet address). `address` is `local@domain` with the domain in
   * A-label form; case is ignored.
   */
  findByInternetAddress(address: string): readonly DirectoryEntry[];
  /** Entries whose short name or Internet address local part is `localPart` (case ignored). */
  findByLocalPart(localPart: string): readonly DirectoryEntry[];
  /** The members of a group as written in its document (names, addresses or nested groups). */
  groupMembers(group: GroupDocument): readonly string[];
  /** The Global Domain document listing `domain` (A-label, lower case) as primary or alias. */
  findGlobalDomain(domain: string): GlobalDomainDocument | undefined;
  /** The Server document of a server name (canonical or abbreviated), if any. */
  findServer(name: string): ServerDocument | undefined;
  /** Every Server document. */
  servers(): readonly ServerDocument[];
  /** Every Connection document. */
  connections(): readonly ConnectionDocument[];
  /** Every Domain document. */
  domains(): readonly DomainDocument[];
  /** Every Global Domain document. */
  globalDomains(): readonly GlobalDomainDocument[];
  /**
   * The Configuration Settings in force for a server: its own document, else the `*` document
   * (a server's own document replaces the `*` one), each unset field at the Domino default.
   */
  configuration(server: string): RouterConfiguration;
}

type Index = Map<string, readonly DirectoryEntry[]>;

/** Adds an entry under a key; single hits share the entry's one-element array to save memory. */
function addToIndex(
  index: Index,
  key: string,
  entry: DirectoryEntry,
  single: readonly DirectoryEntry[],
): void {
  const current = index.get(key);
  if (current === undefined) {
    index.set(key, single);
  } else if (!current.includes(entry)) {
    // One-element arrays are shared between keys, so never grow them in place.
    if (current.length === 1) index.set(key, [current[0]!, entry]);
    else (current as DirectoryEntry[]).push(entry);
  }
}

const NONE: readonly DirectoryEntry[] = Object.freeze([]);

/** An Internet address written in a full-name field: has `@` and no Notes hierarchy slash. */
function isInternetAlias(name: string): boolean {
  return name.includes('@') && !name.includes('/');
}

/**
 * The in-memory {@link Directory}: hash indexes by name, Internet address and local part, built
 * once in the constructor, so that each lookup is one map access.
 */
export class InMemoryDirectory implements Directory {
  readonly #data: DirectoryData;
  readonly #byName: Index = new Map();
  readonly #byAddress: Index = new Map();
  readonly #byLocalPart: Index = new Map();
  readonly #servers = new Map<string, ServerDocument>();
  readonly #globalDomains = new Map<string, GlobalDomainDocument>();
  readonly #configs = new Map<string, RouterConfiguration>();

  /** Indexes validated directory data (see {@link loadDirectory} for validation). */
  constructor(data: DirectoryData) {
    this.#data = data;
    for (const person of data.persons) this.#indexPerson(person);
    for (const group of data.groups) this.#indexGroup(group);
    for (const server of data.servers) {
      const key = nameKey(server.name);
      if (!this.#servers.has(key)) this.#servers.set(key, server);
    }
    this.#domainCache = undefined; // only needed while indexing
    for (const gdd of data.globalDomains) {
      for (const d of [gdd.primaryDomain, ...gdd.aliases]) {
        const norm = normalizeDomain(d);
        if (norm !== undefined && !this.#globalDomains.has(norm)) this.#globalDomains.set(norm, gdd);
      }
    }
  }

  /** Domains repeat across thousands of addresses: normalize each spelling once while indexing. */
  #domainCache: Map<string, string | undefined> | undefined = new Map();

  #indexAddress(address: string, entry: DirectoryEntry, single: readonly DirectoryEntry[]): void {
    const at = address.lastIndexOf('@');
    const rawDomain = address.slice(at + 1);
    const cache = this.#domainCache!;
    let domain = cache.get(rawDomain);
    if (domain === undefined && !cache.has(rawDomain)) {
      domain = parseInternetAddress(address)?.domain;
      if (cache.size < 10_000) cache.set(rawDomain, domain);
    }
    const local = address.slice(0, at).trim().toLowerCase();
    if (domain === undefined || at <= 0 || local.length === 0) return;
    addToIndex(this.#byAddress, `${local}@${domain}`, entry, single);
    addToIndex(this.#byLocalPart, local, entry, single);
  }

  #indexPerson(person: PersonDocument): void {
    const entry: DirectoryEntry = { kind: 'person', person };
    const single = [entry];
    for (const name of person.fullNames) {
      if (isInternetAlias(name)) {
        this.#indexAddress(name, entry, single);
        continue;
      }
      // One abbreviation gives both keys: the whole name and its common name.
      const key = abbreviateName(name).toLowerCase();
      addToIndex(this.#byName, key, entry, single);
      const slash = key.indexOf('/');
      if (slash > 0) addToIndex(this.#byName, key.slice(0, slash), entry, single);
    }
    for (const short of person.shortNames) {
      const key = short.trim().toLowerCase();
      addToIndex(this.#byLocalPart, key, entry, single);
      addToIndex(this.#byName, key, entry, single);
    }
    if (person.internetAddress !== undefined) this.#indexAddress(person.internetAddress, entry, single);
  }

  #indexGroup(group: GroupDocument): void {
    const entry: DirectoryEntry = { kind: 'group', group };
    const single = [entry];
    addToIndex(this.#byName, nameKey(group.name), entry, single);
    if (group.internetAddress !== undefined) this.#indexAddress(group.internetAddress, entry, single);
  }

  findByName(name: string): readonly DirectoryEntry[] {
    return this.#byName.get(nameKey(name)) ?? NONE;
  }

  findByInternetAddress(address: string): readonly DirectoryEntry[] {
    return this.#byAddress.get(address.toLowerCase()) ?? NONE;
  }

  findByLocalPart(localPart: string): readonly DirectoryEntry[] {
    return this.#byLocalPart.get(localPart.toLowerCase()) ?? NONE;
  }

  groupMembers(group: GroupDocument): readonly string[] {
    return group.members;
  }

  findGlobalDomain(domain: string): GlobalDomainDocument | undefined {
    return this.#globalDomains.get(domain);
  }

  findServer(name: string): ServerDocument | undefined {
    return this.#servers.get(nameKey(name));
  }

  servers(): readonly ServerDocument[] {
    return this.#data.servers;
  }

  connections(): readonly ConnectionDocument[] {
    return this.#data.connections;
  }

  domains(): readonly DomainDocument[] {
    return this.#data.domains;
  }

  globalDomains(): readonly GlobalDomainDocument[] {
    return this.#data.globalDomains;
  }

  configuration(server: string): RouterConfiguration {
    const key = nameKey(server);
    const cached = this.#configs.get(key);
    if (cached !== undefined) return cached;
    const own = this.#data.configurations.find((c) => c.server !== '*' && nameKey(c.server) === key);
    const all = this.#data.configurations.find((c) => c.server === '*');
    // As in Domino, a server's own document replaces the `*` document; it does not inherit from it.
    const merged: RouterConfiguration = Object.freeze({
      ...DEFAULT_ROUTER_CONFIGURATION,
      ...stripUndefined(own ?? all),
    });
    // Bounded: one entry per distinct server name asked about.
    if (this.#configs.size < 100_000) this.#configs.set(key, merged);
    return merged;
  }
}

function stripUndefined(doc: object | undefined): Partial<RouterConfiguration> {
  if (doc === undefined) return {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc)) if (v !== undefined && k !== 'server') out[k] = v;
  return out as Partial<RouterConfiguration>;
}
