/**
 * Knot DNS (Debian's `knot`) as a foreground authoritative server on 127.0.0.1 with zone files in
 * a temp dir, for the integration tests; and a `PolicyDns` adapter over node:dns pointed at it,
 * the kind of adapter a gateway writes.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type DnsListAnswer,
  type DomainExistence,
  dnsListQueryName,
  type PolicyDns,
} from '@mailroute/relay-policy';

/** The knotd binary, or undefined when it is not installed. */
export function findKnotd(): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin']) {
    const path = join(dir, 'knotd');
    if (dir && existsSync(path) && spawnSync(path, ['--version']).status === 0) return path;
  }
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A running knotd. */
export interface Knot {
  readonly server: string;
  stop(): Promise<void>;
}

/** Starts knotd with the zones (origin -> records after SOA/NS) and waits until it answers. */
export async function startKnot(knotd: string, zones: Record<string, string>): Promise<Knot> {
  const dir = await mkdtemp(join(tmpdir(), 'relay-policy-knot-'));
  const port = await freePort();
  const conf = `server:
    listen: 127.0.0.1@${port}
    rundir: ${dir}
database:
    storage: ${dir}
control:
    listen: ${dir}/knot.sock
log:
  - target: stderr
    any: warning
template:
  - id: default
    storage: ${dir}
    file: "%s.zone"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
    semantic-checks: off
zone:
${Object.keys(zones)
  .map((z) => `  - domain: ${z}`)
  .join('\n')}
`;
  await writeFile(join(dir, 'knot.conf'), conf);
  for (const [origin, records] of Object.entries(zones)) {
    const text = `$ORIGIN ${origin}.\n$TTL 60\n@ SOA ns.${origin}. admin.${origin}. 1 60 60 600 60\n@ NS ns.${origin}.\nns A 127.0.0.1\n${records}\n`;
    await writeFile(join(dir, `${origin}.zone`), text);
  }
  const child: ChildProcess = spawn(knotd, ['-c', join(dir, 'knot.conf')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000).unref())]);
    if (child.exitCode === null) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  };
  const server = `127.0.0.1:${port}`;
  const probe = new Resolver({ timeout: 300, tries: 1 });
  probe.setServers([server]);
  const firstZone = Object.keys(zones)[0];
  for (let i = 0; i < 25 && child.exitCode === null; i++) {
    try {
      await probe.resolve4(`ns.${firstZone}`);
      return { server, stop };
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  await stop();
  throw new Error(`knotd did not start on ${server}: ${stderr}`);
}

function code(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
}

/** NXDOMAIN and NODATA are answers ("none"); anything else is a failure ("temperror"). */
function isNoAnswer(error: unknown): boolean {
  return code(error) === 'ENOTFOUND' || code(error) === 'ENODATA';
}

/** A `PolicyDns` over node:dns, asking one server. */
export function nodeDnsAdapter(server: string): PolicyDns {
  const resolver = (timeout = 2000) => {
    const r = new Resolver({ timeout, tries: 1 });
    r.setServers([server]);
    return r;
  };
  const shared = resolver();
  return {
    async lookupPtr(ip) {
      try {
        return { result: 'found', names: await shared.reverse(ip) };
      } catch (error) {
        return isNoAnswer(error) ? { result: 'none' } : { result: 'temperror' };
      }
    },
    async lookupAddresses(name) {
      const found: string[] = [];
      let failed = false;
      for (const lookup of [() => shared.resolve4(name), () => shared.resolve6(name)]) {
        try {
          found.push(...(await lookup()));
        } catch (error) {
          if (!isNoAnswer(error)) failed = true;
        }
      }
      if (found.length > 0) return { result: 'found', addresses: found };
      return failed ? { result: 'temperror' } : { result: 'none' };
    },
    async domainExists(domain, timeoutMs): Promise<DomainExistence> {
      const r = resolver(timeoutMs);
      let failed = false;
      for (const lookup of [
        () => r.resolveMx(domain),
        () => r.resolveCname(domain),
        () => r.resolve4(domain),
      ]) {
        try {
          if ((await lookup()).length > 0) return 'found';
        } catch (error) {
          if (!isNoAnswer(error)) failed = true;
        }
      }
      return failed ? 'temperror' : 'none';
    },
    async queryDnsList(ip, zone): Promise<DnsListAnswer> {
      const name = dnsListQueryName(ip, zone);
      if (name === undefined) return { site: zone, result: 'none' };
      try {
        return { site: zone, result: 'listed', codes: await shared.resolve4(name) };
      } catch (error) {
        return { site: zone, result: isNoAnswer(error) ? 'none' : 'temperror' };
      }
    },
  };
}
