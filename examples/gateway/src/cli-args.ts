/**
 * Command-line parsing for `mailroute-gateway`: a command word, then `--name value` flags
 * (`--rcpt` may repeat; `--system-dns` and `--json` take no value). Pure: returns the parsed
 * command or a usage error, never exits.
 */

/** The commands. */
export type CommandName = 'start' | 'status' | 'explain' | 'check-config' | 'hash-password' | 'help';

/** A parsed command line. */
export interface ParsedArgs {
  readonly command: CommandName;
  readonly flags: ReadonlyMap<string, string>;
  readonly recipients: readonly string[];
  readonly switches: ReadonlySet<string>;
}

const COMMANDS: readonly CommandName[] = [
  'start',
  'status',
  'explain',
  'check-config',
  'hash-password',
  'help',
];
const VALUE_FLAGS = [
  'config',
  'data',
  'port',
  'submission-port',
  'sink-port',
  'host',
  'ip',
  'helo',
  'from',
  'rcpt',
  'user',
  'queue',
];
const SWITCHES = ['system-dns', 'json'];

/** The usage text. */
export const USAGE = `usage: mailroute-gateway <command> [flags]

  start         run the SMTP gateway (Ctrl-C stops it gracefully)
                  --config DIR   configuration directory (default: the shipped example)
                  --data DIR     mail.box, mail files, sink, credential store, status (default: $TMPDIR/mailroute-gateway)
                  --port N       SMTP port (default: gateway.json, 2525); 0 picks a free one
                  --submission-port N|off  submission port, AUTH required (default: gateway.json, 5870)
                  --sink-port N|off  the capture sink's port (default: gateway.json captureSink, 2526)
                  --host ADDR    listener address (default: gateway.json, 127.0.0.1)
                  --system-dns   use the system resolver instead of dns-zone.json
                  --queue URL    mail.box on PostgreSQL (postgres://...), shared by several gateways;
                                 run \`mailroute-queue-postgres migrate URL\` first (default: gateway.json
                                 router.queue, else the file store under --data)
  status        print the running gateway's figures (show stat SMTP / tell router status)
                  --data DIR  [--json]
  explain       print the policy trace and the route for an envelope, without sending mail
                  --ip ADDR [--helo NAME] --from ADDR --rcpt ADDR [--rcpt ADDR ...] [--user NAME]
                  [--config DIR] [--system-dns]
  check-config  validate a configuration directory   [--config DIR]
  hash-password read a password on stdin, print its hash for gateway.json users[].password`;

/** Parses argv (without node and the script). */
export function parseArgs(
  argv: readonly string[],
): { ok: true; args: ParsedArgs } | { ok: false; error: string } {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h') {
    return { ok: true, args: { command: 'help', flags: new Map(), recipients: [], switches: new Set() } };
  }
  if (!(COMMANDS as readonly string[]).includes(first))
    return { ok: false, error: `unknown command ${JSON.stringify(first)}` };
  const flags = new Map<string, string>();
  const recipients: string[] = [];
  const switches = new Set<string>();
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    if (name === undefined) return { ok: false, error: `unexpected argument ${JSON.stringify(arg)}` };
    const eq = name.indexOf('=');
    const key = eq === -1 ? name : name.slice(0, eq);
    if (SWITCHES.includes(key) && eq === -1) {
      switches.add(key);
      continue;
    }
    if (!VALUE_FLAGS.includes(key)) return { ok: false, error: `unknown flag --${key}` };
    const value = eq === -1 ? rest[++i] : name.slice(eq + 1);
    if (value === undefined) return { ok: false, error: `--${key} needs a value` };
    if (key === 'rcpt') recipients.push(value);
    else flags.set(key, value);
  }
  return { ok: true, args: { command: first as CommandName, flags, recipients, switches } };
}

/** A port flag: a whole number 0-65535, or an error text. */
export function parsePort(text: string, flag = 'port'): number | string {
  const n = Number(text);
  return /^\d+$/.test(text) && n <= 65535
    ? n
    : `--${flag} must be a number from 0 to 65535, got ${JSON.stringify(text)}`;
}
