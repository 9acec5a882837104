/**
 * A real PostgreSQL server for the integration tests and benchmarks (Debian's `postgresql`
 * package): `initdb` into a temp dir, `pg_ctl start` on a free 127.0.0.1 port with the Unix socket
 * in that dir, trust authentication for the `postgres` role. PostgreSQL refuses to run as root, so
 * when the tests run as root the dir is given to the `postgres` user and the server runs as it
 * (`runuser -u postgres --`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

/** The directory holding `initdb`, `pg_ctl` and `postgres`; `undefined` when none is installed. */
export function findPostgresBin(): string | undefined {
  const candidates: string[] = [];
  if (process.env.MAILROUTE_PG_BIN) candidates.push(process.env.MAILROUTE_PG_BIN);
  const base = '/usr/lib/postgresql';
  if (existsSync(base))
    for (const v of readdirSync(base).sort((a, b) => Number(b) - Number(a)))
      candidates.push(join(base, v, 'bin'));
  return candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
}

/** Why the PostgreSQL tests skip, or `false` when they can run. */
export function postgresSkipReason(): string | false {
  if (findPostgresBin()) return false;
  return 'PostgreSQL is not installed (Debian package `postgresql`: /usr/lib/postgresql/*/bin/initdb)';
}

/** Options of {@link startPostgres}. */
export interface StartPostgresOptions {
  /**
   * Turn `fsync` and `synchronous_commit` off: faster tests, no crash safety of the server
   * itself (the tests kill clients, not the server). Default true; benchmarks pass false.
   */
  readonly fast?: boolean | undefined;
  /** `max_connections`; default 100 (PostgreSQL's). */
  readonly maxConnections?: number | undefined;
}

/** A running PostgreSQL server. */
export interface PostgresServer {
  readonly port: number;
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication). */
  readonly url: string;
  /** The data directory's parent (socket, log). */
  readonly dir: string;
  /** A fresh database on this server, and its URL. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server (fast shutdown: clients are disconnected) and starts it again on the same port. */
  restart(): Promise<void>;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
  /** The server log so far (for a failing test's message). */
  log(): string;
}

function postgresIds(): { uid: number; gid: number } | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

/** Starts a PostgreSQL server in a new temp dir; throws with its log when it does not come up. */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const bin = findPostgresBin();
  if (!bin) throw new Error(postgresSkipReason() || 'no PostgreSQL');
  const ids = postgresIds();
  const dir = await mkdtemp(join(tmpdir(), 'mailroute-pg-'));
  if (ids) {
    chownSync(dir, ids.uid, ids.gid);
    chmodSync(dir, 0o700);
  }
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const port = await freePort();
  const run = (cmd: string, args: string[]): void => {
    const [file, argv] = ids
      ? ['runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]]
      : [join(bin, cmd), args];
    const r = spawnSync(file, argv, { encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0)
      throw new Error(`${cmd} failed (${r.status ?? r.signal}): ${r.stderr || r.stdout}\n${readLog()}`);
  };
  const readLog = (): string => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  const fast = options.fast ?? true;
  const serverOptions = [
    `-p ${port}`,
    `-k ${dir}`,
    '-c listen_addresses=127.0.0.1',
    `-c max_connections=${options.maxConnections ?? 100}`,
    ...(fast ? ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off'] : []),
  ].join(' ');
  const start = (): void =>
    run('pg_ctl', ['-D', data, '-l', logFile, '-o', serverOptions, '-w', '-t', '60', 'start']);
  try {
    run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--locale=C']);
    start();
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let stopped = false;
  return {
    port,
    url,
    dir,
    async createDatabase(name: string): Promise<string> {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
      run('psql', [
        '-h',
        dir,
        '-p',
        String(port),
        '-U',
        'postgres',
        '-d',
        'postgres',
        '-qc',
        `CREATE DATABASE ${name}`,
      ]);
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async restart(): Promise<void> {
      run('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
      start();
    },
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', '-t', '60', 'stop']);
      } catch {
        // already stopped: nothing to do but remove the directory
      }
      await rm(dir, { recursive: true, force: true });
    },
    log: readLog,
  };
}
