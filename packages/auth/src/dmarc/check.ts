/**
 * DMARC evaluation (RFC 7489 section 6.6): discover the policy at the From domain or its
 * organizational domain, test SPF and DKIM identifier alignment, and say which policy applies
 * after sp= and pct=.
 */
import type { DkimVerification } from '@mailroute/dkim';
import type { Reason } from '@mailroute/envelope';
import { type AuthResolver, settle } from '../resolver.js';
import { aligned, organizationalDomain } from './org-domain.js';
import { type DmarcPolicy, type DmarcRecord, isDmarcRecord, parseDmarcRecord } from './record.js';

/** The DMARC result (RFC 8601 / RFC 7489 section 11.2 words). */
export type DmarcResult = 'pass' | 'fail' | 'none' | 'temperror' | 'permerror';

/** The SPF outcome DMARC needs: the result and the domain it was for (MAIL FROM, or HELO for a null path). */
export interface DmarcSpfInput {
  /** The SPF result. */
  readonly result: string;
  /** The domain SPF authenticated. */
  readonly domain: string;
  /** `mailfrom` (default) or `helo` (SPF of the HELO name counts when the reverse path is null, RFC 7489 section 4.1). */
  readonly identity?: 'mailfrom' | 'helo';
}

/** Input of {@link checkDmarc}. */
export interface DmarcInput {
  /** The RFC5322.From domain (see `headerFromDomain`). */
  readonly fromDomain: string;
  /** The SPF outcome (an `SpfVerdict` fits), if SPF was checked. */
  readonly spf?: DmarcSpfInput;
  /** The DKIM verifications of `@mailroute/dkim`. */
  readonly dkim?: readonly DkimVerification[];
}

/** Options of {@link checkDmarc}. */
export interface DmarcOptions {
  /** Where the `_dmarc` TXT lookups go. */
  readonly resolver: AuthResolver;
  /** For pct= sampling: uniform in [0, 1); default Math.random. */
  readonly random?: () => number;
  /** Cancels the lookups (the result is then temperror). */
  readonly signal?: AbortSignal;
}

/** What DMARC found and what to do. */
export interface DmarcVerdict {
  /** pass when SPF or DKIM passed aligned; fail otherwise; none without a policy record. */
  readonly result: DmarcResult;
  /** The From domain. */
  readonly fromDomain: string;
  /** Its organizational domain. */
  readonly organizationalDomain: string;
  /** Where the record was found (`_dmarc.` is not included). */
  readonly recordDomain?: string;
  /** The record. */
  readonly record?: DmarcRecord;
  /** The published policy that applies to this From domain (p=, or sp= for a subdomain). */
  readonly policy: DmarcPolicy;
  /**
   * What to do with the message: `none` on pass or without a record; on fail the policy, lowered one
   * step (reject to quarantine, quarantine to none) when pct= sampling left the message out.
   */
  readonly disposition: DmarcPolicy;
  /** True when pct= sampling left this failing message out. */
  readonly sampledOut: boolean;
  /** SPF passed for an aligned domain. */
  readonly spfAligned: boolean;
  /** The d= of a passing, aligned DKIM signature, if any. */
  readonly dkimAlignedDomain?: string;
  /** Why, for none, temperror and permerror. */
  readonly problem?: Reason;
}

type Found = { domain: string; record: DmarcRecord } | { none: Reason } | { temp: Reason };

async function lookupRecord(domain: string, o: DmarcOptions): Promise<Found> {
  const txt = await settle(() => o.resolver.resolveTxt(`_dmarc.${domain}`, { signal: o.signal }));
  if (txt.kind === 'temp')
    return {
      temp: { code: 'DMARC_DNS_TEMPORARY', message: `_dmarc.${domain}: ${txt.message}`, temporary: true },
    };
  const records = txt.kind === 'ok' ? txt.value.filter(isDmarcRecord) : [];
  // Section 6.6.3: none, or more than one, ends discovery at this name.
  if (records.length !== 1)
    return {
      none: {
        code: 'DMARC_NO_RECORD',
        message: `_dmarc.${domain}: ${records.length === 0 ? 'no DMARC record' : `${records.length} DMARC records`}`,
        temporary: false,
      },
    };
  const parsed = parseDmarcRecord(records[0]!);
  if (!parsed.ok)
    return {
      none: { code: 'DMARC_BAD_RECORD', message: `_dmarc.${domain}: ${parsed.error}`, temporary: false },
    };
  return { domain, record: parsed.record };
}

const LOWER: Record<DmarcPolicy, DmarcPolicy> = { reject: 'quarantine', quarantine: 'none', none: 'none' };

/** Evaluate DMARC for one message. Never rejects: DNS trouble is a temperror verdict. */
export async function checkDmarc(input: DmarcInput, options: DmarcOptions): Promise<DmarcVerdict> {
  const from = input.fromDomain.toLowerCase().replace(/\.$/, '');
  const org = organizationalDomain(from);
  const base = { fromDomain: from, organizationalDomain: org, sampledOut: false, spfAligned: false };
  let found = await lookupRecord(from, options);
  if ('none' in found && org !== from) found = await lookupRecord(org, options);
  if ('temp' in found)
    return { ...base, result: 'temperror', policy: 'none', disposition: 'none', problem: found.temp };
  if ('none' in found)
    return { ...base, result: 'none', policy: 'none', disposition: 'none', problem: found.none };
  const { record, domain: recordDomain } = found;
  const policy = recordDomain !== from ? record.sp : record.p;
  const spfAligned =
    input.spf !== undefined && input.spf.result === 'pass' && aligned(input.spf.domain, from, record.aspf);
  const dkimAligned = (input.dkim ?? []).find(
    (d) => d.result === 'pass' && d.domain !== undefined && aligned(d.domain, from, record.adkim),
  );
  const common = {
    ...base,
    recordDomain,
    record,
    policy,
    spfAligned,
    ...(dkimAligned?.domain !== undefined && { dkimAlignedDomain: dkimAligned.domain.toLowerCase() }),
  };
  if (spfAligned || dkimAligned) return { ...common, result: 'pass', disposition: 'none' };
  const sampledOut = record.pct < 100 && (options.random ?? Math.random)() * 100 >= record.pct;
  return { ...common, result: 'fail', sampledOut, disposition: sampledOut ? LOWER[policy] : policy };
}
