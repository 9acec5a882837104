/**
 * Resolving the group names written in list fields through the directory, once, when the
 * configuration is loaded: the compiled policy then matches members without any I/O.
 */
import type { PolicyConfig } from './config.js';
import type { PolicyDirectory } from './interfaces.js';
import { MAX_GROUP_DEPTH } from './list-entry.js';

/** Most distinct names asked of the directory in one resolution. */
export const MAX_GROUP_LOOKUPS = 10_000;

function listsOf(config: PolicyConfig): (readonly string[] | undefined)[] {
  return [
    config.relay?.allowTo,
    config.relay?.denyTo,
    config.relay?.allowFrom,
    config.relay?.denyFrom,
    config.relay?.exclude,
    config.connection?.allowOnly,
    config.connection?.deny,
    config.sender?.allow,
    config.sender?.deny,
    config.recipient?.allow,
    config.recipient?.deny,
  ];
}

/**
 * True for an entry that may name a group: not `*`, not bracketed, no `@`, and either holding a
 * space or having no dot (host and domain names have dots; Domino group names rarely do).
 */
export function mayBeGroupName(entry: string): boolean {
  const t = entry.trim();
  if (t.length === 0 || t === '*' || t.startsWith('[') || t.includes('@')) return false;
  return t.includes(' ') || !t.includes('.');
}

/**
 * Asks the directory about every entry that may be a group (and, recursively, about members
 * that may be groups) and returns the configuration with `groups` filled in. Directory errors
 * leave the entry as it is; the compiler then reports it if it is not a valid host or address.
 */
export async function resolvePolicyGroups(
  config: PolicyConfig,
  directory: PolicyDirectory,
): Promise<PolicyConfig> {
  const expand = directory.expandGroup;
  if (expand === undefined) return config;
  const groups: Record<string, readonly string[]> = { ...(config.groups ?? {}) };
  const asked = new Set(Object.keys(groups).map((k) => k.trim().toLowerCase()));
  let queue: string[] = [];
  for (const list of listsOf(config))
    if (Array.isArray(list))
      for (const e of list) if (typeof e === 'string' && mayBeGroupName(e)) queue.push(e.trim());
  for (let depth = 0; depth <= MAX_GROUP_DEPTH && queue.length > 0; depth++) {
    const next: string[] = [];
    for (const name of queue) {
      const key = name.toLowerCase();
      if (asked.has(key) || asked.size >= MAX_GROUP_LOOKUPS) continue;
      asked.add(key);
      let members: readonly string[] | undefined;
      try {
        members = await expand.call(directory, name);
      } catch {
        members = undefined;
      }
      if (!Array.isArray(members)) continue;
      groups[name] = members.filter((m): m is string => typeof m === 'string');
      for (const m of groups[name]) if (mayBeGroupName(m)) next.push(m.trim());
    }
    queue = next;
  }
  return { ...config, groups };
}
