/**
 * Adapts the routing package's directory to the relay policy's `PolicyDirectory` interface, so
 * "Verify that local domain recipients exist in the Domino Directory" asks the same directory,
 * with the same lookup rules (alias domains, address lookup mode), that routing delivers with.
 */
import type { PolicyDirectory, RecipientLookup } from '@mailroute/relay-policy';
import { type Directory, type RouterConfiguration, resolveRecipient } from '@mailroute/routing';

/** The policy's directory view of a routing directory, seen from one server. */
export function createPolicyDirectory(
  directory: Directory,
  config: RouterConfiguration,
  localDomain: string,
): PolicyDirectory {
  const lookup = {
    addressLookup: config.addressLookup,
    exhaustiveLookup: config.exhaustiveLookup,
    localDomain,
  };
  return {
    async findRecipient(address): Promise<RecipientLookup> {
      const r = resolveRecipient(directory, address, lookup);
      switch (r.outcome) {
        case 'person':
        case 'notesDomain':
          return 'found';
        case 'group':
        case 'policy':
          // A group, or a group that must not receive mail: SMTPDenyMailToGroups decides.
          return 'group';
        case 'ambiguous':
          return 'ambiguous';
        default:
          return 'not-found';
      }
    },

    async findInternetAddress(user) {
      const hits = directory.findByName(user).filter((e) => e.kind === 'person');
      if (hits.length !== 1) return { result: 'none' };
      const hit = hits[0]!;
      const address = hit.kind === 'person' ? hit.person.internetAddress : undefined;
      return address === undefined ? { result: 'none' } : { result: 'found', address };
    },

    async expandGroup(name) {
      const group = directory.findByName(name).find((e) => e.kind === 'group');
      return group?.kind === 'group' ? directory.groupMembers(group.group) : undefined;
    },
  };
}
