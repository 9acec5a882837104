/**
 * Knot DNS for the relay-policy tests (the launcher is @mailroute/test-support's; zones here are
 * written as records after a generated SOA/NS), and a `PolicyDns` adapter over node:dns pointed
 * at it, the kind of adapter a gateway writes.
 */
import { Resolver } from 'node:dns/promises';
import {
  type DnsListAnswer,
  type DomainExistence,
  dnsListQueryName,
  type PolicyDns,
} from '@mailroute/relay-policy';
import {
  findKnotd,
  type KnotServer,
  startKnot as startKnotServer,
  zoneWithSoa,
} from '@mailroute/test-support';

/** A running knotd. */
export type Knot = KnotServer;

/** Starts knotd with the zones (origin -> records after SOA/NS) and waits until it answers. */
export async function startKnot(knotd: string, zones: Record<string, string>): Promise<Knot> {
  const files = Object.fromEntries(
    Object.entries(zones).map(([origin, records]) => [origin, zoneWithSoa(origin, records)]),
  );
  return startKnotServer(knotd, files, `ns.${Object.keys(zones)[0]}`);
}

export { findKnotd };

function code(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
}

/** NXDOMAIN and NODATA are answers ("none"); anything else is a failure ("temperror"). */
function isNoAnswer(error: unknown): boolean {
  return code(error) === 'ENOTFOUND' || code(error) === 'ENODATA';
}

/** A `PolicyDns` over node:dns, asking one server. */
export function nodeDnsAdapter(server: string): PolicyDns {
  const resolver = (timeout = 2000) => {
    const r = new Resolver({ timeout, tries: 1 });
    r.setServers([server]);
    return r;
  };
  const shared = resolver();
  return {
    async lookupPtr(ip) {
      try {
        return { result: 'found', names: await shared.reverse(ip) };
      } catch (error) {
        return isNoAnswer(error) ? { result: 'none' } : { result: 'temperror' };
      }
    },
    async lookupAddresses(name) {
      const found: string[] = [];
      let failed = false;
      for (const lookup of [() => shared.resolve4(name), () => shared.resolve6(name)]) {
        try {
          found.push(...(await lookup()));
        } catch (error) {
          if (!isNoAnswer(error)) failed = true;
        }
      }
      if (found.length > 0) return { result: 'found', addresses: found };
      return failed ? { result: 'temperror' } : { result: 'none' };
    },
    async domainExists(domain, timeoutMs): Promise<DomainExistence> {
      const r = resolver(timeoutMs);
      let failed = false;
      for (const lookup of [
        () => r.resolveMx(domain),
        () => r.resolveCname(domain),
        () => r.resolve4(domain),
      ]) {
        try {
          if ((await lookup()).length > 0) return 'found';
        } catch (error) {
          if (!isNoAnswer(error)) failed = true;
        }
      }
      return failed ? 'temperror' : 'none';
    },
    async queryDnsList(ip, zone): Promise<DnsListAnswer> {
      const name = dnsListQueryName(ip, zone);
      if (name === undefined) return { site: zone, result: 'none' };
      try {
        return { site: zone, result: 'listed', codes: await shared.resolve4(name) };
      } catch (error) {
        return { site: zone, result: isNoAnswer(error) ? 'none' : 'temperror' };
      }
    },
  };
}
