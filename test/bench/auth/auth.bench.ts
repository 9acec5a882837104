// SPF and DMARC+SPF+DKIM evaluations: @mailroute/auth beside mailauth 4.13.3 (spf(), authenticate())
// on the same zone and message in the same run, in process CPU microseconds per evaluation
// (median of interleaved rounds; the machine is shared, so CPU time, not wall time, is compared).
// Run: node --expose-gc test/bench/auth/dist/auth.bench.js
import { generateKeyPairSync } from 'node:crypto';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { checkDmarc, createSpfChecker, headerFromDomain } from '@mailroute/auth';
import { DkimSigner, DkimVerifier, keyRecordText, loadPrivateKey } from '@mailroute/dkim';
import { createResolver, createStaticTransport, type StaticZone } from '@mailroute/dns';

const require = createRequire(import.meta.url);
const { spf: mailauthSpf } = require('mailauth/lib/spf') as {
  spf(o: object): Promise<{ status: { result: string } }>;
};
const { authenticate } = require('mailauth') as {
  authenticate(
    m: Buffer,
    o: object,
  ): Promise<{ spf: { status: { result: string } }; dmarc: { status: { result: string } } }>;
};
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

// A realistic include chain six DNS lookups deep: example.com -> a (mx, a) -> include chain of providers.
const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const keyRecord = keyRecordText('rsa', loadPrivateKey(key).publicKeyBytes).value;
const plain: Record<string, { A?: string[]; MX?: [number, string][]; TXT?: string[] }> = {
  'example.com': {
    TXT: ['v=spf1 mx a include:_spf.p1.example include:_spf.p2.example -all'],
    MX: [[10, 'mx.example.com']],
    A: ['192.0.2.1'],
  },
  'mx.example.com': { A: ['192.0.2.2'] },
  '_spf.p1.example': { TXT: ['v=spf1 ip4:198.51.100.0/24 include:_spf.p3.example ~all'] },
  '_spf.p2.example': { TXT: ['v=spf1 ip4:198.51.101.0/24 ~all'] },
  '_spf.p3.example': { TXT: ['v=spf1 ip4:203.0.113.0/24 ip6:2001:db8::/32 ~all'] },
  '_dmarc.example.com': { TXT: ['v=DMARC1; p=reject; rua=mailto:d@example.com'] },
  's._domainkey.example.com': { TXT: [keyRecord] },
};
const zone: StaticZone = Object.fromEntries(
  Object.entries(plain).map(([n, e]) => [
    n,
    { ...e, MX: e.MX?.map(([preference, exchange]) => ({ preference, exchange })) },
  ]),
);
const resolver = createResolver({ transport: createStaticTransport(zone) });
const mailauthResolver = async (name: string, type: string): Promise<unknown[]> => {
  const e = plain[name.toLowerCase()] as Record<string, unknown[] | undefined> | undefined;
  const values = e?.[type];
  if (!values) throw Object.assign(new Error('no data'), { code: e ? 'ENODATA' : 'ENOTFOUND' });
  if (type === 'MX')
    return (values as [number, string][]).map(([priority, exchange]) => ({ priority, exchange }));
  if (type === 'TXT') return (values as string[]).map((t) => [t]);
  return values;
};
const client = { ip: '203.0.113.5', helo: 'mail.example.com', sender: 'alice@example.com' };

// A 10 KB message signed by example.com.
function message(size: number): Buffer {
  const head =
    'From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: Report\r\nDate: Sat, 21 Nov 2026 10:00:00 +0000\r\nMessage-ID: <b@example.com>\r\n\r\n';
  const line = 'The quick brown fox jumps over the lazy dog; pack my box with five dozen jugs.\r\n';
  let body = '';
  while (head.length + body.length + line.length <= size) body += line;
  return Buffer.from(head + body);
}
const unsigned = message(10 * 1024);
const [sig] = await new DkimSigner({
  keys: [{ domain: 'example.com', selector: 's', privateKey: key }],
}).sign(unsigned);
const signed = Buffer.concat([Buffer.from(sig!.header), unsigned]);
const spfChecker = createSpfChecker({ resolver, receiver: 'mx.test' });
const verifier = new DkimVerifier({ lookup: async (name) => resolver.resolveTxt(name) });

async function oursSpf(): Promise<string> {
  return (await spfChecker.check({ ip: client.ip, mailFrom: client.sender, helo: client.helo })).result;
}
async function theirsSpf(): Promise<string> {
  return (await mailauthSpf({ ...client, mta: 'mx.test', resolver: mailauthResolver })).status.result;
}
async function oursFull(): Promise<string> {
  const [spf, dkim] = await Promise.all([
    spfChecker.check({ ip: client.ip, mailFrom: client.sender, helo: client.helo }),
    verifier.verify(signed),
  ]);
  const from = headerFromDomain('Alice <alice@example.com>');
  const dmarc = await checkDmarc({ fromDomain: from.ok ? from.value : '', spf, dkim }, { resolver });
  return `${spf.result}/${dkim[0]?.result}/${dmarc.result}`;
}
async function theirsFull(): Promise<string> {
  const r = await authenticate(signed, {
    ...client,
    mta: 'mx.test',
    resolver: mailauthResolver,
    disableArc: true,
    disableBimi: true,
  });
  return `${r.spf.status.result}/${r.dmarc.status.result}`;
}

const ROUNDS = 20;
async function cpuCompare(
  cases: Record<string, [number, () => Promise<unknown>]>,
): Promise<Record<string, number>> {
  for (const [, fn] of Object.values(cases)) for (let i = 0; i < 30; i++) await fn();
  const per: Record<string, number[]> = {};
  for (let r = 0; r < ROUNDS; r++)
    for (const [n, [count, fn]] of Object.entries(cases)) {
      const k = Math.max(1, Math.round(count / ROUNDS));
      gc();
      const start = process.cpuUsage();
      for (let i = 0; i < k; i++) await fn();
      const used = process.cpuUsage(start);
      const list = per[n] ?? [];
      list.push((used.user + used.system) / k);
      per[n] = list;
    }
  return Object.fromEntries(
    Object.entries(per).map(([n, l]) => [n, l.sort((a, b) => a - b)[Math.floor(l.length / 2)]!]),
  );
}

console.log(
  `check: ours ${await oursSpf()} / ${await oursFull()}; mailauth ${await theirsSpf()} / ${await theirsFull()}`,
);
const spf = await cpuCompare({ ours: [4000, oursSpf], mailauth: [4000, theirsSpf] });
console.log(
  `load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
console.log(
  `SPF, cached DNS, include chain 6 lookups deep (CPU us per evaluation, evaluations per CPU second):`,
);
for (const [n, us] of Object.entries(spf))
  console.log(
    `  ${n.padEnd(9)} ${us.toFixed(1).padStart(8)} us  ${Math.round(1e6 / us)
      .toLocaleString('en-US')
      .padStart(8)}/s`,
  );
console.log(`  ours is ${(spf.mailauth! / spf.ours!).toFixed(2)}x mailauth`);
const full = await cpuCompare({ ours: [600, oursFull], mailauth: [600, theirsFull] });
console.log(
  `load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
console.log(
  `DMARC + SPF + DKIM (RSA-2048) on a 10 KB message (mailauth: authenticate() without ARC and BIMI):`,
);
for (const [n, us] of Object.entries(full))
  console.log(
    `  ${n.padEnd(9)} ${us.toFixed(1).padStart(8)} us  ${Math.round(1e6 / us)
      .toLocaleString('en-US')
      .padStart(8)}/s`,
  );
console.log(`  ours is ${(full.mailauth! / full.ours!).toFixed(2)}x mailauth`);
