// Seeded, real-world-shaped SPF scenarios for the cross-checks and the benchmark: a sender domain
// whose record mixes ip4/ip6 ranges, includes of provider records (some nested, some missing), a,
// mx, exists and ptr, ending in -all, ~all, ?all or a redirect; clients inside and outside.

import { prng } from '@mailroute/testing';

/** A zone as plain data (serves the static transport, pyspf and mailauth alike). */
export type PlainZone = Record<
  string,
  { A?: string[]; AAAA?: string[]; MX?: [number, string][]; TXT?: string[]; PTR?: string[] }
>;

/** One scenario. */
export interface SpfScenario {
  readonly zone: PlainZone;
  readonly ip: string;
  readonly sender: string;
  readonly helo: string;
  readonly record: string;
}

const PROVIDERS = 6;

function providers(zone: PlainZone, rand: () => number): void {
  for (let k = 0; k < PROVIDERS; k++) {
    const terms = [`ip4:198.51.${k}.0/24`, `ip4:198.51.${100 + k}.16/28`, `ip6:2001:db8:${k}::/48`];
    if (k < 3 && rand() < 0.5) terms.push(`include:_spf.provider${k + 3}.example`);
    terms.push(rand() < 0.7 ? '~all' : '?all');
    zone[`_spf.provider${k}.example`] = { TXT: [`v=spf1 ${terms.join(' ')}`] };
  }
}

/** The scenario number `i` of the seeded series. */
export function scenario(rand: () => number, i: number): SpfScenario {
  const zone: PlainZone = {};
  providers(zone, rand);
  const d = `sender${i}.example`;
  zone[d] = {
    A: [`192.0.2.${i % 250}`],
    MX: [
      [10, `mx1.${d}`],
      [20, `mx2.${d}`],
    ],
  };
  zone[`mx1.${d}`] = { A: [`203.0.113.${i % 250}`] };
  zone[`mx2.${d}`] = { A: [`203.0.113.${(i + 1) % 250}`], AAAA: [`2001:db8:ff::${(i % 250).toString(16)}`] };
  zone[`mail.${d}`] = { A: ['192.0.2.200'] };
  zone['7.2.0.192.bl.example'] = { A: ['127.0.0.2'] };
  zone['7.2.0.192.in-addr.arpa'] = { PTR: [`host.${d}`] };
  zone[`host.${d}`] = { A: ['192.0.2.7'] };
  const terms: string[] = [];
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const n = 1 + Math.floor(rand() * 5);
  for (let t = 0; t < n; t++) {
    terms.push(
      pick([
        'mx',
        'a',
        `a:mail.${d}`,
        `include:_spf.provider${Math.floor(rand() * PROVIDERS)}.example`,
        `include:_spf.provider${Math.floor(rand() * PROVIDERS)}.example`,
        'ip4:192.0.2.0/25',
        `ip4:192.0.2.${i % 250}`,
        'ip6:2001:db8:ff::/64',
        'exists:%{i}.bl.example',
        'ptr',
        `include:_spf.missing${i}.example`,
        `a:nothing${t}.${d}`,
        'mx/24',
        'a//64',
      ]),
    );
  }
  const tail = pick([
    '-all',
    '-all',
    '~all',
    '?all',
    `redirect=_spf.provider${Math.floor(rand() * PROVIDERS)}.example`,
  ]);
  const record = `v=spf1 ${terms.join(' ')} ${tail}`;
  zone[d]!.TXT = [record];
  const ip = pick([
    `198.51.${Math.floor(rand() * PROVIDERS)}.${1 + Math.floor(rand() * 250)}`,
    `198.51.10${Math.floor(rand() * PROVIDERS)}.${16 + Math.floor(rand() * 20)}`,
    `192.0.2.${Math.floor(rand() * 256)}`,
    '192.0.2.7',
    `203.0.113.${i % 250}`,
    `2001:db8:${Math.floor(rand() * PROVIDERS)}::1`,
    '2001:db8:ff::5',
    '2001:db8:ff:1::5',
    '10.9.8.7',
  ]);
  return { zone, ip, sender: `user@${d}`, helo: `mx.client${i}.example`, record };
}

/** `count` scenarios from `seed`. */
export function scenarios(seed: number, count: number): SpfScenario[] {
  const rand = prng(seed);
  return Array.from({ length: count }, (_, i) => scenario(rand, i));
}
