/**
 * Knot DNS (Debian's `knot` package) as a foreground, non-daemon authoritative server on
 * 127.0.0.1, with zone files written into a temp dir: the real DNS server of the integration tests.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

/** Where knotd lives; `undefined` when it is not installed. */
export function findKnotd(): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin']) {
    const path = join(dir, 'knotd');
    if (dir && existsSync(path) && spawnSync(path, ['--version']).status === 0) return path;
  }
  return undefined;
}

/** A running knotd. */
export interface KnotServer {
  readonly port: number;
  /** `127.0.0.1:port`, for a resolver's server list. */
  readonly server: string;
  stop(): Promise<void>;
}

/** A zone file: `$ORIGIN`, `$TTL`, SOA, NS and `ns` A record, then the given records. */
export function zoneWithSoa(origin: string, records: string, ttl = 60): string {
  return `$ORIGIN ${origin}.\n$TTL ${ttl}\n@ SOA ns.${origin}. admin.${origin}. 1 60 60 600 60\n@ NS ns.${origin}.\nns A 127.0.0.1\n${records}\n`;
}

/**
 * Starts knotd serving `zones` (origin -> zone file text) and resolves once it answers an A query
 * for `probe`, trying for about 5 s; otherwise stops it and throws with its stderr.
 */
export async function startKnot(
  knotd: string,
  zones: Record<string, string>,
  probe: string,
): Promise<KnotServer> {
  const dir = await mkdtemp(join(tmpdir(), 'mailroute-knot-'));
  const port = await freePort();
  const zoneList = Object.keys(zones)
    .map((z) => `  - domain: ${z}`)
    .join('\n');
  await writeFile(
    join(dir, 'knot.conf'),
    `server:
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
${zoneList}
`,
  );
  for (const [origin, text] of Object.entries(zones)) await writeFile(join(dir, `${origin}.zone`), text);
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
  const resolver = new Resolver({ timeout: 300, tries: 1 });
  resolver.setServers([server]);
  for (let i = 0; i < 25 && child.exitCode === null; i++) {
    try {
      await resolver.resolve4(probe);
      return { port, server, stop };
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  await stop();
  throw new Error(`knotd did not start on ${server}: ${stderr}`);
}
