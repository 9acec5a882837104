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
