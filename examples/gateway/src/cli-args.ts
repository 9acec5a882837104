/**
 * Command-line parsing for `mailroute-gateway`: a command word, then `--name value` flags
 * (`--rcpt` may repeat; `--system-dns` and `--json` take no value). Pure: returns the parsed
 * command or a usage error, never exits.
 */

/** The commands. */
export type CommandName =
  | 'start'
  | 'status'
  | 'explain'
  | 'check-config'
  | 'hash-password'
  | 'help'
  | 'queue'
  | 'track'
  | 'rules';

/** A parsed command line. */
export interface ParsedArgs {
  readonly command: CommandName;
  readonly flags: ReadonlyMap<string, string>;
  readonly recipients: readonly string[];
  readonly switches: ReadonlySet<string>;
  /** Words after the command (`queue release <id>`, `track <id>`), for the commands that take them. */
  readonly positionals: readonly string[];
}

const COMMANDS: readonly CommandName[] = [
  'start',
  'status',
  'explain',
  'check-config',
  'hash-password',
  'help',
  'queue',
  'track',
  'rules',
];
/** Commands that take words after them (sub-commands, ids). */
const POSITIONAL_COMMANDS = ['queue', 'track', 'rules'];
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
  'state',
  'limit',
  'after',
  'index',
  'log-mail-routing',
  'debug-router',
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
                  --log-mail-routing 10|20|30|40  Log_MailRouting (default: gateway.json routingLog, 20)
                  --debug-router 0|1|2|3         DebugRouter (default: gateway.json routingLog, 0)
                  --queue URL    mail.box on PostgreSQL (postgres://...), shared by several gateways;
                                 run \`mailroute-queue-postgres migrate URL\` first (default: gateway.json
                                 router.queue, else the file store under --data)
  status        print the running gateway's figures (show stat SMTP / tell router status)
                  --data DIR  [--json]
  explain       print the policy trace and the route for an envelope, without sending mail
                  --ip ADDR [--helo NAME] --from ADDR --rcpt ADDR [--rcpt ADDR ...] [--user NAME]
                  [--config DIR] [--system-dns]
  queue list    messages in the running gateway's mail.box   [--state held|dead|waiting|...] [--limit N] [--after ID]
  queue show ID     one message: envelope, each recipient's state, attempts, last reply
  queue hold ID     RoutingState HOLD        queue release ID  held or dead mail waits again, due now
  queue delete ID   delete (no report)       queue reroute ID  route again with the current directory
                  [--index N,N]  only these recipients (hold, release, reroute)   --data DIR  [--json]
  track KEY     the path and replies of a message, by queue id or Message-ID   --data DIR [--json]
  rules         the server mail rules in force [reload: re-read the file now]   --data DIR [--json]
  check-config  validate a configuration directory   [--config DIR]
  hash-password read a password on stdin, print its hash for gateway.json users[].password`;

/** Parses argv (without node and the script). */
export function parseArgs(
  argv: readonly string[],
): { ok: true; args: ParsedArgs } | { ok: false; error: string } {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h') {
    return {
      ok: true,
      args: { command: 'help', flags: new Map(), recipients: [], switches: new Set(), positionals: [] },
    };
  }
  if (!(COMMANDS as readonly string[]).includes(first))
    return { ok: false, error: `unknown command ${JSON.stringify(first)}` };
  const flags = new Map<string, string>();
  const recipients: string[] = [];
  const switches = new Set<string>();
  const positionals: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    if (name === undefined && POSITIONAL_COMMANDS.includes(first) && positionals.length < 2) {
      positionals.push(arg);
      continue;
    }
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
  return { ok: true, args: { command: first as CommandName, flags, recipients, switches, positionals } };
}

/** A port flag: a whole number 0-65535, or an error text. */
export function parsePort(text: string, flag = 'port'): number | string {
  const n = Number(text);
  return /^\d+$/.test(text) && n <= 65535
    ? n
    : `--${flag} must be a number from 0 to 65535, got ${JSON.stringify(text)}`;
}
