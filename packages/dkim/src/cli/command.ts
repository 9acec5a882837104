/** A keymgmt command, parsed from its words (Domino's `keymgmt` console syntax). */
export type KeymgmtCommand =
  | { readonly verb: 'create-nek'; readonly name: string }
  | { readonly verb: 'create-credstore'; readonly nek: string }
  | {
      readonly verb: 'create-dkim';
      readonly domain: string;
      readonly selector: string;
      readonly keyType: 'rsa' | 'ed25519';
      /** RSA size; absent: the default (2048). */
      readonly bits?: number;
    }
  | {
      readonly verb: 'export-dkim-dns';
      readonly domain: string;
      readonly selector: string;
      readonly file?: string;
    }
  | { readonly verb: 'list' }
  | { readonly verb: 'export-nek'; readonly name: string; readonly file: string }
  | { readonly verb: 'import-nek'; readonly overwrite: boolean; readonly file: string }
  | { readonly verb: 'export-dkim'; readonly file: string }
  | { readonly verb: 'import-credstore'; readonly overwrite: boolean; readonly file: string }
  | { readonly verb: 'delete-dkim'; readonly domain: string; readonly selector: string }
  | { readonly verb: 'help' };

/** The usage text. */
export const USAGE = `usage: mailroute-keymgmt [--dir <directory>] <command>   (--dir may come anywhere; --help)
  create nek <name>
  create credstore <nek>
  create dkim <domain> <selector> rsa [1024|2048|3072|4096]   (default 2048)
  create dkim <domain> <selector> ed25519
  export dkim dns <domain> <selector> [file]
  list
  export nek <name> <file>
  import nek [overwrite] <file>
  export dkim <file>
  import credstore [overwrite] <file>
  delete dkim <domain> <selector>
Passwords come from a prompt on a terminal or from MAILROUTE_KEYMGMT_PASSWORD, never from arguments.
The directory defaults to MAILROUTE_KEYMGMT_DIR, else ./IBM_CredStore; it is created (mode 0700)
only by a command that writes into it.`;

/** The command line split into the options (anywhere on the line) and the command's words. */
export interface KeymgmtArguments {
  /** `--dir <directory>` or `--dir=<directory>`. */
  readonly dir?: string;
  /** `--help` or `-h` anywhere. */
  readonly help: boolean;
  /** The remaining words, in order. */
  readonly words: readonly string[];
}

/**
 * Takes `--dir <d>`, `--dir=<d>`, `--help` and `-h` from anywhere on the line (before or after
 * the command); everything else is the command's words. `--` ends the options.
 */
export function splitArguments(argv: readonly string[]): KeymgmtArguments | { readonly error: string } {
  let dir: string | undefined;
  let help = false;
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      words.push(...argv.slice(i + 1));
      break;
    }
    if (a === '--help' || a === '-h') help = true;
    else if (a === '--dir' || a.startsWith('--dir=')) {
      const value = a === '--dir' ? argv[++i] : a.slice('--dir='.length);
      if (value === undefined || value === '') return { error: `--dir needs a directory\n${USAGE}` };
      if (dir !== undefined) return { error: `--dir given twice\n${USAGE}` };
      dir = value;
    } else if (a.startsWith('--')) return { error: `unknown option ${a}\n${USAGE}` };
    else words.push(a);
  }
  return dir === undefined ? { help, words } : { dir, help, words };
}

/** Parses the words after the options; keywords are case-insensitive, as on Domino's console. */
export function parseCommand(args: readonly string[]): KeymgmtCommand | { readonly error: string } {
  const w = args.map((a, i) => (i < 3 ? a.toLowerCase() : a));
  const kw = (i: number) => (args[i] ?? '').toLowerCase();
  const n = args.length;
  const bad = (why: string) => ({ error: `${why}\n${USAGE}` });
  const noPassword =
    'passwords are not accepted on the command line: use the prompt or MAILROUTE_KEYMGMT_PASSWORD';
  switch (`${kw(0)} ${kw(1)}`) {
    case 'create nek':
      return n === 3 ? { verb: 'create-nek', name: args[2]! } : bad('create nek <name>');
    case 'create credstore':
      return n === 3 ? { verb: 'create-credstore', nek: args[2]! } : bad('create credstore <nek>');
    case 'create dkim': {
      if (n === 5 && kw(4) === 'ed25519') {
        return { verb: 'create-dkim', domain: args[2]!, selector: args[3]!, keyType: 'ed25519' };
      }
      if (n === 5 && kw(4) === 'rsa') {
        return { verb: 'create-dkim', domain: args[2]!, selector: args[3]!, keyType: 'rsa' };
      }
      if (n === 6 && kw(4) === 'rsa' && /^[0-9]+$/.test(args[5]!)) {
        return {
          verb: 'create-dkim',
          domain: args[2]!,
          selector: args[3]!,
          keyType: 'rsa',
          bits: Number(args[5]),
        };
      }
      return bad('create dkim <domain> <selector> rsa [1024|2048|3072|4096] | ed25519');
    }
    case 'export dkim':
      if (kw(2) === 'dns') {
        if (n === 5) return { verb: 'export-dkim-dns', domain: args[3]!, selector: args[4]! };
        if (n === 6) return { verb: 'export-dkim-dns', domain: args[3]!, selector: args[4]!, file: args[5]! };
        return bad('export dkim dns <domain> <selector> [file]');
      }
      return n === 3 ? { verb: 'export-dkim', file: args[2]! } : bad('export dkim <file>');
    case 'export nek':
      if (n > 4) return bad(noPassword);
      return n === 4
        ? { verb: 'export-nek', name: args[2]!, file: args[3]! }
        : bad('export nek <name> <file>');
    case 'import nek':
    case 'import credstore': {
      const overwrite = kw(2) === 'overwrite';
      const rest = args.slice(overwrite ? 3 : 2);
      if (kw(1) === 'nek' && rest.length > 1) return bad(noPassword);
      if (rest.length !== 1) return bad(`import ${kw(1)} [overwrite] <file>`);
      return { verb: kw(1) === 'nek' ? 'import-nek' : 'import-credstore', overwrite, file: rest[0]! };
    }
    case 'delete dkim':
      return n === 4
        ? { verb: 'delete-dkim', domain: args[2]!, selector: args[3]! }
        : bad('delete dkim <domain> <selector>');
    default:
      if (n === 1 && w[0] === 'list') return { verb: 'list' };
      if (n === 0 || (n === 1 && (w[0] === 'help' || w[0] === '--help' || w[0] === '-h')))
        return { verb: 'help' };
      return bad(`unknown command: ${args.slice(0, 2).join(' ')}`);
  }
}
