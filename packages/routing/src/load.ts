import { InMemoryDirectory } from './directory.js';
import {
  readConfiguration,
  readConnection,
  readDomain,
  readGlobalDomain,
  readGroup,
  readPerson,
  readServer,
} from './document-readers.js';
import type { DirectoryData, DirectoryProblem } from './model.js';
import { checkTopology } from './topology-check.js';
import { DocumentPath, describe, isRecord, ProblemList } from './validate.js';

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

type Reader<T> = (doc: Record<string, unknown>, path: DocumentPath, problems: ProblemList) => T | undefined;

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
    const path = new DocumentPath(field, i);
    const item = list[i];
    if (!isRecord(item)) {
      problems.add(String(path), `must be a document (object), got ${describe(item)}`);
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
