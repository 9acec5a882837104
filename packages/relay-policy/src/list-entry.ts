/**
 * One entry of a configuration list, where it came from (field, position, group), and the
 * expansion of group names into their members.
 */
import { ok, type Result } from '@mailroute/envelope';
import { badEntry } from './names.js';
import type { ProblemLog } from './problems.js';

/** A list entry as written, kept for the trace and the linter. */
export interface ListEntry {
  /** The config field holding it. */
  readonly field: string;
  /** Position in the field's list. */
  readonly index: number;
  /** The entry text (a group member's text when it came through a group). */
  readonly text: string;
  /** The group name when the entry is a member of a group named in the list. */
  readonly via: string | undefined;
}

/** Limit on group nesting: a deeper chain is almost surely a cycle the directory did not see. */
export const MAX_GROUP_DEPTH = 8;

/** Expands group names found in lists into their members. */
export class GroupExpander {
  private readonly groups = new Map<string, readonly string[]>();

  constructor(groups: Readonly<Record<string, readonly string[]>> | undefined, problems: ProblemLog) {
    if (groups === undefined) return;
    if (typeof groups !== 'object' || groups === null || Array.isArray(groups)) {
      problems.error('groups', 'must be an object mapping group names to member lists');
      return;
    }
    for (const [name, members] of Object.entries(groups)) {
      if (!Array.isArray(members) || members.some((m) => typeof m !== 'string')) {
        problems.error('groups', 'members must be a list of strings', name);
        continue;
      }
      this.groups.set(name.trim().toLowerCase(), members);
    }
  }

  /** True when the name is a known group. */
  isGroup(name: string): boolean {
    return this.groups.has(name.trim().toLowerCase());
  }

  /**
   * The entry itself, or the members of the group it names (recursively, cycles reported).
   * `expanded` is shared by all entries of one list: a group reached twice (named twice, or
   * through two parents) is expanded once, so nested groups cannot multiply the entries.
   */
  expand(
    field: string,
    value: unknown,
    index: number,
    problems: ProblemLog,
    expanded: Set<string>,
  ): ListEntry[] {
    if (typeof value !== 'string') {
      problems.error(field, 'entry is not a string', String(value), index);
      return [];
    }
    const out: ListEntry[] = [];
    this.walk(field, value, index, undefined, [], out, problems, expanded);
    return out;
  }

  private walk(
    field: string,
    text: string,
    index: number,
    via: string | undefined,
    stack: string[],
    out: ListEntry[],
    problems: ProblemLog,
    expanded: Set<string>,
  ): void {
    const key = text.trim().toLowerCase();
    const members = this.groups.get(key);
    if (members === undefined) {
      out.push({ field, index, text, via });
      return;
    }
    if (stack.includes(key)) {
      problems.error(field, `group nesting loops back to "${text.trim()}"`, text, index);
      return;
    }
    if (stack.length >= MAX_GROUP_DEPTH) {
      problems.error(field, `groups nested deeper than ${MAX_GROUP_DEPTH}`, text, index);
      return;
    }
    if (expanded.has(key)) return;
    expanded.add(key);
    stack.push(key);
    for (const member of members)
      this.walk(field, member, index, via ?? text.trim(), stack, out, problems, expanded);
    stack.pop();
  }
}

/** An entry with its brackets checked and removed. */
export type SplitEntry = Result<{ readonly body: string; readonly bracketed: boolean }>;

/** Trims an entry and takes off balanced `[...]`; reports empty and unbalanced entries. */
export function splitEntry(text: string): SplitEntry {
  const t = text.trim();
  if (t.length === 0) return badEntry('empty entry');
  const open = t.startsWith('[');
  const close = t.endsWith(']');
  const firstClose = t.indexOf(']');
  if (open !== close || t.indexOf('[', 1) >= 0 || (firstClose >= 0 && firstClose < t.length - 1))
    return badEntry('unbalanced brackets');
  if (open) {
    const body = t.slice(1, -1).trim();
    if (body.length === 0) return badEntry('empty brackets');
    return ok({ body, bracketed: true });
  }
  return ok({ body: t, bracketed: false });
}
