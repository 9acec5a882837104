/**
 * The fast matchers against naive linear scans: domain suffix sets (label and substring modes)
 * and IP prefix tables, on random lists and names from a seeded generator.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prng } from '@mailroute/testing';
import { DomainSuffixSet } from '../src/domain-set.js';
import { parseIpEntry } from '../src/ip-entry.js';
import { IpPrefixSet } from '../src/ip-set.js';

const LABELS = ['a', 'b', 'ab', 'ba', 'ibm', 'evilibm', 'com', 'x-y', 'us', 'mail'];

function randomName(next: () => number): string {
  const n = 1 + Math.floor(next() * 4);
  return Array.from({ length: n }, () => LABELS[Math.floor(next() * LABELS.length)]).join('.');
}

describe('DomainSuffixSet agrees with a linear scan', () => {
  for (const mode of ['label', 'substring'] as const) {
    it(`${mode} mode, 300 random lists x 200 names`, () => {
      const next = prng(mode === 'label' ? 11 : 12);
      for (let round = 0; round < 300; round++) {
        const set = new DomainSuffixSet<string>(mode);
        const entries: { name: string; self: boolean; below: boolean }[] = [];
        const count = Math.floor(next() * 8);
        for (let i = 0; i < count; i++) {
          const name = randomName(next);
          const below = next() < 0.8;
          const self = !below || next() < 0.7;
          entries.push({ name, self, below });
          set.add(name, name, self, below);
        }
        for (let q = 0; q < 200; q++) {
          const name = randomName(next);
          const naive = entries.some(
            (e) =>
              (e.self && name === e.name) ||
              (e.below && name.endsWith(`.${e.name}`)) ||
              (mode === 'substring' && e.self && name.endsWith(e.name)),
          );
          assert.equal(
            set.match(name) !== undefined,
            naive,
            `${mode}: ${name} in ${JSON.stringify(entries)}`,
          );
        }
      }
    });
  }
  it('reports the most specific entry and how it matched', () => {
    const set = new DomainSuffixSet<string>('label');
    set.add('ibm.com', 'wide', true, true);
    set.add('us.ibm.com', 'narrow', true, true);
    assert.deepEqual(set.match('mail.us.ibm.com'), { value: 'narrow', how: 'subdomain' });
    assert.deepEqual(set.match('ibm.com'), { value: 'wide', how: 'exact' });
    assert.equal(set.match('evilibm.com'), undefined);
    const sub = new DomainSuffixSet<string>('substring');
    sub.add('ibm.com', 'e', true, true);
    assert.deepEqual(sub.match('evilibm.com'), { value: 'e', how: 'substring' });
  });
});

describe('IpPrefixSet agrees with a linear scan', () => {
  it('IPv4: wildcards and CIDR, 200 random lists x 300 addresses', () => {
    const next = prng(21);
    const octet = () => String([0, 1, 10, 127, 192, 255][Math.floor(next() * 6)]);
    for (let round = 0; round < 200; round++) {
      const set = new IpPrefixSet<number>();
      const entries: { address: number; mask: number }[] = [];
      for (let i = 0; i < Math.floor(next() * 10); i++) {
        const parts = [octet(), octet(), octet(), octet()];
        let text: string;
        if (next() < 0.5) text = `${parts.join('.')}/${Math.floor(next() * 33)}`;
        else text = parts.map((p) => (next() < 0.3 ? '*' : p)).join('.');
        const parsed = parseIpEntry(text);
        assert.ok(parsed.ok && parsed.value.family === 4, text);
        if (!parsed.ok || parsed.value.family !== 4) continue;
        entries.push({ address: parsed.value.address, mask: parsed.value.mask });
        set.addV4(parsed.value.address, parsed.value.mask, i);
      }
      for (let q = 0; q < 300; q++) {
        const ip =
          ((Number(octet()) << 24) | (Number(octet()) << 16) | (Number(octet()) << 8) | Number(octet())) >>>
          0;
        const naive = entries.some((e) => (ip & e.mask) >>> 0 === (e.address & e.mask) >>> 0);
        assert.equal(set.matchV4(ip) !== undefined, naive);
      }
    }
  });
  it('IPv6 prefixes', () => {
    const set = new IpPrefixSet<string>();
    for (const text of ['2001:db8::/32', '2001:db8:1::/48', 'fe80::/10', '::1/128']) {
      const p = parseIpEntry(text);
      assert.ok(p.ok && p.value.family === 6);
      if (p.ok && p.value.family === 6) set.addV6(p.value.groups, p.value.prefix, text);
    }
    const g = (t: string) => {
      const p = parseIpEntry(t);
      assert.ok(p.ok && p.value.family === 6);
      return p.ok && p.value.family === 6 ? p.value.groups : new Uint16Array(8);
    };
    assert.equal(set.matchV6(g('2001:db8:1::5'))?.value, '2001:db8:1::/48');
    assert.equal(set.matchV6(g('2001:db8:2::5'))?.value, '2001:db8::/32');
    assert.equal(set.matchV6(g('febf::1'))?.value, 'fe80::/10');
    assert.equal(set.matchV6(g('fec0::1')), undefined);
    assert.equal(set.matchV6(g('::1'))?.value, '::1/128');
  });
  it('IPv4-mapped IPv6 entries become IPv4 entries', () => {
    const p = parseIpEntry('::ffff:10.0.0.0/104');
    assert.ok(p.ok && p.value.family === 4 && p.value.mask === 0xff000000);
  });
});
