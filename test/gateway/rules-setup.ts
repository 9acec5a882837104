/**
 * Shared parts of the issue-17 gateway tests: a configuration directory made from the shipped one
 * with a test rules file, the gateway started in this process on free ports, the command line
 * run against its data directory (`queue`, `track`, `rules`, `status`), and a batch sender with
 * Python's smtplib that reports the reply where the transaction ended (MAIL, RCPT, end of DATA).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Gateway } from '@mailroute/example-gateway';
import { gatewayModules } from './gateway-modules.js';
import { EXAMPLE_CONFIG, GATEWAY_MAIN, PYTHON, run } from './tools.js';

const BATCH_TOOL = fileURLToPath(new URL('../smtp_batch.py', import.meta.url));

/** What the rules tests need: aiosmtpd too, for the next hop that refuses. */
export const hasAiosmtpd =
  existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import aiosmtpd'], { stdio: 'ignore' }).status === 0;

/** A started test gateway. */
export interface TestGateway {
  readonly gateway: Gateway;
  readonly data: string;
  readonly configDir: string;
  readonly port: number;
  readonly lines: string[];
  /** Rewrites the rules file (as an administrator would edit it). */
  writeRules(rules: unknown): Promise<void>;
  /** Stops the gateway gracefully, keeping its folders. */
  stop(): Promise<void>;
  /** Starts it again on the same data directory (after `stop`); `gateway` and `port` follow. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts a gateway from the shipped configuration with `rules` as its mail rules file (polled
 * every 100 ms) and `edit` applied to gateway.json.
 */
export async function startRulesGateway(
  rules: unknown,
  edit: (gateway: Record<string, unknown>) => void = () => undefined,
): Promise<TestGateway> {
  const root = await mkdtemp(join(tmpdir(), 'gw-rules-'));
  const configDir = join(root, 'config');
  const data = join(root, 'data');
  await cp(EXAMPLE_CONFIG, configDir, { recursive: true });
  const gatewayJson = JSON.parse(await readFile(join(configDir, 'gateway.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  gatewayJson['mailRules'] = { file: 'test-rules.json', checkIntervalMs: 100 };
  edit(gatewayJson);
  await writeFile(join(configDir, 'gateway.json'), JSON.stringify(gatewayJson, null, 2));
  const writeRules = (r: unknown) =>
    writeFile(join(configDir, 'test-rules.json'), JSON.stringify(r, null, 2));
  await writeRules(rules);
  const modules = await gatewayModules();
  const loaded = await modules.config.loadGatewayConfig(configDir);
  if (loaded.config === undefined) throw new Error(loaded.errors.map((e) => e.message).join('\n'));
  const lines: string[] = [];
  const config = loaded.config;
  const start = () =>
    modules.gateway.startGateway({
      config,
      dataDir: data,
      port: 0,
      submissionPort: null,
      sinkPort: 0,
      statusIntervalMs: 100,
      logger: modules.gateway.gatewayLineLogger((line) => lines.push(line)),
    });
  let gateway = await start();
  return {
    get gateway() {
      return gateway;
    },
    data,
    configDir,
    get port() {
      return gateway.addresses[0]!.port;
    },
    lines,
    writeRules,
    stop: () => gateway.close(2000),
    async restart() {
      gateway = await start();
    },
    async close() {
      await gateway.close(2000);
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** One message to send: envelope and the RFC 5322 text. */
export interface Job {
  readonly from: string;
  readonly to: readonly string[];
  readonly message: string;
}

/** The reply where the transaction ended: `[code, text, 'mail' | 'rcpt' | 'data' | 'error']`. */
export type JobReply = [number, string, string];

/** Sends each job on its own connection with smtplib. */
export async function sendBatch(port: number, jobs: readonly Job[]): Promise<JobReply[]> {
  const request = JSON.stringify({
    port,
    jobs: jobs.map((j) => ({ ...j, message: Buffer.from(j.message, 'utf8').toString('base64') })),
  });
  const r = await run(PYTHON, [BATCH_TOOL], request, 120_000);
  if (r.code !== 0) throw new Error(`smtp_batch.py failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as JobReply[];
}

let serial = 0;

/** A message with a unique Message-ID; `headers` go before the body. */
export function message(options: {
  subject: string;
  body?: string;
  from?: string;
  to?: string;
  headers?: readonly string[];
}): string {
  serial++;
  return [
    `From: ${options.from ?? 'someone@outside.example'}`,
    `To: ${options.to ?? 'jane.doe@acme.example'}`,
    `Subject: ${options.subject}`,
    'Date: Wed, 02 Dec 2026 08:00:00 +0000',
    `Message-ID: <rules-${process.pid}-${serial}@test.example>`,
    ...(options.headers ?? []),
    '',
    options.body ?? 'Hello from the rules test.',
    '',
  ].join('\r\n');
}

/** A multipart message with the named (small text) attachments. */
export function withAttachments(subject: string, names: readonly string[]): string {
  serial++;
  const parts = names.map((n) =>
    [
      '--b1',
      'Content-Type: application/octet-stream',
      `Content-Disposition: attachment; filename="${n}"`,
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from(`content of ${n}`).toString('base64'),
    ].join('\r\n'),
  );
  return [
    'From: someone@outside.example',
    'To: jane.doe@acme.example',
    `Subject: ${subject}`,
    `Message-ID: <rules-${process.pid}-${serial}@test.example>`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain',
    '',
    'See the attachments.',
    ...parts,
    '--b1--',
    '',
  ].join('\r\n');
}

/** Runs the gateway's command line against a data directory. */
export function cli(data: string, args: readonly string[]) {
  return run(process.execPath, [GATEWAY_MAIN, ...args, '--data', data]);
}

/** The message files (`.json` documents) in a mail file or database folder under `<data>/mailfiles`. */
export async function documents(data: string, ...folder: string[]): Promise<{ id: string; text: string }[]> {
  const dir = join(data, 'mailfiles', ...folder);
  const names = await readdir(dir).catch(() => [] as string[]);
  const out: { id: string; text: string }[] = [];
  for (const n of names)
    if (n.endsWith('.json')) out.push({ id: n.slice(0, -5), text: await readFile(join(dir, n), 'utf8') });
  return out;
}

/** The `250 ... id X` queue id of a reply. */
export function queueIdOf(reply: JobReply): string {
  const id = /id (\w+)/.exec(reply[1])?.[1];
  if (reply[0] !== 250 || id === undefined) throw new Error(`not accepted: ${JSON.stringify(reply)}`);
  return id;
}
