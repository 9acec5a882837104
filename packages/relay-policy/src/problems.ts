/** Problems found in a configuration: each names the field and, when there is one, the entry. */

/** `error`: the entry or setting was dropped or replaced by its default; `warning`: used, but probably not as meant. */
export type ProblemSeverity = 'error' | 'warning';

/** One problem with the configuration. */
export interface ConfigProblem {
  readonly severity: ProblemSeverity;
  /** The config field, as a path: `relay.allowFrom`, `dnsBlacklist.rejectText`. */
  readonly field: string;
  /** The entry as written, when the problem is about one entry of a list. */
  readonly entry?: string;
  /** The entry's position in its list (0-based), when there is one. */
  readonly index?: number;
  /** What is wrong, in words an administrator can act on. */
  readonly message: string;
  /** A stable code for tools: `bad-entry`, `bad-setting`, `ip-without-brackets`, `host-bits-set`. */
  readonly code: ProblemCode;
}

/** Stable problem codes. */
export type ProblemCode = 'bad-entry' | 'bad-setting' | 'ip-without-brackets' | 'host-bits-set';

/** Collects problems while compiling. */
export class ProblemLog {
  readonly list: ConfigProblem[] = [];

  error(field: string, message: string, entry?: string, index?: number): void {
    const code = entry === undefined ? 'bad-setting' : 'bad-entry';
    this.list.push(withEntry({ severity: 'error', field, message, code }, entry, index));
  }

  warning(
    field: string,
    message: string,
    entry?: string,
    index?: number,
    code: ProblemCode = 'bad-entry',
  ): void {
    this.list.push(withEntry({ severity: 'warning', field, message, code }, entry, index));
  }
}

function withEntry(p: ConfigProblem, entry: string | undefined, index: number | undefined): ConfigProblem {
  if (entry === undefined) return p;
  return index === undefined ? { ...p, entry } : { ...p, entry, index };
}
