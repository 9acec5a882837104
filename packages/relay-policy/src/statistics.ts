/**
 * DNS list statistics as `show stat SMTP` reports them: hits per site, and per site and IP with
 * `SMTPExpandDNSBLStats=1`. The counters live in an object the caller owns (one per server), fed
 * with the connect decisions; the per-IP table is bounded so a flood of listed hosts cannot grow
 * memory without limit.
 */
import type { PolicyDecision } from './decision.js';

/** Options for {@link DnsListStatistics}. */
export interface DnsListStatisticsOptions {
  /** `SMTPExpandDNSBLStats`: count hits per site and IP. Default false. */
  readonly expandPerIp?: boolean;
  /** Most distinct site+IP counters kept; further IPs are counted in `untrackedIpHits`. Default 10,000. */
  readonly maxTrackedIps?: number;
}

/** Counters of DNS black- and whitelist hits. */
export class DnsListStatistics {
  /** Connections whose host was on some blacklist (`SMTP.DNSBL.TotalHits`). */
  totalBlacklistHits = 0;
  /** Connections whose host was on some whitelist. */
  totalWhitelistHits = 0;
  /** Per-IP hits not tracked because the table was full. */
  untrackedIpHits = 0;
  private readonly perSite = new Map<string, number>();
  private readonly perIp = new Map<string, number>();
  private readonly expand: boolean;
  private readonly maxTrackedIps: number;

  constructor(options: DnsListStatisticsOptions = {}) {
    this.expand = options.expandPerIp === true;
    const max = options.maxTrackedIps;
    this.maxTrackedIps = typeof max === 'number' && Number.isInteger(max) && max > 0 ? max : 10_000;
  }

  /** Counts the DNS list hit of a connect decision, if it has one. */
  record(decision: PolicyDecision): void {
    const hit = decision.listed;
    if (hit === undefined) return;
    const prefix = hit.kind === 'blacklist' ? 'SMTP.DNSBL' : 'SMTP.DNSWL';
    if (hit.kind === 'blacklist') this.totalBlacklistHits++;
    else this.totalWhitelistHits++;
    const siteKey = `${prefix}.${hit.site}.TotalHits`;
    this.perSite.set(siteKey, (this.perSite.get(siteKey) ?? 0) + 1);
    if (!this.expand || hit.kind !== 'blacklist') return;
    const ipKey = `${prefix}.${hit.site}.${hit.ip}.TotalHits`;
    const current = this.perIp.get(ipKey);
    if (current !== undefined) this.perIp.set(ipKey, current + 1);
    else if (this.perIp.size < this.maxTrackedIps) this.perIp.set(ipKey, 1);
    else this.untrackedIpHits++;
  }

  /** The statistics as `name = value` pairs, named like Domino's `show stat SMTP`. */
  snapshot(): Record<string, number> {
    const out: Record<string, number> = {
      'SMTP.DNSBL.TotalHits': this.totalBlacklistHits,
      'SMTP.DNSWL.TotalHits': this.totalWhitelistHits,
    };
    for (const [k, v] of this.perSite) out[k] = v;
    for (const [k, v] of this.perIp) out[k] = v;
    if (this.untrackedIpHits > 0) out['SMTP.DNSBL.UntrackedIpHits'] = this.untrackedIpHits;
    return out;
  }
}
