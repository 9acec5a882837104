/** External tools of the end-to-end tests, and the rule for when they are missing. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The file a package's `bin` entry names, found through the package's exported package.json. */
function packageBin(pkg: string, bin: string): string {
  const manifest = createRequire(import.meta.url).resolve(`${pkg}/package.json`);
  const { bin: bins } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin: Record<string, string> };
  const target = bins[bin];
  if (target === undefined) throw new Error(`${pkg} has no bin ${bin}`);
  return join(dirname(manifest), target);
}

/** Debian's python, where python3-dkim is installed. */
export const PYTHON = '/usr/bin/python3';
/** The Python helper (smtplib sender, python3-dkim verifier). */
export const PY_TOOL = fileURLToPath(new URL('../smtp_tool.py', import.meta.url));
/** The gateway's command line: the `mailroute-gateway` bin of its package. */
export const GATEWAY_MAIN = packageBin('@mailroute/example-gateway', 'mailroute-gateway');
/** The shipped configuration. */
export const EXAMPLE_CONFIG = fileURLToPath(new URL('../../../examples/gateway/config', import.meta.url));
/** Shared test material (never copied into the repository). */
export const FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures', import.meta.url));

const hasSwaks = spawnSync('swaks', ['--version'], { stdio: 'ignore' }).status === 0;
const hasSmtplib =
  existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import smtplib'], { stdio: 'ignore' }).status === 0;
const hasDkimpy = hasSmtplib && spawnSync(PYTHON, ['-c', 'import dkim'], { stdio: 'ignore' }).status === 0;

/** A skip reason when the tool is missing, except under CI, where the test must run and fail. */
function skipUnlessCi(present: boolean, reason: string): string | false {
  return present || process.env['CI'] ? false : reason;
}

export const swaksSkip = skipUnlessCi(hasSwaks, 'swaks is not installed (apt-get install swaks)');
export const smtplibSkip = skipUnlessCi(hasSmtplib, `${PYTHON} is not available`);
export const dkimpySkip = skipUnlessCi(
  hasDkimpy,
  'python3-dkim is not installed (apt-get install python3-dkim)',
);

/** Runs a command to the end with a time bound; resolves with its output and exit code. */
export function run(
  command: string,
  args: readonly string[],
  input?: string,
  timeoutMs = 30_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

/** What smtp_tool.py answers to a send request. */
export interface PySendAnswer {
  readonly ok: boolean;
  readonly refused: Record<string, [number, string]>;
  readonly error: [number, string] | null;
}

/** Sends one message with Python's smtplib. */
export async function pythonSend(job: {
  port: number;
  from: string;
  to: string[];
  message: string | Buffer;
  starttls?: boolean;
  user?: string;
  password?: string;
  source?: string;
}): Promise<PySendAnswer> {
  const message = Buffer.from(job.message).toString('base64');
  const r = await run(PYTHON, [PY_TOOL], JSON.stringify({ send: { ...job, message } }));
  if (r.code !== 0) throw new Error(`smtp_tool.py failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as PySendAnswer;
}

/** Verifies every DKIM-Signature of a message with python3-dkim, keys answered from `records`. */
export async function pythonVerify(
  message: Buffer,
  records: Readonly<Record<string, string>>,
): Promise<boolean[]> {
  const r = await run(
    PYTHON,
    [PY_TOOL],
    JSON.stringify({ verify: { message: message.toString('base64'), records } }),
  );
  if (r.code !== 0) throw new Error(`smtp_tool.py failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { results: boolean[] }).results;
}

/** Polls `probe` until it returns a value other than undefined, at most `timeoutMs`. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A message the capture sink (or any folder of `<name>.eml` + `<name>.json`) holds. */
export interface SinkMessage {
  readonly name: string;
  readonly envelope: { readonly mailFrom: string; readonly recipients: readonly string[] };
  readonly raw: Buffer;
}

/** Every message in a capture-sink folder (`<data>/sink`). */
export async function sinkMessages(folder: string): Promise<SinkMessage[]> {
  const { readdir, readFile } = await import('node:fs/promises');
  const names = await readdir(folder).catch(() => [] as string[]);
  const out: SinkMessage[] = [];
  for (const f of names) {
    if (!f.endsWith('.json') || f.startsWith('.')) continue;
    const name = f.slice(0, -5);
    try {
      const envelope = JSON.parse(await readFile(join(folder, f), 'utf8')) as SinkMessage['envelope'];
      out.push({ name, envelope, raw: await readFile(join(folder, `${name}.eml`)) });
    } catch {
      // Being written; the next poll sees it whole.
    }
  }
  return out;
}

/** The Subject of a raw message (unfolded, undecoded). */
export function subjectOf(raw: Buffer): string | undefined {
  const head = raw.toString('latin1').split('\r\n\r\n')[0] ?? '';
  return /(?:^|\r\n)Subject: ?([^\r]*(?:\r\n[ \t][^\r]*)*)/i.exec(head)?.[1]?.replace(/\r\n[ \t]/g, ' ');
}

/** A delivery status report as CPython's `email` package (policy.default) reads it. */
export interface ParsedReport {
  readonly contentType: string;
  readonly reportType: string | null;
  readonly subject: string;
  readonly autoSubmitted: string | null;
  readonly defects: number;
  readonly human: string;
  readonly perMessage: Record<string, string>;
  readonly recipients: readonly Record<string, string>[];
  readonly original: string | null;
}

const PARSE_REPORT = `
import sys, json, email
from email import policy
msg = email.message_from_bytes(sys.stdin.buffer.read(), policy=policy.default)
defects = len(msg.defects) + sum(len(p.defects) for p in msg.walk())
human, per_message, recipients, original = '', {}, [], None
for part in msg.walk():
    ct = part.get_content_type()
    if ct == 'text/plain' and not human:
        human = part.get_content()
    elif ct == 'message/delivery-status':
        blocks = part.get_payload()
        per_message = {k.lower(): str(v) for k, v in blocks[0].items()}
        recipients = [{k.lower(): str(v) for k, v in b.items()} for b in blocks[1:]]
    elif ct in ('message/rfc822', 'text/rfc822-headers') and original is None:
        inner = part.get_payload()
        original = inner[0].as_string() if isinstance(inner, list) else str(inner)
print(json.dumps({'contentType': msg.get_content_type(), 'reportType': msg.get_param('report-type'),
  'subject': str(msg['subject']), 'autoSubmitted': msg['auto-submitted'], 'defects': defects,
  'human': human, 'perMessage': per_message, 'recipients': recipients, 'original': original}))
`;

/** Parses a report with /usr/bin/python3's `email` package. */
export async function pythonParseReport(raw: Buffer): Promise<ParsedReport> {
  const child = spawn(PYTHON, ['-c', PARSE_REPORT], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
    child.stdin.end(raw);
  });
  if (code !== 0) throw new Error(`python3 email could not parse the report: ${stderr}`);
  return JSON.parse(stdout) as ParsedReport;
}
