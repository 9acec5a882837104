/**
 * Start Knot DNS (Debian's `knot` package) as a foreground, non-daemon authoritative server on
 * 127.0.0.1 with zone files written into a temp dir, and stop it again.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createResolver } from '@mailroute/dns';
import { freePort } from './responder.js';

/** Where knotd lives; `undefined` when it is not installed. */
export function findKnotd(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin'];
  for (const d of dirs) {
    const p = join(d, 'knotd');
    if (d && existsSync(p) && spawnSync(p, ['--version']).status === 0) return p;
  }
  return undefined;
}

export interface KnotServer {
  readonly port: number;
  readonly server: string;
  stop(): Promise<void>;
}

/** Start knotd serving `zones` (origin -> zone file text); resolves once it answers `probe` (an A name). */
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
  // Wait until it answers, at most ~5 s.
  const probeResolver = createResolver({
    servers: [`127.0.0.1:${port}`],
    retryCount: 1,
    retryBaseWaitMs: 200,
  });
  for (let i = 0; i < 25; i++) {
    if (child.exitCode !== null) break;
    try {
      await probeResolver.resolveA(probe);
      return { port, server: `127.0.0.1:${port}`, stop };
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  await stop();
  throw new Error(`knotd did not start on port ${port}: ${stderr}`);
}
