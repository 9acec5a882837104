/**
 * Adapts the @mailroute/dns resolver to the relay policy's `PolicyDns` interface: a not-found
 * (`temporary: false`) becomes `none`, anything else that goes wrong `temperror` (Domino accepts or retries on
 * a DNS outage; it never rejects on one).
 */
import { isDnsError, type MailResolver } from '@mailroute/dns';
import type {
  AddressAnswer,
  DnsListAnswer,
  DomainExistence,
  PolicyDns,
  PtrAnswer,
} from '@mailroute/relay-policy';

async function settle<T>(
  lookup: () => Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; notFound: boolean }> {
  try {
    return { ok: true, value: await lookup() };
  } catch (error) {
    return { ok: false, notFound: isDnsError(error) && !error.temporary };
  }
}

/** The policy's DNS view of a mail resolver. */
export function createPolicyDns(resolver: MailResolver): PolicyDns {
  return {
    async lookupPtr(ip): Promise<PtrAnswer> {
      const r = await settle(() => resolver.resolvePtr(ip));
      if (r.ok) return r.value.length > 0 ? { result: 'found', names: r.value } : { result: 'none' };
      return { result: r.notFound ? 'none' : 'temperror' };
    },

    async lookupAddresses(name): Promise<AddressAnswer> {
      const [a, aaaa] = await Promise.all([
        settle(() => resolver.resolveA(name)),
        settle(() => resolver.resolveAaaa(name)),
      ]);
      const addresses = [...(a.ok ? a.value : []), ...(aaaa.ok ? aaaa.value : [])];
      if (addresses.length > 0) return { result: 'found', addresses };
      const failedTemporarily = (!a.ok && !a.notFound) || (!aaaa.ok && !aaaa.notFound);
      return { result: failedTemporarily ? 'temperror' : 'none' };
    },

    async domainExists(domain, timeoutMs): Promise<DomainExistence> {
      // resolveMx covers MX, CNAME and the implicit A of a domain without MX (RFC 5321 5.1).
      const r = await settle(() => resolver.resolveMx(domain, { signal: AbortSignal.timeout(timeoutMs) }));
      if (r.ok) return 'found';
      return r.notFound ? 'none' : 'temperror';
    },

    async queryDnsList(ip, zone): Promise<DnsListAnswer> {
      const r = await settle(() => resolver.queryDnsbl(ip, zone));
      if (!r.ok) return { site: zone, result: r.notFound ? 'none' : 'temperror' };
      return r.value.listed
        ? { site: zone, result: 'listed', codes: r.value.codes }
        : { site: zone, result: 'none' };
    },
  };
}
