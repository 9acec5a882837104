import { abbreviateName, nameKey } from '@mailroute/envelope/notes-name';
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
import { normalizeDomainAlias, parseInternetAddress } from './names.js';
import { StringIndex } from './string-index.js';

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
  /**
   * The Global Domain document listing `domain` (A-label, lower case) as primary or alias, or
   * listing `*.parent` for a parent domain of it (a wildcard alias covers every subdomain).
   */
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

/**
 * Each index maps a key to entry numbers (persons first, then groups). Numbers, not objects: a
 * million-person directory then allocates no entry objects while loading, which keeps the garbage
 * collector out of the way; answers are made on first lookup.
 */
type Index = StringIndex;

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
  readonly #byName: Index;
  readonly #byAddress: Index;
  readonly #byLocalPart: Index;
  readonly #servers = new Map<string, ServerDocument>();
  readonly #globalDomains = new Map<string, GlobalDomainDocument>();
  /** Wildcard aliases `*.acme.com`, keyed by the parent domain `acme.com`. */
  readonly #wildcardDomains = new Map<string, GlobalDomainDocument>();
  readonly #configs = new Map<string, RouterConfiguration>();
  /** One-element answers, made on first lookup and then reused (bounded by the directory size). */
  readonly #singles: (readonly DirectoryEntry[] | undefined)[];

  /** Indexes validated directory data (see {@link loadDirectory} for validation). */
  constructor(data: DirectoryData) {
    this.#data = data;
    const persons = data.persons;
    const entries = persons.length + data.groups.length;
    this.#byName = new StringIndex(entries * 2);
    this.#byAddress = new StringIndex(entries);
    this.#byLocalPart = new StringIndex(entries * 2);
    this.#singles = new Array(persons.length + data.groups.length);
    for (let i = 0; i < persons.length; i++) this.#indexPerson(persons[i]!, i);
    data.groups.forEach((group, i) => {
      this.#indexGroup(group, persons.length + i);
    });
    for (const server of data.servers) {
      const key = nameKey(server.name);
      if (!this.#servers.has(key)) this.#servers.set(key, server);
    }
    this.#domainCache = undefined; // only needed while indexing
    for (const gdd of data.globalDomains) {
      for (const d of [gdd.primaryDomain, ...gdd.aliases]) {
        const norm = normalizeDomainAlias(d);
        if (norm === undefined) continue;
        const wildcard = norm.startsWith('*.');
        const map = wildcard ? this.#wildcardDomains : this.#globalDomains;
        const key = wildcard ? norm.slice(2) : norm;
        if (!map.has(key)) map.set(key, gdd);
      }
    }
  }

  /** Domains repeat across thousands of addresses: normalize each spelling once while indexing. */
  #domainCache: Map<string, string | undefined> | undefined = new Map();

  #indexAddress(address: string, id: number): void {
    const at = address.lastIndexOf('@');
    const rawDomain = address.slice(at + 1);
    const cache = this.#domainCache!;
    let domain = cache.get(rawDomain);
    if (domain === undefined && !cache.has(rawDomain)) {
      domain = parseInternetAddress(address)?.domain;
      if (cache.size < 10_000) cache.set(rawDomain, domain);
    }
    let written = address.slice(0, at);
    // A quoted local part is keyed by its value, as the envelope parser reads it at lookup.
    const quoted = written.includes('"') || written.includes('\\');
    if (quoted) written = parseInternetAddress(address)?.localPart ?? written;
    const local = written.trim().toLowerCase();
    if (domain === undefined || at <= 0 || local.length === 0) return;
    // An address already in normal form is its own key: no second copy of the string.
    const key = !quoted && local === written && domain === rawDomain ? address : `${local}@${domain}`;
    this.#byAddress.add(key, id);
    this.#byLocalPart.add(local, id);
  }

  #indexPerson(person: PersonDocument, id: number): void {
    for (const name of person.fullNames) {
      if (isInternetAlias(name)) {
        this.#indexAddress(name, id);
        continue;
      }
      // One abbreviation gives both keys: the whole name and its common name.
      const key = abbreviateName(name).toLowerCase();
      this.#byName.add(key, id);
      const slash = key.indexOf('/');
      if (slash > 0) this.#byName.add(key.slice(0, slash), id);
    }
    for (const short of person.shortNames) {
      const key = short.trim().toLowerCase();
      this.#byLocalPart.add(key, id);
      this.#byName.add(key, id);
    }
    if (person.internetAddress !== undefined) this.#indexAddress(person.internetAddress, id);
  }

  #indexGroup(group: GroupDocument, id: number): void {
    this.#byName.add(nameKey(group.name), id);
    if (group.internetAddress !== undefined) this.#indexAddress(group.internetAddress, id);
  }

  #entry(id: number): DirectoryEntry {
    const persons = this.#data.persons;
    return id < persons.length
      ? { kind: 'person', person: persons[id]! }
      : { kind: 'group', group: this.#data.groups[id - persons.length]! };
  }

  #answer(hit: number | readonly number[] | undefined): readonly DirectoryEntry[] {
    if (hit === undefined) return NONE;
    if (typeof hit === 'number') {
      let one = this.#singles[hit];
      if (one === undefined) {
        one = Object.freeze([this.#entry(hit)]);
        this.#singles[hit] = one;
      }
      return one;
    }
    return hit.map((id) => this.#entry(id));
  }

  findByName(name: string): readonly DirectoryEntry[] {
    return this.#answer(this.#byName.get(nameKey(name)));
  }

  findByInternetAddress(address: string): readonly DirectoryEntry[] {
    return this.#answer(this.#byAddress.get(address.toLowerCase()));
  }

  findByLocalPart(localPart: string): readonly DirectoryEntry[] {
    return this.#answer(this.#byLocalPart.get(localPart.toLowerCase()));
  }

  groupMembers(group: GroupDocument): readonly string[] {
    return group.members;
  }

  findGlobalDomain(domain: string): GlobalDomainDocument | undefined {
    const exact = this.#globalDomains.get(domain);
    if (exact !== undefined || this.#wildcardDomains.size === 0) return exact;
    // `*.acme.com` covers `sales.acme.com` and `a.sales.acme.com`, not `acme.com` itself; the
    // nearest parent with a wildcard wins.
    for (let dot = domain.indexOf('.'); dot >= 0; dot = domain.indexOf('.', dot + 1)) {
      const hit = this.#wildcardDomains.get(domain.slice(dot + 1));
      if (hit !== undefined) return hit;
    }
    return undefined;
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
