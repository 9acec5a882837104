import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildRoutingGraph,
  DEFAULT_ROUTER_CONFIGURATION,
  type Directory,
  type DirectoryEntry,
  dispatch,
  type GroupDocument,
  type PersonDocument,
  resolveRecipient,
  type ServerDocument,
} from '../src/index.js';

/**
 * A directory that is not the in-memory one: the shape an LDAP or database adapter would have.
 * It records every question so the test can assert which lookups routing makes.
 */
class RecordingDirectory implements Directory {
  readonly asked: string[] = [];
  readonly #persons: PersonDocument[];
  readonly #servers: ServerDocument[] = [{ name: 'CN=Mail/O=Ldap', domain: 'Ldap', smtpListener: false }];
  constructor(persons: PersonDocument[]) {
    this.#persons = persons;
  }
  findByName(name: string): readonly DirectoryEntry[] {
    this.asked.push(`name:${name}`);
    return this.#persons
      .filter((p) => p.fullNames.some((n) => n.toLowerCase() === name.toLowerCase()))
      .map((person) => ({ kind: 'person', person }));
  }
  findByInternetAddress(address: string): readonly DirectoryEntry[] {
    this.asked.push(`address:${address}`);
    return this.#persons
      .filter((p) => p.internetAddress === address)
      .map((person) => ({ kind: 'person', person }));
  }
  findByLocalPart(localPart: string): readonly DirectoryEntry[] {
    this.asked.push(`local:${localPart}`);
    return this.#persons
      .filter((p) => p.internetAddress?.split('@')[0] === localPart)
      .map((person) => ({ kind: 'person', person }));
  }
  groupMembers(group: GroupDocument): readonly string[] {
    return group.members;
  }
  findGlobalDomain(domain: string) {
    return domain === 'ldap.example'
      ? { primaryDomain: 'ldap.example', aliases: [], isDefault: true }
      : undefined;
  }
  findServer(name: string) {
    return this.#servers.find((s) => s.name.toLowerCase() === `cn=${name.toLowerCase().replace('/', '/o=')}`);
  }
  servers() {
    return this.#servers;
  }
  connections() {
    return [];
  }
  domains() {
    return [];
  }
  globalDomains() {
    return [];
  }
  configuration() {
    return DEFAULT_ROUTER_CONFIGURATION;
  }
}

describe('a pluggable Directory', () => {
  const person: PersonDocument = {
    fullNames: ['CN=Lea/O=Ldap'],
    shortNames: [],
    internetAddress: 'lea@ldap.example',
    mailServer: 'CN=Mail/O=Ldap',
    mailFile: 'mail/lea.nsf',
    formatPreference: 'keepSendersFormat',
  };

  it('is asked the full address first, then the local part (Fullname then Local Part)', () => {
    const dir = new RecordingDirectory([person]);
    assert.equal(resolveRecipient(dir, 'Lea@LDAP.example').outcome, 'person');
    assert.deepEqual(dir.asked, ['address:lea@ldap.example']);
    dir.asked.length = 0;
    assert.equal(resolveRecipient(dir, 'nobody@ldap.example').outcome, 'notFound');
    assert.deepEqual(dir.asked, ['address:nobody@ldap.example', 'local:nobody']);
  });

  it('drives dispatch and the graph like the in-memory directory', () => {
    const dir = new RecordingDirectory([person]);
    const graph = buildRoutingGraph(dir, 'Mail/Ldap');
    assert.deepEqual(graph.problems, []);
    const [d] = dispatch(dir, graph, ['lea@ldap.example']);
    assert.equal(d!.action, 'deliver');
  });
});
