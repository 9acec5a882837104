/**
 * MTA-STS (RFC 8461): the `_mta-sts` TXT record, the policy fetched over HTTPS through an
 * injected fetcher, cached for its max_age, and the MX matching that `enforce` requires.
 */
import type { Clock, Logger } from '@mailroute/envelope';

/** A parsed MTA-STS policy (RFC 8461 3.2). */
export interface MtaStsPolicy {
  /** `enforce`: only matching MX hosts, only with verified TLS; `testing`: report only; `none`: no policy. */
  readonly mode: 'enforce' | 'testing' | 'none';
  /** MX patterns: `mail.example.com` or `*.example.com` (one leftmost label). */
  readonly mx: readonly string[];
  /** Seconds the policy may be cached. */
  readonly maxAgeSeconds: number;
}

/** The answer of an {@link MtaStsFetcher}. */
export interface MtaStsResponse {
  /** HTTP status; only 200 counts. */
  readonly status: number;
  /** The media type; must be `text/plain`. */
  readonly contentType?: string;
  /** The body. */
  readonly body: string;
}

/**
 * Fetches `https://mta-sts.<domain>/.well-known/mta-sts.txt`. It must verify the server's
 * certificate for that host name (RFC 8461 3.3) and must not follow redirects. Rejects on failure.
 */
export type MtaStsFetcher = (
  url: string,
  options: { readonly signal?: AbortSignal },
) => Promise<MtaStsResponse>;

/** Options of {@link createMtaSts}. */
export interface MtaStsOptions {
  /** The HTTPS fetcher. */
  readonly fetch: MtaStsFetcher;
  /** TXT lookups (the dns package's `resolveTxt`). */
  readonly resolveTxt: (name: string, options?: { signal?: AbortSignal }) => Promise<string[]>;
  /** Time source for max_age. */
  readonly clock: Clock;
  /** Where refusals and failures are logged. */
  readonly logger: Logger;
}

/** The policy store of a transfer agent. */
export interface MtaSts {
  /** The policy in force for `domain`, or undefined when it has none (or none could be had). */
  policyFor(domain: string, signal?: AbortSignal): Promise<MtaStsPolicy | undefined>;
}

/** Parses a policy body; undefined when it is not a valid STSv1 policy. */
export function parseMtaStsPolicy(body: string): MtaStsPolicy | undefined {
  if (body.length > 64 * 1024) return undefined;
  let version: string | undefined;
  let mode: string | undefined;
  let maxAge: number | undefined;
  const mx: string[] = [];
  for (const raw of body.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    const key = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (key === 'version') version = value;
    else if (key === 'mode') mode = value;
    else if (key === 'max_age') maxAge = /^\d{1,10}$/.test(value) ? Number(value) : undefined;
    else if (key === 'mx') mx.push(value.toLowerCase().replace(/\.$/, ''));
  }
  if (version !== 'STSv1' || maxAge === undefined) return undefined;
  if (mode !== 'enforce' && mode !== 'testing' && mode !== 'none') return undefined;
  if (mode !== 'none' && mx.length === 0) return undefined;
  // RFC 8461 3.2: max_age at most 31557600 s.
  return { mode, mx, maxAgeSeconds: Math.min(maxAge, 31_557_600) };
}

/** The `id` of a `v=STSv1; id=...` TXT record set, or undefined (none, or several). */
export function parseMtaStsTxt(records: readonly string[]): string | undefined {
  const sts = records.filter((r) => /^v=STSv1\s*(;|$)/.test(r));
  if (sts.length !== 1) return undefined;
  const m = /(?:^|;)\s*id=([A-Za-z0-9]{1,32})\s*(?:;|$)/.exec(sts[0]);
  return m?.[1];
}

/** True when an MX host name matches a policy pattern (RFC 8461 4.1: a wildcard covers one label). */
export function mxMatches(pattern: string, host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (pattern.startsWith('*.')) {
    const rest = pattern.slice(1);
    const dot = h.indexOf('.');
    return dot > 0 && h.slice(dot) === rest;
  }
  return h === pattern;
}

/** Creates the store. */
export function createMtaSts(options: MtaStsOptions): MtaSts {
  const cache = new Map<string, { id: string; policy: MtaStsPolicy; expiresAt: number }>();
  return {
    async policyFor(domain, signal) {
      const d = domain.toLowerCase();
      const cached = cache.get(d);
      const valid = cached !== undefined && cached.expiresAt > options.clock.now() ? cached : undefined;
      if (valid === undefined && cached !== undefined) cache.delete(d);
      let id: string | undefined;
      try {
        id = parseMtaStsTxt(await options.resolveTxt(`_mta-sts.${d}`, { signal }));
      } catch {
        id = undefined;
      }
      // No record: a cached policy stays in force until it expires (RFC 8461 3.3, 5.1).
      if (id === undefined) return valid?.policy;
      if (valid !== undefined && valid.id === id) return valid.policy;
      try {
        const res = await options.fetch(`https://mta-sts.${d}/.well-known/mta-sts.txt`, { signal });
        const type = res.contentType?.split(';')[0].trim().toLowerCase();
        const policy =
          res.status === 200 && (type === undefined || type === 'text/plain')
            ? parseMtaStsPolicy(res.body)
            : undefined;
        if (policy === undefined) {
          options.logger.warn({ domain: d, status: res.status }, 'MTA-STS policy unusable');
          return valid?.policy;
        }
        cache.set(d, { id, policy, expiresAt: options.clock.now() + policy.maxAgeSeconds * 1000 });
        return policy;
      } catch (err) {
        options.logger.warn({ domain: d, error: String(err) }, 'MTA-STS policy fetch failed');
        return valid?.policy;
      }
    },
  };
}
