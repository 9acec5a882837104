import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock, prng } from '@mailroute/testing';
import {
  createResolver,
  createStaticTransport,
  type DnsTransport,
  isDnsError,
  parseHostsFile,
} from '../src/index.js';
import { addressLiteral, normalizeName, parseServer, reverseName } from '../src/wire-entry.js';

const alphabet = 'abcXYZ019.:-[]_ \t#%\n\r\u0000\u00e9v6IP';

function randomText(rand: () => number, max: number): string {
  const n = Math.floor(rand() * max);
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
  return s;
}

describe('fuzz: text parsers', () => {
  it('hosts file, names, literals and server strings never throw unexpectedly (5000 seeded inputs)', () => {
    const rand = prng(2026);
    for (let i = 0; i < 5000; i++) {
      const text = randomText(rand, 80);
      const table = parseHostsFile(text);
      assert.ok(Array.isArray(table.lookup('a', 'A')));
      const n = normalizeName(text);
      if (n !== undefined) assert.ok(n.length <= 253 && !n.includes('..'));
      reverseName(text);
      addressLiteral(text);
      try {
        const s = parseServer(text);
        assert.ok(s.port >= 1 && s.port <= 65535);
      } catch (e) {
        assert.ok(e instanceof RangeError);
      }
    }
  });

  it('parseServer reads addresses with ports and refuses host names', () => {
    assert.deepEqual(parseServer('192.0.2.1'), { address: '192.0.2.1', port: 53 });
    assert.deepEqual(parseServer('127.0.0.1:5353'), { address: '127.0.0.1', port: 5353 });
    assert.deepEqual(parseServer('[::1]:5353'), { address: '::1', port: 5353 });
    assert.deepEqual(parseServer('2001:db8::1'), { address: '2001:db8::1', port: 53 });
    assert.throws(() => parseServer('dns.example'), RangeError);
    assert.throws(() => parseServer('127.0.0.1:70000'), RangeError);
  });

  it('resolver lookups of random names always settle with a value or a typed error', async () => {
    const rand = prng(99);
    const transport = createStaticTransport({
      'a.example': { A: ['192.0.2.1'] },
      'l1.example': { CNAME: 'l2.example' },
      'l2.example': { CNAME: 'l1.example' },
    });
    const resolver = createResolver({ transport, clock: new FakeClock(), retryCount: 1 });
    for (let i = 0; i < 2000; i++) {
      const name = randomText(rand, 30);
      try {
        await resolver.resolveMx(name);
      } catch (e) {
        assert.ok(e instanceof Error && e.name === 'DnsError', String(e));
      }
    }
  });

  it('a CNAME loop ends in a typed error, not a hang', async () => {
    const transport = createStaticTransport({
      'l1.example': { CNAME: 'l2.example' },
      'l2.example': { CNAME: 'l1.example' },
    });
    const resolver = createResolver({ transport, clock: new FakeClock(), retryCount: 1 });
    await assert.rejects(resolver.resolveA('l1.example'), {
      name: 'DnsError',
      temporary: true,
      rcode: 'BADRESPONSE',
    });
    assert.ok(transport.queries.length <= 10);
  });

  it('two concurrent CNAME chains pointing at each other both settle', async () => {
    // Each answer holds one hop only, so the resolver must ask for every target itself.
    const other: Record<string, string> = { 'l1.example': 'l2.example', 'l2.example': 'l1.example' };
    let queries = 0;
    const transport: DnsTransport = {
      query: async (q) => {
        queries++;
        const target = other[q.name];
        return target
          ? { rcode: 'NOERROR', records: [{ type: 'CNAME', name: q.name, ttl: 60, target }] }
          : { rcode: 'NXDOMAIN', records: [] };
      },
    };
    const resolver = createResolver({ transport, clock: new FakeClock(), retryCount: 1 });
    const results = await Promise.allSettled([
      resolver.resolveA('l1.example'),
      resolver.resolveA('l2.example'),
    ]);
    for (const r of results) assert.ok(r.status === 'rejected' && isDnsError(r.reason) && r.reason.temporary);
    assert.ok(queries <= 20, `bounded: ${queries} queries`);
  });
});
