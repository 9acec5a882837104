/**
 * The real servers the integration tests deliver to: Postfix's smtp-sink, Python's aiosmtpd
 * (STARTTLS, implicit TLS, AUTH) and a self-signed certificate made with openssl. Each finder
 * says when its tool is missing, so a test can skip (or fail under CI).
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@mailroute/test-support';

/** Skip text when `tool` is missing; undefined when it is there. Under CI a missing tool is an error. */
export function missing(tool: string, found: boolean): string | undefined {
  if (found) return undefined;
  if (process.env.CI) throw new Error(`${tool} is required under CI (see .ci/apt-packages.txt)`);
  return `${tool} is not installed`;
}

/** Path of a program in the usual places, or undefined. */
export function which(name: string): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/bin']) {
    const p = join(dir, name);
    if (dir !== '' && existsSync(p)) return p;
  }
  return undefined;
}

/** True when Debian's python3 has aiosmtpd. */
export function hasAiosmtpd(): boolean {
  return spawnSync('/usr/bin/python3', ['-c', 'import aiosmtpd'], { stdio: 'ignore' }).status === 0;
}

/** A running child server on 127.0.0.1. */
export interface Child {
  readonly port: number;
  readonly dir: string;
  readonly output: () => string;
  stop(): Promise<void>;
}

async function waitForPort(port: number, child: ChildProcess, output: () => string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`exited: ${output()}`);
    const up = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no listener on ${port}: ${output()}`);
}

function run(cmd: string, args: string[], port: number, dir: string): Promise<Child> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += String(d);
  });
  child.stderr?.on('data', (d) => {
    out += String(d);
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const output = () => out;
  return waitForPort(port, child, output).then(
    () => ({
      port,
      dir,
      output,
      stop: async () => {
        if (child.exitCode === null) child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 2000).unref())]);
        if (child.exitCode === null) child.kill('SIGKILL');
      },
    }),
    (err) => {
      child.kill('SIGKILL');
      throw err;
    },
  );
}

/** Postfix's smtp-sink on a free port; `-d` dumps each message into `dir` (so tests can read it). */
export async function startSmtpSink(extra: string[] = []): Promise<Child> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'smtp-sink-'));
  execFileSync('chmod', ['0777', dir]);
  const args = [
    ...(process.getuid?.() === 0 ? ['-u', 'nobody'] : []),
    '-c',
    '-d',
    `${dir}/%M.`,
    ...extra,
    `127.0.0.1:${port}`,
    '100',
  ];
  return run(which('smtp-sink') ?? 'smtp-sink', args, port, dir);
}

/** A self-signed certificate for localhost / 127.0.0.1. */
export function makeCert(): { key: string; cert: string; keyPath: string; certPath: string } {
  const dir = mkdtempSync(join(tmpdir(), 'smtp-client-cert-'));
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      keyPath,
      '-out',
      certPath,
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(keyPath, 'utf8'), cert: readFileSync(certPath, 'utf8'), keyPath, certPath };
}

const AIOSMTPD = `
import asyncio, json, ssl, sys, os, time
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

port, mode, cert, key, outdir = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
ctx.load_cert_chain(cert, key)

class Handler:
    async def handle_DATA(self, server, session, envelope):
        n = len(os.listdir(outdir))
        with open(os.path.join(outdir, 'msg%04d.json' % n), 'w') as f:
            json.dump({'from': envelope.mail_from, 'rcpts': envelope.rcpt_tos, 'mail_options': envelope.mail_options,
                       'tls': session.ssl is not None, 'auth': session.authenticated,
                       'body': envelope.original_content.decode('utf-8', 'surrogateescape')}, f)
        return '250 2.0.0 Ok: queued as AIO%04d' % n

def auth(server, session, envelope, mechanism, data):
    ok = isinstance(data, LoginPassword) and data.login == b'relayuser' and data.password == b'relay-secret'
    return AuthResult(success=ok, handled=False)

kw = dict(hostname='127.0.0.1', port=port, authenticator=auth, auth_require_tls=(mode != 'implicit'), decode_data=False)
if mode == 'implicit':
    c = Controller(Handler(), ssl_context=ctx, **kw)
else:
    c = Controller(Handler(), tls_context=ctx, require_starttls=(mode == 'starttls'), **kw)
c.start()
print('ready', flush=True)
try:
    while True:
        time.sleep(1)
except KeyboardInterrupt:
    pass
finally:
    c.stop()
`;

/** aiosmtpd with AUTH (relayuser / relay-secret, TLS only); `starttls` requires STARTTLS, `implicit` is TLS on connect. */
export async function startAiosmtpd(
  mode: 'starttls' | 'implicit',
  cert: { certPath: string; keyPath: string },
): Promise<Child> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'aiosmtpd-'));
  const script = join(dir, 'server.py');
  const out = join(dir, 'messages');
  execFileSync('mkdir', ['-p', out]);
  writeFileSync(script, AIOSMTPD);
  return run('/usr/bin/python3', [script, String(port), mode, cert.certPath, cert.keyPath, out], port, out);
}
