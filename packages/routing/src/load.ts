import { InMemoryDirectory } from './directory.js';
import type {
  ConfigurationSettingsDocument,
  ConnectionDocument,
  DirectoryData,
  DirectoryProblem,
  DomainDocument,
  GlobalDomainDocument,
  GroupDocument,
  PersonDocument,
  ServerDocument,
} from './model.js';
import { nameKey, normalizeDomain, parseInternetAddress } from './names.js';
import { checkTopology } from './topology-check.js';
import {
  describe,
  isRecord,
  optionalBoolean,
  optionalEnum,
  optionalString,
  ProblemList,
  requiredString,
  stringArray,
} from './validate.js';

/** What {@link loadDirectory} returns: a usable directory and every problem found on the way. */
export interface LoadedDirectory {
  /** The indexed directory, built from every document (and field) that passed validation. */
  readonly directory: InMemoryDirectory;
  /** Every bad field, by path (`persons[3].internetAddress`); empty when the data is clean. */
  readonly problems: readonly DirectoryProblem[];
}

/**
 * Loads directory data from JSON text or an already-parsed value. Bad documents and fields are
 * left out and named in `problems`; it never throws on bad data. The JSON shape has the arrays
 * `persons`, `groups`, `servers`, `connections`, `domains`, `globalDomains` and `configurations`,
 * each optional; see the package README for the fields.
 */
export function loadDirectory(json: unknown): LoadedDirectory {
  const problems = new ProblemList();
  let root: unknown = json;
  if (typeof json === 'string') {
    try {
      root = JSON.parse(json);
    } catch (e) {
      problems.add('', `not valid JSON: ${(e as Error).message}`);
      root = {};
    }
  }
  if (!isRecord(root)) {
    problems.add('', `must be an object with the directory's document lists, got ${describe(root)}`);
    root = {};
  }
  const doc = root as Record<string, unknown>;
  const persons = readList(doc, 'persons', problems, readPerson);
  const servers = readList(doc, 'servers', problems, readServer);
  const connections = readList(doc, 'connections', problems, readConnection);
  const domains = readList(doc, 'domains', problems, readDomain);
  const globalDomains = readList(doc, 'globalDomains', problems, readGlobalDomain);
  const configurations = readList(doc, 'configurations', problems, readConfiguration);
  const data: DirectoryData = {
    persons: persons.items,
    groups: readList(doc, 'groups', problems, readGroup).items,
    servers: servers.items,
    connections: connections.items,
    domains: domains.items,
    globalDomains: globalDomains.items,
    configurations: configurations.items,
  };
  const known = new Set([
    'persons',
    'groups',
    'servers',
    'connections',
    'domains',
    'globalDomains',
    'configurations',
  ]);
  for (const key of Object.keys(doc)) {
    if (!known.has(key)) problems.add(key, 'unknown document list; ignored', 'warning');
  }
  checkTopology(
    data,
    {
      persons: persons.at,
      servers: servers.at,
      connections: connections.at,
      domains: domains.at,
      globalDomains: globalDomains.at,
      configurations: configurations.at,
    },
    problems,
  );
  return { directory: new InMemoryDirectory(data), problems: problems.finish() };
}

type Reader<T> = (doc: Record<string, unknown>, path: string, problems: ProblemList) => T | undefined;

/** The documents that passed, and for each its index in the input list (for problem paths). */
interface ReadList<T> {
  readonly items: T[];
  readonly at: number[];
}

function readList<T>(
  root: Record<string, unknown>,
  field: string,
  problems: ProblemList,
  read: Reader<T>,
): ReadList<T> {
  const list = root[field];
  const out: T[] = [];
  const at: number[] = [];
  if (list === undefined || list === null) return { items: out, at };
  if (!Array.isArray(list)) {
    problems.add(field, `must be a list of documents, got ${describe(list)}`);
    return { items: out, at };
  }
  for (let i = 0; i < list.length; i++) {
    const path = `${field}[${i}]`;
    const item = list[i];
    if (!isRecord(item)) {
      problems.add(path, `must be a document (object), got ${describe(item)}`);
      continue;
    }
    const value = read(item, path, problems);
    if (value !== undefined) {
      out.push(value);
      at.push(i);
    }
  }
  return { items: out, at };
}

function readInternetAddress(
  doc: Record<string, unknown>,
  field: string,
  path: string,
  problems: ProblemList,
): string | undefined {
  const v = optionalString(doc, field, path, problems);
  if (v === undefined) return undefined;
  if (parseInternetAddress(v) === undefined) {
    problems.add(`${path}.${field}`, `is not an Internet address (local@domain): ${describe(v)}`);
    return undefined;
  }
  return v;
}

const FORMATS = ['keepSendersFormat', 'notesRichText', 'mime'] as const;

function readPerson(
  doc: Record<string, unknown>,
  path: string,
  problems: ProblemList,
): PersonDocument | undefined {
  const fullNames = stringArray(doc, 'fullNames', path, problems);
  if (fullNames.length === 0) {
    problems.add(`${path}.fullNames`, 'needs at least one name (the first is the canonical Notes name)');
    return undefined;
  }
  const first = fullNames[0]!;
  if (first.includes('@') && !first.includes('/')) {
    problems.add(
      `${path}.fullNames[0]`,
      `the first full name must be the canonical Notes user name, not an Internet address: ${describe(first)}`,
      'warning',
    );
  }
  const person: {
    -readonly [K in keyof PersonDocument]: PersonDocument[K];
  } = {
    fullNames,
    shortNames: stringArray(doc, 'shortNames', path, problems),
    formatPreference: optionalEnum(doc, 'formatPreference', path, problems, FORMATS, 'keepSendersFormat'),
  };
  const inet = readInternetAddress(doc, 'internetAddress', path, problems);
  if (inet !== undefined) person.internetAddress = inet;
  const server = optionalString(doc, 'mailServer', path, problems);
  if (server !== undefined) person.mailServer = server;
  const file = optionalString(doc, 'mailFile', path, problems);
  if (file !== undefined) person.mailFile = file;
  const domain = optionalString(doc, 'mailDomain', path, problems);
  if (domain !== undefined) person.mailDomain = domain;
  return person;
}

const GROUP_TYPES = ['multipurpose', 'mailOnly', 'accessControlOnly', 'denyList', 'serversOnly'] as const;

function readGroup(
  doc: Record<string, unknown>,
  path: string,
  problems: ProblemList,
): GroupDocument | undefined {
  const name = requiredString(doc, 'name', path, problems);
  if (name === undefined) return undefined;
  const group: { -readonly [K in keyof GroupDocument]: GroupDocument[K] } = {
    name,
    members: stringArray(doc, 'members', path, problems),
    type: optionalEnum(doc, 'type', path, problems, GROUP_TYPES, 'multipurpose'),
    scope: optionalEnum(doc, 'scope', path, problems, ['public', 'local'] as const, 'public'),
  };
  const inet = readInternetAddress(doc, 'internetAddress', path, problems);
  if (inet !== undefined) group.internetAddress = inet;
  return group;
}

function readServer(
  doc: Record<string, unknown>,
  path: string,
  problems: ProblemList,
): ServerDocument | undefined {
  const name = requiredString(doc, 'name', path, problems);
  const domain = requiredString(doc, 'domain', path, problems);
  if (name === undefined || domain === undefined) return undefined;
  const server: { -readonly [K in keyof ServerDocument]: ServerDocument[K] } = {
    name,
    domain,
    smtpListener: optionalBoolean(doc, 'smtpListener', path, problems, false),
  };
  const nnn = optionalString(doc, 'namedNetwork', path, problems);
  if (nnn !== undefined) server.namedNetwork = nnn;
  const host = optionalString(doc, 'hostName', path, problems);
  if (host !== undefined) {
    if (normalizeDomain(host) === undefined)
      problems.add(`${path}.hostName`, `is not a host name: ${describe(host)}`);
    else server.hostName = host;
  }
  return server;
}

function readConnection(
  doc: Record<string, unknown>,
  path: string,
  problems: ProblemList,
): ConnectionDocument | undefined {
  const source = requiredString(doc, 'source', path, problems);
  const destination = requiredString(doc, 'destination', path, problems);
  let cost = 1;
  const rawCost = doc['cost'];
  let costOk = true;
  if (rawCost !== undefined && rawCost !== null) {
    if (typeof rawCost !== 'number' || !Number.isFinite(rawCost) || rawCost < 0) {
      problems.add(
        `${path}.cost`,
        `must be a finite number >= 0, got ${describe(rawCost)}; connection left out`,
      );
      costOk = false;
    } else {
      cost = rawCost;
    }
  }
  const type = optionalEnum(doc, 'type', path, problems, ['nrpc', 'smtp'] as const, 'nrpc');
  const enabled = optionalBoolean(doc, 'enabled', path, problems, true);
  const destinationDomain = optionalString(doc, 'destinationDomain', path, problems);
  const relayHost = optionalString(doc, 'relayHost', path, problems);
  if (source === undefined || destination === undefined || !costOk) return undefined;
  const conn: { -readonly [K in keyof ConnectionDocument]: ConnectionDocument[K] } = {
    source,
    destination,
    type,
    cost,
    enabled,
  };
  if (destinationDomain !== undefined) conn.destinationDomain = destinationDomain;
  if (relayHost !== undefined) {
    if (normalizeDomain(relayHost) === undefined)
      problems.add(`${path}.relayHost`, `is not a host name: ${describe(relayHost)}`);
    else conn.relayHost = relayHost;
  }
  return conn;
}

function readDomain(
  doc: Record<string, unknown>,
  path: string,
  problems: ProblemList,
): DomainDocument | undefined {
  const type = doc['type'];
  if (type === 'adjacent') {
    const name = requiredString(doc, 'name', path, problems);
    return name === undefined ? undefined : { type, name };
  }
  if (type === 'nonAdjacent') {
    const name = requiredString(doc, 'name', path, problems);
    const via = requiredString(doc, 'via', path, problems);
    if (name === undefined || via === undefined) return undefined;
    if (nameKey(name) === nameKey(via)) {
      problems.add(`${path}.via`, `domain ${name} cannot be routed through itself`);
      return undefined;
    }
    return { type, name, via };
  }
  if (type === 'foreignSmtp') {
    const pattern = requiredString(doc, 'internetDomain', path, problems);
    const routeToDomain = optionalString(doc, 'routeToDomain', path, problems);
    const routeToHost = optionalString(doc, 'routeToHost', path, problems);
    if (pattern === undefined) return undefined;
    if (routeToDomain === undefined && routeToHost === undefined) {
      problems.add(
        `${path}.routeToDomain`,
        'a foreign SMTP domain needs a domain name or an Internet host to route to',
      );
      return undefined;
    }
    if (routeToHost !== undefined && normalizeDomain(routeToHost) === undefined) {
      problems.add(`${path}.routeToHost`, `is not a host name: ${describe(routeToHost)}`);
      return undefined;
    }
    const out: { -readonly [K in keyof ForeignDoc]: ForeignDoc[K] } = { type, internetDomain: pattern };
    if (routeToDomain !== undefined) out.routeToDomain = routeToDomain;
    if (routeToHost !== undefined) out.routeToHost = routeToHost;
    return out;
  }
  problems.add(`${path}.type`, `must be one of adjacent, nonAdjacent, foreignSmtp, got ${describe(type)}`);
  return undefined;
}

type ForeignDoc = Extract<DomainDocument, { type: 'foreignSmtp' }>;

function readGlobalDomain(
  doc: Record<string, unknown>,
  path: string,
  problems: ProblemList,
): GlobalDomainDocument | undefined {
  const primary = requiredString(doc, 'primaryDomain', path, problems);
  if (primary === undefined) return undefined;
  if (normalizeDomain(primary) === undefined) {
    problems.add(`${path}.primaryDomain`, `is not a domain name: ${describe(primary)}`);
    return undefined;
  }
  const aliases = stringArray(doc, 'aliases', path, problems).filter((a, i) => {
    if (normalizeDomain(a) !== undefined) return true;
    problems.add(`${path}.aliases[${i}]`, `is not a domain name: ${describe(a)}`);
    return false;
  });
  const gdd: { -readonly [K in keyof GlobalDomainDocument]: GlobalDomainDocument[K] } = {
    primaryDomain: primary,
    aliases,
    isDefault: optionalBoolean(doc, 'isDefault', path, problems, false),
  };
  const name = optionalString(doc, 'name', path, problems);
  if (name !== undefined) gdd.name = name;
  return gdd;
}

function readConfiguration(
  doc: Record<string, unknown>,
  path: string,
  problems: ProblemList,
): ConfigurationSettingsDocument | undefined {
  const server = optionalString(doc, 'server', path, problems) ?? '*';
  const out: Record<string, unknown> = { server };
  const bools = [
    'smtpOutsideLocalInternetDomain',
    'smtpWithinLocalInternetDomain',
    'exhaustiveLookup',
    'smartHostForAllLocalRecipients',
    'disableBccGroupExpansion',
    'routerDisableMailToGroups',
  ];
  for (const f of bools) if (doc[f] !== undefined) out[f] = optionalBoolean(doc, f, path, problems, false);
  if (doc['localServersReachableViaSmtp'] !== undefined) {
    const words = ['always', 'sameNamedNetwork', 'never'] as const;
    out['localServersReachableViaSmtp'] = optionalEnum(
      doc,
      'localServersReachableViaSmtp',
      path,
      problems,
      words,
      'sameNamedNetwork',
    );
  }
  if (doc['addressLookup'] !== undefined) {
    const words = ['fullnameOnly', 'fullnameThenLocalPart', 'localPartOnly'] as const;
    out['addressLookup'] = optionalEnum(doc, 'addressLookup', path, problems, words, 'fullnameThenLocalPart');
  }
  if (doc['relayHostAuthentication'] !== undefined) {
    const words = ['required', 'enabled', 'disabled'] as const;
    out['relayHostAuthentication'] = optionalEnum(
      doc,
      'relayHostAuthentication',
      path,
      problems,
      words,
      'disabled',
    );
  }
  if (doc['relayHosts'] !== undefined) {
    out['relayHosts'] = stringArray(doc, 'relayHosts', path, problems).filter((h, i) => {
      if (normalizeDomain(h) !== undefined) return true;
      problems.add(`${path}.relayHosts[${i}]`, `is not a host name: ${describe(h)}`);
      return false;
    });
  }
  const smart = optionalString(doc, 'smartHost', path, problems);
  if (smart !== undefined) {
    if (normalizeDomain(smart) === undefined)
      problems.add(`${path}.smartHost`, `is not a host name: ${describe(smart)}`);
    else out['smartHost'] = smart;
  }
  const expand = doc['expandGroups'];
  if (expand !== undefined) {
    if (expand === 0 || expand === 1 || expand === 2 || expand === 3) out['expandGroups'] = expand;
    else
      problems.add(
        `${path}.expandGroups`,
        `$ExpandGroups must be 0, 1, 2 or 3, got ${describe(expand)}; using 3`,
      );
  }
  return out as unknown as ConfigurationSettingsDocument;
}
