// The openspf RFC 7208 test suite (../shared/fixtures/spf), loaded and turned into static zones.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createStaticTransport,
  type DnsTransport,
  type StaticZone,
  type StaticZoneEntry,
} from '@mailroute/dns';
import { parseAllDocuments } from 'yaml';

/** The repository root (this file compiles to test/auth/dist/). */
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** The suite file, or undefined when the shared fixtures are absent. */
export const suitePath: string | undefined = (() => {
  const dir = process.env.MAILROUTE_FIXTURES ?? join(repoRoot, '..', 'shared', 'fixtures');
  const file = join(dir, 'spf', 'rfc7208-tests.yml');
  return existsSync(file) ? file : undefined;
})();

/** One test of the suite. */
export interface SuiteTest {
  readonly scenario: string;
  readonly name: string;
  readonly helo: string;
  readonly host: string;
  readonly mailfrom: string;
  readonly results: readonly string[];
  readonly explanation: string | undefined;
}

/** One scenario: its tests and its zone. */
export interface SuiteScenario {
  readonly description: string;
  readonly tests: readonly SuiteTest[];
  readonly zone: StaticZone;
  /** Names marked TIMEOUT, with the record types that still answer there. */
  readonly timeouts: ReadonlyMap<string, ReadonlySet<string>>;
}

type Rec = Record<string, unknown> | string;

/**
 * The scenario's zone for the static transport. SPF-type records are served as TXT where a name has
 * no TXT of its own (the suite's convention), except in "Selecting records", which tests that SPF
 * records are ignored.
 */
function buildZone(zonedata: Record<string, Rec[]>): {
  zone: StaticZone;
  timeouts: Map<string, Set<string>>;
} {
  const zone: Record<string, StaticZoneEntry> = {};
  const timeouts = new Map<string, Set<string>>();
  for (const [name, records] of Object.entries(zonedata ?? {})) {
    const e: {
      A?: string[];
      AAAA?: string[];
      MX?: { preference: number; exchange: string }[];
      TXT?: (string | string[])[];
      PTR?: string[];
      CNAME?: string;
      fail?: 'TIMEOUT';
    } = {};
    const spf: (string | string[])[] = [];
    const answered = new Set<string>();
    let timeout = false;
    for (const r of records ?? []) {
      if (r === 'TIMEOUT') {
        timeout = true;
        continue;
      }
      if (typeof r !== 'object' || r === null) continue;
      const [type, value] = Object.entries(r)[0]!;
      // "TXT: NONE" means the name has no TXT (and its SPF records are not served as TXT).
      if (type === 'TXT' && value === 'NONE') {
        e.TXT = [];
        continue;
      }
      answered.add(type === 'SPF' ? 'TXT' : type);
      const text = (v: unknown): string | string[] => (Array.isArray(v) ? v.map(String) : String(v));
      switch (type) {
        case 'A':
          e.A = [...(e.A ?? []), String(value)];
          break;
        case 'AAAA':
          e.AAAA = [...(e.AAAA ?? []), String(value)];
          break;
        case 'MX': {
          const [preference, exchange] = value as [number, string];
          e.MX = [...(e.MX ?? []), { preference: Number(preference), exchange: String(exchange) }];
          break;
        }
        case 'TXT':
          e.TXT = [...(e.TXT ?? []), text(value)];
          break;
        case 'SPF':
          spf.push(text(value));
          break;
        case 'PTR':
          e.PTR = [...(e.PTR ?? []), String(value)];
          break;
        case 'CNAME':
          e.CNAME = String(value);
          break;
      }
    }
    if (e.TXT === undefined && spf.length > 0) e.TXT = spf;
    if (e.TXT !== undefined && e.TXT.length > 0) answered.add('TXT');
    else answered.delete('TXT');
    if (timeout) timeouts.set(name.toLowerCase(), answered);
    zone[name] = e;
  }
  return { zone, timeouts };
}

/** Every scenario of the suite file. */
export function loadSuite(path: string): SuiteScenario[] {
  const out: SuiteScenario[] = [];
  for (const doc of parseAllDocuments(readFileSync(path, 'utf8'))) {
    if (!('toJS' in doc)) continue;
    const d = doc.toJS() as {
      description: string;
      tests: Record<string, Record<string, unknown>>;
      zonedata: Record<string, Rec[]>;
    } | null;
    if (!d?.tests) continue;
    const tests = Object.entries(d.tests).map(([name, t]) => ({
      scenario: d.description,
      name,
      helo: String(t.helo ?? ''),
      host: String(t.host),
      mailfrom: String(t.mailfrom ?? ''),
      results: Array.isArray(t.result) ? t.result.map(String) : [String(t.result)],
      explanation: t.explanation === undefined ? undefined : String(t.explanation),
    }));
    out.push({ description: d.description, tests, ...buildZone(d.zonedata) });
  }
  return out;
}

/**
 * The scenario's transport: the dns package's static zone, except that at a name marked TIMEOUT a
 * question of a type with no records there never answers (until the resolver gives up), as the
 * suite's own driver (pyspf testspf.py) behaves.
 */
export function suiteTransport(s: SuiteScenario): DnsTransport {
  const inner = createStaticTransport(s.zone);
  return {
    query(question, options) {
      const types = s.timeouts.get(question.name.toLowerCase().replace(/\.$/, ''));
      if (types && !types.has(question.type))
        return new Promise((resolve) => {
          const done = () => resolve({ rcode: 'TIMEOUT', records: [], detail: 'suite TIMEOUT' });
          if (options.signal.aborted) done();
          else options.signal.addEventListener('abort', done, { once: true });
        });
      return inner.query(question, options);
    },
  };
}
