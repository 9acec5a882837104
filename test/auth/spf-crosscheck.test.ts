// Our SPF beside Debian's pyspf and mailauth 4.13.3 on seeded real-world-shaped scenarios: the
// same zone for all three; results compared and every disagreement accounted for.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { checkSpf } from '@mailroute/auth';
import { createResolver, createStaticTransport, type StaticZone } from '@mailroute/dns';
import { spf as mailauthSpf } from 'mailauth/lib/spf/index.js';
import { type PlainZone, type SpfScenario, scenarios } from './spf-scenarios.js';

const COUNT = 300;
const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../pyspf_check.py', import.meta.url));
const pyspfMissing = spawnSync(PYTHON, ['-c', 'import spf'], { encoding: 'utf8' }).status !== 0;

/** The dns package's static zone for a plain zone. */
export function staticZone(zone: PlainZone): StaticZone {
  const out: Record<string, object> = {};
  for (const [name, e] of Object.entries(zone))
    out[name] = { ...e, MX: e.MX?.map(([preference, exchange]) => ({ preference, exchange })) };
  return out as StaticZone;
}

/** A dns.promises.resolve-shaped resolver over a plain zone, for mailauth. */
export function mailauthResolver(zone: PlainZone) {
  return async (name: string, type: string): Promise<unknown[]> => {
    const e = zone[name.toLowerCase().replace(/\.$/, '')];
    const fail = (code: string) => Object.assign(new Error(`${code} ${name}`), { code });
    if (!e) throw fail('ENOTFOUND');
    const values = (e as Record<string, unknown[] | undefined>)[type];
    if (!values || values.length === 0) throw fail('ENODATA');
    if (type === 'MX')
      return (values as [number, string][]).map(([priority, exchange]) => ({ priority, exchange }));
    if (type === 'TXT') return (values as string[]).map((t) => [t]);
    return values;
  };
}

export async function ours(s: SpfScenario, maxVoidLookups = 2): Promise<string> {
  const resolver = createResolver({
    transport: createStaticTransport(staticZone(s.zone)),
    retryCount: 1,
    retryBaseWaitMs: 30,
  });
  const v = await checkSpf(
    { ip: s.ip, mailFrom: s.sender, helo: s.helo },
    { resolver, receiver: 'mx.test', limits: { maxVoidLookups } },
  );
  return v.result;
}

async function theirs(s: SpfScenario): Promise<string> {
  const r = await mailauthSpf({
    sender: s.sender,
    ip: s.ip,
    helo: s.helo,
    mta: 'mx.test',
    resolver: mailauthResolver(s.zone),
  } as never);
  return (r as { status: { result: string } }).status.result;
}

function pyspf(all: readonly SpfScenario[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'auth-pyspf-'));
  try {
    const file = join(dir, 'scenarios.json');
    writeFileSync(file, JSON.stringify(all));
    const r = spawnSync(PYTHON, [SCRIPT, file], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as string);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('SPF cross-check: pyspf and mailauth on seeded real-world-shaped records', () => {
  const all = scenarios(2026, COUNT);

  it(`matches pyspf on ${COUNT} scenarios, every difference explained`, {
    skip: pyspfMissing ? 'python3-spf not installed' : false,
  }, async () => {
    const py = pyspf(all);
    const differ: string[] = [];
    const unexplained: string[] = [];
    for (let i = 0; i < all.length; i++) {
      const s = all[i]!;
      const mine = await ours(s);
      if (mine === py[i]) continue;
      const line = `${s.ip} "${s.record}": ours ${mine}, pyspf ${py[i]}`;
      differ.push(line);
      // pyspf counts every MX host whose address lookup comes back empty as a void lookup; RFC 7208
      // section 4.6.4 counts terms, and an mx term whose MX query answered is not void.
      if (!(py[i] === 'permerror' && /(^| )[-~?+]?mx\b/.test(s.record.slice(7)))) unexplained.push(line);
    }
    console.log(
      `pyspf: ${COUNT - differ.length} of ${COUNT} agree; the rest are pyspf's void count of MX hosts`,
    );
    for (const d of differ) console.log(`  ${d}`);
    assert.deepEqual(unexplained, []);
  });

  it(`matches mailauth on ${COUNT} scenarios, every difference explained`, async () => {
    const differ: string[] = [];
    const unexplained: string[] = [];
    for (const s of all) {
      const [mine, other] = [await ours(s), await theirs(s)];
      if (mine === other) continue;
      const line = `${s.ip} "${s.record}": ours ${mine}, mailauth ${other}`;
      differ.push(line);
      // mailauth counts fewer void lookups (not ptr's PTR query; an a: name void only when both A and
      // AAAA are empty). Explained when our result without the void limit is mailauth's.
      if (!(mine === 'permerror' && (await ours(s, 100)) === other)) unexplained.push(line);
    }
    console.log(
      `mailauth: ${COUNT - differ.length} of ${COUNT} agree; the rest are mailauth's lower void count`,
    );
    for (const d of differ) console.log(`  ${d}`);
    assert.deepEqual(unexplained, []);
  });
});
