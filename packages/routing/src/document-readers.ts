import { nameKey } from '@mailroute/envelope/notes-name';
import type {
  ConfigurationSettingsDocument,
  ConnectionDocument,
  DomainDocument,
  GlobalDomainDocument,
  GroupDocument,
  PersonDocument,
  ServerDocument,
} from './model.js';
import { normalizeDomain, normalizeDomainAlias, parseInternetAddress } from './names.js';
import {
  describe,
  optionalBoolean,
  optionalEnum,
  optionalString,
  type PathLike,
  type ProblemList,
  requiredString,
  stringArray,
} from './validate.js';

/**
 * One reader per directory document type: each returns the validated document, or undefined when
 * a required field is bad, and names every bad field in the problem list.
 */

function readInternetAddress(
  doc: Record<string, unknown>,
  field: string,
  path: PathLike,
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

export function readPerson(
  doc: Record<string, unknown>,
  path: PathLike,
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

export function readGroup(
  doc: Record<string, unknown>,
  path: PathLike,
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

export function readServer(
  doc: Record<string, unknown>,
  path: PathLike,
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

export function readConnection(
  doc: Record<string, unknown>,
  path: PathLike,
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

export function readDomain(
  doc: Record<string, unknown>,
  path: PathLike,
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

export function readGlobalDomain(
  doc: Record<string, unknown>,
  path: PathLike,
  problems: ProblemList,
): GlobalDomainDocument | undefined {
  const primary = requiredString(doc, 'primaryDomain', path, problems);
  if (primary === undefined) return undefined;
  if (normalizeDomain(primary) === undefined) {
    problems.add(`${path}.primaryDomain`, `is not a domain name: ${describe(primary)}`);
    return undefined;
  }
  const aliases = stringArray(doc, 'aliases', path, problems).filter((a, i) => {
    if (normalizeDomainAlias(a) !== undefined) return true;
    problems.add(`${path}.aliases[${i}]`, `is not a domain name or *.domain: ${describe(a)}`);
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

export function readConfiguration(
  doc: Record<string, unknown>,
  path: PathLike,
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
  if (doc['expandGroups'] !== undefined) {
    // $ExpandGroups tells the Notes client's mailer whether to expand groups before sending; the
    // Router always expands the groups it receives (seed 000), so the setting means nothing here.
    problems.add(
      `${path}.expandGroups`,
      '$ExpandGroups is a Notes client setting; the Router always expands groups (RouterDisableMailToGroups=1 refuses them); ignored',
      'warning',
    );
  }
  return out as unknown as ConfigurationSettingsDocument;
}
