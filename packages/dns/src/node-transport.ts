/**
 * The alternative transport over node's `dns.promises.Resolver` (c-ares). It exposes TTLs only for A
 * and AAAA; MX, TXT, PTR and CNAME answers get `defaultTtlSeconds`. c-ares reports NXDOMAIN as
 * ENOTFOUND and NODATA as ENODATA, which map back to rcodes; its own retries are switched off
 * (`tries: 1`) because the resolver owns the retry schedule.
 */
import { promises as dnsPromises } from 'node:dns';
import type { DnsRecord, DnsTransport, Rcode, TransportAnswer } from './types.js';

/** Options of {@link createNodeResolverTransport}. */
export interface NodeResolverTransportOptions {
  /** Servers in node's format (`"192.0.2.1"`, `"192.0.2.1:5353"`, `"[2001:db8::1]:53"`); default: the system's. */
  readonly servers?: readonly string[];
  /** c-ares per-query timeout in ms; default 5000 (the resolver's own attempt window usually ends first). */
  readonly timeoutMs?: number;
  /** TTL given to record types for which node reports none; default 300 s. */
  readonly defaultTtlSeconds?: number;
}

const ERROR_RCODES: Record<string, Rcode> = {
  ENOTFOUND: 'NXDOMAIN',
  ENODATA: 'NODATA',
  ESERVFAIL: 'SERVFAIL',
  EREFUSED: 'REFUSED',
  ETIMEOUT: 'TIMEOUT',
  EFORMERR: 'FORMERR',
  ENOTIMP: 'NOTIMP',
  EBADRESP: 'BADRESPONSE',
  EBADNAME: 'BADNAME',
  ECONNREFUSED: 'BADRESPONSE',
};

/** Create a transport over node's resolver. */
export function createNodeResolverTransport(options: NodeResolverTransportOptions = {}): DnsTransport {
  const ttl = options.defaultTtlSeconds ?? 300;
  const make = () => {
    const r = new dnsPromises.Resolver({ timeout: options.timeoutMs ?? 5000, tries: 1 });
    if (options.servers) r.setServers([...options.servers]);
    return r;
  };
  return {
    async query(question, { signal }): Promise<TransportAnswer> {
      if (signal.aborted) throw signal.reason;
      // One Resolver per query, so aborting one query cancels nothing else.
      const r = make();
      const onAbort = () => r.cancel();
      signal.addEventListener('abort', onAbort, { once: true });
      const name = question.name.toLowerCase().replace(/\.$/, '');
      try {
        let records: DnsRecord[];
        switch (question.type) {
          case 'A':
            records = (await r.resolve4(name, { ttl: true })).map((a) => ({ type: 'A', name, ...a }));
            break;
          case 'AAAA':
            records = (await r.resolve6(name, { ttl: true })).map((a) => ({ type: 'AAAA', name, ...a }));
            break;
          case 'MX':
            records = (await r.resolveMx(name)).map((m) => ({
              type: 'MX',
              name,
              ttl,
              preference: m.priority,
              exchange: m.exchange.toLowerCase().replace(/\.$/, ''),
            }));
            break;
          case 'TXT':
            records = (await r.resolveTxt(name)).map((strings) => ({ type: 'TXT', name, ttl, strings }));
            break;
          case 'PTR':
            records = (await r.resolvePtr(name)).map((t) => ({
              type: 'PTR',
              name,
              ttl,
              target: t.toLowerCase(),
            }));
            break;
          case 'CNAME':
            records = (await r.resolveCname(name)).map((t) => ({
              type: 'CNAME',
              name,
              ttl,
              target: t.toLowerCase(),
            }));
            break;
        }
        return records.length === 0 ? { rcode: 'NODATA', records: [] } : { rcode: 'NOERROR', records };
      } catch (e) {
        if (signal.aborted) throw signal.reason;
        const code = (e as { code?: string }).code ?? '';
        return { rcode: ERROR_RCODES[code] ?? 'SERVFAIL', records: [], detail: `node resolver: ${code}` };
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    },
  };
}
