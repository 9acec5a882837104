import type { Directory } from './directory.js';
import {
  type Directories,
  type LookupResult,
  type LookupSettings,
  lookupRecipient,
  type RecipientAddress,
} from './lookup.js';
import type { GroupDocument, RouterConfiguration } from './model.js';
import { DEFAULT_ROUTER_CONFIGURATION } from './model.js';

/** The address field a recipient came from; BCC matters for `Disable_BCC_group_expansion`. */
export type RecipientField = 'to' | 'cc' | 'bcc';

/** Options of {@link resolveRecipient}: the Configuration Settings fields that bear on lookup. */
export interface ResolveOptions
  extends Partial<
    Pick<
      RouterConfiguration,
      'addressLookup' | 'exhaustiveLookup' | 'disableBccGroupExpansion' | 'routerDisableMailToGroups'
    >
  > {
  /** The field the recipient came from. Default `to`. */
  readonly field?: RecipientField;
  /** The local Notes domain, so `user@LocalDomain` resolves as a local name. Default: none. */
  readonly localDomain?: string;
  /**
   * This server's own IP addresses (`192.0.2.1`, `[192.0.2.1]`, `[IPv6:2001:db8::1]`): a recipient
   * at an address literal naming one of them is local, in the default Global Domain document's
   * primary domain, as relay-policy's `localAddresses` makes it local. Default none.
   */
  readonly localAddresses?: readonly string[];
}

/** A group that was looked up, with its expansion (or the reason it was not expanded). */
export interface GroupResolution {
  readonly outcome: 'group';
  readonly address: string;
  readonly group: GroupDocument;
  /** True when the members were expanded. */
  readonly expanded: boolean;
  /** Why the group was not expanded (`Disable_BCC_group_expansion`). */
  readonly reason?: string;
  /** Every member after nesting is flattened, de-duplicated, in document order; never a group. */
  readonly members: readonly RecipientResolution[];
  /** Nested groups that refer back to a group being expanded, as name chains. */
  readonly cycles: readonly (readonly string[])[];
}

/** A recipient that must not be sent to by policy (`RouterDisableMailToGroups`, a non-mail group). */
export interface PolicyResolution {
  readonly outcome: 'policy';
  readonly address: string;
  readonly reason: string;
}

/** The outcome of resolving one recipient. */
export type RecipientResolution =
  | Exclude<LookupResult, { outcome: 'group' }>
  | GroupResolution
  | PolicyResolution;

/** Only these group types receive mail. */
function isMailGroup(group: GroupDocument): boolean {
  return group.type === 'multipurpose' || group.type === 'mailOnly';
}

/**
 * Resolves one recipient against one directory, or several in search order: the person it names,
 * a group with its members expanded (nested groups flattened, cycles detected, duplicates removed),
 * another Notes domain to route to, an external Internet address, or a failure (not listed,
 * ambiguous, invalid, policy). Never throws on bad input.
 */
export function resolveRecipient(
  directory: Directory | readonly Directory[],
  address: RecipientAddress,
  options: ResolveOptions = {},
): RecipientResolution {
  // ResolveOptions carries the LookupSettings fields itself: no copy on the hot path.
  const directories = directory;
  const settings: LookupSettings = options;
  const found = lookupRecipient(directories, address, settings);
  if (found.outcome !== 'group') return found;
  const group = found.group;
  if (options.routerDisableMailToGroups ?? DEFAULT_ROUTER_CONFIGURATION.routerDisableMailToGroups) {
    return {
      outcome: 'policy',
      address: found.address,
      reason: `Mail to group ${group.name} is not allowed (RouterDisableMailToGroups)`,
    };
  }
  const blocked = groupBlocked(group, options);
  if (blocked !== undefined) {
    return blocked.policy
      ? { outcome: 'policy', address: found.address, reason: blocked.reason }
      : {
          outcome: 'group',
          address: found.address,
          group,
          expanded: false,
          reason: blocked.reason,
          members: [],
          cycles: [],
        };
  }
  return expandGroup(directories, found.address, group, settings, options);
}

/**
 * Why a group is not expanded, if it is not: its type, or BCC. `$ExpandGroups` plays no part: it is
 * the Notes client's setting for expanding before sending; the Router expands what it receives.
 */
function groupBlocked(
  group: GroupDocument,
  options: ResolveOptions,
): { reason: string; policy: boolean } | undefined {
  if (!isMailGroup(group)) {
    return { reason: `Group ${group.name} is not a mail group (type ${group.type})`, policy: true };
  }
  const noBcc = options.disableBccGroupExpansion ?? DEFAULT_ROUTER_CONFIGURATION.disableBccGroupExpansion;
  if (options.field === 'bcc' && noBcc) {
    return { reason: `Group ${group.name} in BCC not expanded (Disable_BCC_group_expansion)`, policy: false };
  }
  return undefined;
}

interface Frame {
  readonly group: GroupDocument;
  readonly members: readonly string[];
  index: number;
}

/**
 * Depth-first expansion with an explicit stack (no recursion, so deep nesting cannot overflow the
 * call stack). Each person, group and address is taken once, which also bounds the work by the
 * directory size.
 */
function expandGroup(
  directories: Directories,
  address: string,
  top: GroupDocument,
  settings: LookupSettings,
  options: ResolveOptions,
): GroupResolution {
  const members: RecipientResolution[] = [];
  const cycles: string[][] = [];
  const seen = new Set<object | string>([top]);
  const first: Directory = Array.isArray(directories) ? directories[0]! : (directories as Directory);
  const membersOf = (g: GroupDocument): readonly string[] => first.groupMembers(g);
  const stack: Frame[] = [{ group: top, members: membersOf(top), index: 0 }];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    if (frame.index >= frame.members.length) {
      stack.pop();
      continue;
    }
    const member = frame.members[frame.index++]!;
    const r = lookupRecipient(directories, member, settings);
    if (r.outcome === 'group') {
      const onStack = stack.findIndex((f) => f.group === r.group);
      if (onStack >= 0) {
        cycles.push([...stack.slice(onStack).map((f) => f.group.name), r.group.name]);
        continue;
      }
      if (seen.has(r.group)) continue;
      seen.add(r.group);
      const blocked = groupBlocked(r.group, { ...options, field: options.field ?? 'to' });
      if (blocked !== undefined) {
        members.push(
          blocked.policy
            ? { outcome: 'policy', address: member, reason: blocked.reason }
            : {
                outcome: 'group',
                address: member,
                group: r.group,
                expanded: false,
                reason: blocked.reason,
                members: [],
                cycles: [],
              },
        );
        continue;
      }
      stack.push({ group: r.group, members: membersOf(r.group), index: 0 });
      continue;
    }
    const identity = r.outcome === 'person' ? r.person : `${r.outcome}:${r.address.toLowerCase()}`;
    if (seen.has(identity)) continue;
    seen.add(identity);
    members.push(r);
  }
  return { outcome: 'group', address, group: top, expanded: true, members, cycles };
}
