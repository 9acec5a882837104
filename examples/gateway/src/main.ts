#!/usr/bin/env node
/**
 * mailroute-gateway: the command line of the example gateway. `start` runs it, `status` reads
 * its figures, `explain` traces an envelope, `check-config` validates a configuration directory.
 */
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSigningConfig } from '@mailroute/dkim';
import { type ParsedArgs, parseArgs, parsePort, USAGE } from './cli-args.js';
import { hasMailBox, offlineQueueRequest } from './commands/offline-queue.js';
import { queueCommand, rulesCommand, trackCommand } from './commands/operator.js';
import { composeCore } from './compose.js';
import { loadGatewayConfig } from './config-load.js';
import { parseRoutingLogFlag } from './config-mail-rules.js';
import type { GatewayConfig } from './config-types.js';
import { explainEnvelope } from './explain.js';
import { startGateway } from './gateway.js';
import { createLineWriter } from './line-writer.js';
import { gatewayLineLogger } from './log-lines.js';
import { hashPassword } from './passwords.js';
import { formatStatus, readStatus } from './status-file.js';

// Every accepted message costs a few fsyncs, which run on libuv's thread pool (4 threads by
// default): with 20 clients the pool, not the disk, was the limit. Set before the first fs call.
process.env['UV_THREADPOOL_SIZE'] ??= '16';

// Log lines are joined per turn of the event loop and written once (see line-writer.ts).
const stdoutLines = createLineWriter((text) => process.stdout.write(text));
const out = (line: string) => stdoutLines.write(line);
const err = (line: string) => process.stderr.write(`${line}\n`);

/** The shipped example configuration, next to dist/. */
const EXAMPLE_CONFIG = fileURLToPath(new URL('../../config', import.meta.url));
const DEFAULT_DATA = join(tmpdir(), 'mailroute-gateway');

function configDir(args: ParsedArgs): string {
  return resolve(args.flags.get('config') ?? EXAMPLE_CONFIG);
}

function dataDir(args: ParsedArgs): string {
  return resolve(args.flags.get('data') ?? DEFAULT_DATA);
}

async function loadConfig(args: ParsedArgs): Promise<GatewayConfig | undefined> {
  const dir = configDir(args);
  const loaded = await loadGatewayConfig(dir);
  for (const w of loaded.warnings) err(`config warning: ${w}`);
  for (const e of loaded.errors) err(`config error: ${e.message}`);
  if (loaded.config === undefined)
    err(`${loaded.errors.length} error(s) in the configuration directory ${dir}`);
  return loaded.config;
}

function stamp(line: string): void {
  out(`${new Date().toISOString()} ${line}`);
}

/** The configuration with `--log-mail-routing` and `--debug-router` applied; an error text when one is bad. */
function withRoutingLog(config: GatewayConfig, args: ParsedArgs): GatewayConfig | string {
  let routingLog = config.gateway.operator.routingLog;
  for (const flag of ['log-mail-routing', 'debug-router'] as const) {
    const text = args.flags.get(flag);
    if (text === undefined) continue;
    const value = parseRoutingLogFlag(flag, text);
    if (typeof value === 'string') return value;
    routingLog =
      flag === 'log-mail-routing'
        ? { ...routingLog, logMailRouting: value as typeof routingLog.logMailRouting }
        : { ...routingLog, debugRouter: value as typeof routingLog.debugRouter };
  }
  return { ...config, gateway: { ...config.gateway, operator: { ...config.gateway.operator, routingLog } } };
}

/**
 * `queue` without a running gateway: on the data directory's mail.box, under its lock, with the
 * configuration's directory (for reroute). Nothing when there is no mail.box there.
 */
function offlineRunner(args: ParsedArgs) {
  return async (request: { readonly command: string; readonly [k: string]: unknown }) => {
    const data = dataDir(args);
    if (!(await hasMailBox(data))) return undefined;
    const config = await loadConfig(args);
    if (config === undefined) return undefined;
    err(
      `the gateway is not running: working on ${data}/mail.box directly (the data directory is locked meanwhile)`,
    );
    return offlineQueueRequest(data, config, request, gatewayLineLogger(err));
  };
}

async function start(args: ParsedArgs): Promise<number> {
  const loaded = await loadConfig(args);
  if (loaded === undefined) return 2;
  const config = withRoutingLog(loaded, args);
  if (typeof config === 'string') {
    err(config);
    return 2;
  }
  let port: number | undefined;
  const portFlag = args.flags.get('port');
  if (portFlag !== undefined) {
    const p = parsePort(portFlag);
    if (typeof p === 'string') {
      err(p);
      return 2;
    }
    port = p;
  }
  let submissionPort: number | null | undefined;
  const submissionFlag = args.flags.get('submission-port');
  if (submissionFlag === 'off') submissionPort = null;
  else if (submissionFlag !== undefined) {
    const p = parsePort(submissionFlag, 'submission-port');
    if (typeof p === 'string') {
      err(p);
      return 2;
    }
    submissionPort = p;
  }
  let sinkPort: number | null | undefined;
  const sinkFlag = args.flags.get('sink-port');
  if (sinkFlag === 'off') sinkPort = null;
  else if (sinkFlag !== undefined) {
    const p = parsePort(sinkFlag, 'sink-port');
    if (typeof p === 'string') {
      err(p);
      return 2;
    }
    sinkPort = p;
  }
  const data = dataDir(args);
  const host = args.flags.get('host');
  // --queue postgres://... puts mail.box on PostgreSQL (overriding gateway.json router.queue).
  const queue = args.flags.get('queue');
  const gateway = await startGateway({
    ...(sinkPort === undefined ? {} : { sinkPort }),
    config:
      queue === undefined
        ? config
        : { ...config, gateway: { ...config.gateway, router: { ...config.gateway.router, queue } } },
    dataDir: data,
    ...(port === undefined ? {} : { port }),
    ...(submissionPort === undefined ? {} : { submissionPort }),
    ...(host === undefined ? {} : { host }),
    systemDns: args.switches.has('system-dns'),
    logger: gatewayLineLogger(stamp),
  });
  for (const [name, value] of Object.entries(gateway.dkim.records))
    stamp(`dkim: publish TXT ${name} "${value}"`);
  for (const a of gateway.addresses) stamp(`listening: ${a.kind} on ${a.address}:${a.port}`);
  stamp(`server ${gateway.core.graph.thisServer} (${config.gateway.hostname}), configuration ${config.dir}`);
  if (gateway.sink !== undefined)
    stamp(
      `capture sink (the next hop of the example: the Internet and Mail2) on ${gateway.sink.address.address}:${gateway.sink.address.port}, writing into ${join(data, 'sink')}`,
    );
  stamp(`data directory ${data} (mail.box, mail files, sink, credential store, status.json)`);
  const rl = config.gateway.operator.routingLog;
  stamp(
    `routing log: Log_MailRouting=${rl.logMailRouting} DebugRouter=${rl.debugRouter}; server mail rules: ${
      gateway.rules === undefined ? 'none' : `${gateway.rules.current().rules.length} rule(s)`
    }; operator commands (queue, track, rules) through ${gateway.control ?? 'no control socket'}`,
  );
  stamp(
    `DNS: ${args.switches.has('system-dns') ? 'system resolver' : 'static zone from dns-zone.json (offline)'}`,
  );
  stamp('ready. Stop with Ctrl-C (SIGINT) or SIGTERM: sessions in a transaction finish, then it exits.');
  await new Promise<void>((done) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        stamp(`${signal} again: exiting at once`);
        process.exit(1);
      }
      stopping = true;
      stamp(`${signal}: closing gracefully (up to 10 s)`);
      gateway.close(10_000).then(done, (e: Error) => {
        err(`close failed: ${e.message}`);
        done();
      });
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });
  for (const line of formatStatus(gateway.status('stopped'), false)) out(line);
  return 0;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function status(args: ParsedArgs): Promise<number> {
  const data = dataDir(args);
  const s = await readStatus(data);
  if (s === undefined) {
    err(`no status in ${data}: the gateway has not run with this data directory (--data)`);
    return 1;
  }
  if (args.switches.has('json')) out(JSON.stringify(s, null, 2));
  else for (const line of formatStatus(s, alive(s.pid))) out(line);
  return 0;
}

async function explain(args: ParsedArgs): Promise<number> {
  const ip = args.flags.get('ip');
  const from = args.flags.get('from');
  if (ip === undefined || from === undefined || args.recipients.length === 0) {
    err('explain needs --ip, --from and at least one --rcpt');
    return 2;
  }
  const config = await loadConfig(args);
  if (config === undefined) return 2;
  const core = await composeCore(config, { systemDns: args.switches.has('system-dns') });
  const helo = args.flags.get('helo');
  const user = args.flags.get('user');
  try {
    const lines = await explainEnvelope(core, {
      ip,
      from,
      recipients: args.recipients,
      ...(helo === undefined ? {} : { helo }),
      ...(user === undefined ? {} : { user }),
      dkim: parseSigningConfig(config.dkim.settings),
    });
    for (const line of lines) out(line);
  } finally {
    core.resolver.close();
  }
  return 0;
}

async function checkConfig(args: ParsedArgs): Promise<number> {
  const config = await loadConfig(args);
  if (config === undefined) return 2;
  out(`configuration ${config.dir} is valid`);
  return 0;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseArgs(argv);
  if (!parsed.ok) {
    err(parsed.error);
    err(USAGE);
    return 2;
  }
  const args = parsed.args;
  switch (args.command) {
    case 'help':
      out(USAGE);
      return 0;
    case 'start':
      return start(args);
    case 'status':
      return status(args);
    case 'explain':
      return explain(args);
    case 'check-config':
      return checkConfig(args);
    case 'queue':
      return queueCommand(args, dataDir(args), { out, err }, offlineRunner(args));
    case 'track':
      return trackCommand(args, dataDir(args), { out, err });
    case 'rules':
      return rulesCommand(args, dataDir(args), { out, err });
    case 'hash-password': {
      const password = await readStdin();
      if (password === '') {
        err('hash-password: give the password on stdin');
        return 2;
      }
      out(await hashPassword(password));
      return 0;
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    err(`mailroute-gateway: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  },
);
