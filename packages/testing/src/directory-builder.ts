/**
 * A Domino directory in a few readable lines: persons, groups, servers with their Notes Named
 * Networks, Connection documents, Domain and Global Domain documents, Configuration Settings.
 * It writes the same data a real directory export gives `@mailroute/routing`'s `loadDirectory`,
 * and hands the result to routing (directory, routing graph) and to relay-policy (its
 * `PolicyDirectory` and the local Internet domains).
 */
import { MailrouteError } from '@mailroute/envelope';
import { nameKey } from '@mailroute/envelope/notes-name';
import type { PolicyDirectory, RecipientLookup } from '@mailroute/relay-policy';
import {
  buildRoutingGraph,
  type ConfigurationSettingsDocument,
  type ConnectionType,
  type DirectoryProblem,
  type FormatPreference,
  type GroupScope,
  type GroupType,
  type InMemoryDirectory,
  loadDirectory,
  type RoutingGraph,
  resolveRecipient,
} from '@mailroute/routing';

/** Fields of a Person document besides its name. */
export interface PersonFields {
  /** Internet address (`jane.doe@acme.example`). */
  readonly email?: string;
  /** Short names / user ids (also matched by local part). */
  readonly shortNames?: readonly string[];
  /** Further full names (aliases) after the first. */
  readonly aliases?: readonly string[];
  /** Home mail server; default the last server declared. */
  readonly server?: string;
  /** Mail file; default `mail/<shortname or first word>.nsf`. */
  readonly mailFile?: string;
  /** Mail domain, for a person in another Notes domain. */
  readonly mailDomain?: string;
  /** Format preference for incoming mail; default `keepSendersFormat`. */
  readonly format?: FormatPreference;
}

/** Fields of a Group document besides its name and members. */
export interface GroupFields {
  /** Internet address of the group. */
  readonly email?: string;
  /** Group type; default `multipurpose`. */
  readonly type?: GroupType;
  /** Public or local; default public. */
  readonly scope?: GroupScope;
}

/** Fields of a Server document besides its name. */
export interface ServerFields {
  /** Notes domain; default the builder's domain. */
  readonly domain?: string;
  /** Notes Named Network (see also {@link DirectoryBuilder.network}). */
  readonly network?: string;
  /** Fully qualified host name. */
  readonly hostName?: string;
  /** The SMTP listener task is on. Default false. */
  readonly smtp?: boolean;
}

/** Fields of a Connection document besides its source and destination. */
export interface ConnectionFields {
  /** `nrpc` (default) or `smtp`. */
  readonly type?: ConnectionType;
  /** Routing cost; default 1. */
  readonly cost?: number;
  /** Destination domain (for SMTP connections to the Internet: the domain a Foreign SMTP Domain document routes to). */
  readonly destinationDomain?: string;
  /** Relay host for SMTP. */
  readonly relayHost?: string;
  /** Default true. */
  readonly enabled?: boolean;
}

/** Options of {@link directoryBuilder}. */
export interface DirectoryBuilderOptions {
  /** The Notes domain of servers declared without one. Default `Acme`. */
  readonly domain?: string;
}

/** What {@link DirectoryBuilder.build} gives. */
export interface BuiltDirectory {
  /** The data as `loadDirectory` takes it (JSON-safe: write it to a file if you like). */
  readonly data: {
    readonly persons: readonly object[];
    readonly groups: readonly object[];
    readonly servers: readonly object[];
    readonly connections: readonly object[];
    readonly domains: readonly object[];
    readonly globalDomains: readonly object[];
    readonly configurations: readonly object[];
  };
  /** The indexed directory of `@mailroute/routing`. */
  readonly directory: InMemoryDirectory;
  /** Warnings `loadDirectory` reported (errors make `build` throw). */
  readonly warnings: readonly DirectoryProblem[];
  /** The routing graph seen from `server` (`buildRoutingGraph`). */
  graph(server: string): RoutingGraph;
  /** Primary Internet domains and aliases of the Global Domain documents: relay-policy's `localInternetDomains`. */
  readonly localInternetDomains: readonly string[];
  /** The directory lookups relay-policy's gatherer takes, answered from this directory. */
  policyDirectory(): PolicyDirectory;
}

/** The error of a directory the loader refuses: code `TESTING_BAD_DIRECTORY`, each problem by path. */
export class DirectoryBuildError extends MailrouteError {
  /** Every error `loadDirectory` reported. */
  readonly problems: readonly DirectoryProblem[];
  constructor(problems: readonly DirectoryProblem[]) {
    super(
      'TESTING_BAD_DIRECTORY',
      `the directory has ${problems.length} error(s):\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`,
    );
    this.name = 'DirectoryBuildError';
    this.problems = problems;
  }
}

/** The builder; every method returns it, so a directory reads as a list of documents. */
export interface DirectoryBuilder {
  /** A Server document. */
  server(name: string, fields?: ServerFields): DirectoryBuilder;
  /** Puts servers in a Notes Named Network. */
  network(name: string, servers: readonly string[]): DirectoryBuilder;
  /** A Person document; `name` is the first full name (`Jane Doe/Acme`). */
  person(name: string, fields?: PersonFields): DirectoryBuilder;
  /** A Group document. */
  group(name: string, members: readonly string[], fields?: GroupFields): DirectoryBuilder;
  /** A Connection document from `source` to `destination`. */
  connection(source: string, destination: string, fields?: ConnectionFields): DirectoryBuilder;
  /**
   * An SMTP route to the Internet in one line: a Foreign SMTP Domain document for `pattern`
   * (default `*.*`) and an SMTP Connection document from `gateway` to it, cost 1.
   */
  internetVia(gateway: string, pattern?: string): DirectoryBuilder;
  /** An adjacent (`via` absent) or non-adjacent Domain document. */
  notesDomain(name: string, via?: string): DirectoryBuilder;
  /** A Global Domain document; the first one declared is the default. */
  globalDomain(primary: string, aliases?: readonly string[]): DirectoryBuilder;
  /** A Configuration Settings document (`server` `*` for all servers). */
  configuration(server: string, settings: Omit<ConfigurationSettingsDocument, 'server'>): DirectoryBuilder;
  /** Loads the data; throws {@link DirectoryBuildError} on an error. */
  build(): BuiltDirectory;
}

/** Starts a directory. */
export function directoryBuilder(options: DirectoryBuilderOptions = {}): DirectoryBuilder {
  const domain = options.domain ?? 'Acme';
  const persons: object[] = [];
  const groups: object[] = [];
  const servers: {
    name: string;
    domain: string;
    namedNetwork?: string;
    hostName?: string;
    smtpListener: boolean;
  }[] = [];
  const connections: object[] = [];
  const domains: object[] = [];
  const globalDomains: { primaryDomain: string; aliases: string[]; isDefault: boolean }[] = [];
  const configurations: object[] = [];
  const internetDomain = (n: number) => `internet${n === 0 ? '' : `_${n}`}`;
  let internetRoutes = 0;

  const builder: DirectoryBuilder = {
    server(name, fields = {}) {
      servers.push({
        name,
        domain: fields.domain ?? domain,
        smtpListener: fields.smtp ?? false,
        ...(fields.network === undefined ? {} : { namedNetwork: fields.network }),
        ...(fields.hostName === undefined ? {} : { hostName: fields.hostName }),
      });
      return builder;
    },
    network(name, members) {
      for (const member of members) {
        const server = servers.find((s) => nameKey(s.name) === nameKey(member));
        if (server === undefined) {
          throw new DirectoryBuildError([
            {
              path: `network ${name}`,
              message: `server ${member} is not declared (declare it first)`,
              severity: 'error',
            },
          ]);
        }
        server.namedNetwork = name;
      }
      return builder;
    },
    person(name, fields = {}) {
      const short = fields.shortNames ?? [];
      const home = fields.server ?? servers[servers.length - 1]?.name;
      const base = (short[0] ?? name.split(/[\s/]/)[0] ?? 'user').toLowerCase();
      persons.push({
        fullNames: [name, ...(fields.aliases ?? [])],
        shortNames: short,
        formatPreference: fields.format ?? 'keepSendersFormat',
        ...(fields.email === undefined ? {} : { internetAddress: fields.email }),
        ...(home === undefined || fields.mailDomain !== undefined ? {} : { mailServer: home }),
        ...(fields.mailDomain === undefined
          ? { mailFile: fields.mailFile ?? `mail/${base}.nsf` }
          : { mailDomain: fields.mailDomain }),
      });
      return builder;
    },
    group(name, members, fields = {}) {
      groups.push({
        name,
        members: [...members],
        type: fields.type ?? 'multipurpose',
        scope: fields.scope ?? 'public',
        ...(fields.email === undefined ? {} : { internetAddress: fields.email }),
      });
      return builder;
    },
    connection(source, destination, fields = {}) {
      connections.push({
        source,
        destination,
        type: fields.type ?? 'nrpc',
        cost: fields.cost ?? 1,
        enabled: fields.enabled ?? true,
        ...(fields.destinationDomain === undefined ? {} : { destinationDomain: fields.destinationDomain }),
        ...(fields.relayHost === undefined ? {} : { relayHost: fields.relayHost }),
      });
      return builder;
    },
    internetVia(gateway, pattern = '*.*') {
      const target = internetDomain(internetRoutes++);
      domains.push({ type: 'foreignSmtp', internetDomain: pattern, routeToDomain: target });
      return builder.connection(gateway, 'ALL-INTERNET-HOSTS', {
        type: 'smtp',
        cost: 1,
        destinationDomain: target,
      });
    },
    notesDomain(name, via) {
      domains.push(via === undefined ? { type: 'adjacent', name } : { type: 'nonAdjacent', name, via });
      return builder;
    },
    globalDomain(primary, aliases = []) {
      globalDomains.push({
        primaryDomain: primary,
        aliases: [...aliases],
        isDefault: globalDomains.length === 0,
      });
      return builder;
    },
    configuration(server, settings) {
      configurations.push({ ...settings, server });
      return builder;
    },
    build() {
      const data = { persons, groups, servers, connections, domains, globalDomains, configurations };
      const snapshot = JSON.parse(JSON.stringify(data)) as BuiltDirectory['data'];
      const { directory, problems } = loadDirectory(snapshot);
      const errors = problems.filter((p) => p.severity === 'error');
      if (errors.length > 0) throw new DirectoryBuildError(errors);
      const local = globalDomains.flatMap((g) => [g.primaryDomain, ...g.aliases]);
      return {
        data: snapshot,
        directory,
        warnings: problems.filter((p) => p.severity !== 'error'),
        graph: (server) => buildRoutingGraph(directory, server),
        localInternetDomains: local,
        policyDirectory: () => policyDirectoryOf(directory),
      };
    },
  };
  return builder;
}

/** relay-policy's directory questions, answered by routing's recipient resolution. */
function policyDirectoryOf(directory: InMemoryDirectory): PolicyDirectory {
  return {
    async findRecipient(address): Promise<RecipientLookup> {
      const found = resolveRecipient(directory, address);
      switch (found.outcome) {
        case 'person':
          return 'found';
        case 'group':
          return 'group';
        case 'ambiguous':
          return 'ambiguous';
        default:
          return 'not-found';
      }
    },
    async findInternetAddress(user) {
      const entry = directory.findByName(user).find((e) => e.kind === 'person');
      const address = entry?.kind === 'person' ? entry.person.internetAddress : undefined;
      return address ? { result: 'found', address } : { result: 'none' };
    },
    async expandGroup(name) {
      const entry = directory.findByName(name).find((e) => e.kind === 'group');
      return entry?.kind === 'group' ? directory.groupMembers(entry.group) : undefined;
    },
  };
}
