/**
 * Aggregate report records (RFC 7489 section 7.2 and Appendix C) as data: one record per message
 * from `dmarcReportRecord`, merged into rows with counts by `mergeReportRecords`. Sending and the
 * XML envelope are the caller's (the schema's field names are kept so writing XML is a mapping).
 */
import type { DkimVerification } from '@mailroute/dkim';
import type { DmarcSpfInput, DmarcVerdict } from './check.js';
import type { DmarcPolicy } from './record.js';

/** One `<record>` of an aggregate report. */
export interface DmarcReportRecord {
  /** The policy published, as the report's `policy_published`. */
  readonly policy_published: {
    readonly domain: string;
    readonly adkim: 'r' | 's';
    readonly aspf: 'r' | 's';
    readonly p: DmarcPolicy;
    readonly sp: DmarcPolicy;
    readonly pct: number;
  };
  /** Where to send it (rua=). */
  readonly rua: readonly string[];
  /** The row. */
  readonly row: {
    readonly source_ip: string;
    count: number;
    readonly policy_evaluated: {
      readonly disposition: DmarcPolicy;
      readonly dkim: 'pass' | 'fail';
      readonly spf: 'pass' | 'fail';
      readonly reason?: readonly { readonly type: 'sampled_out'; readonly comment?: string }[];
    };
  };
  /** The identifiers. */
  readonly identifiers: { readonly header_from: string; readonly envelope_from?: string };
  /** The raw authentication results. */
  readonly auth_results: {
    readonly dkim: readonly {
      readonly domain: string;
      readonly selector?: string;
      readonly result: string;
    }[];
    readonly spf: readonly {
      readonly domain: string;
      readonly scope: 'mailfrom' | 'helo';
      readonly result: string;
    }[];
  };
}

/** The report record of one evaluated message; undefined when no policy record was found. */
export function dmarcReportRecord(
  verdict: DmarcVerdict,
  message: {
    readonly sourceIp: string;
    readonly spf?: DmarcSpfInput;
    readonly dkim?: readonly DkimVerification[];
  },
): DmarcReportRecord | undefined {
  const r = verdict.record;
  if (!r || !verdict.recordDomain) return undefined;
  return {
    policy_published: {
      domain: verdict.recordDomain,
      adkim: r.adkim,
      aspf: r.aspf,
      p: r.p,
      sp: r.sp,
      pct: r.pct,
    },
    rua: r.rua,
    row: {
      source_ip: message.sourceIp,
      count: 1,
      policy_evaluated: {
        disposition: verdict.disposition,
        dkim: verdict.dkimAlignedDomain !== undefined ? 'pass' : 'fail',
        spf: verdict.spfAligned ? 'pass' : 'fail',
        ...(verdict.sampledOut && { reason: [{ type: 'sampled_out' as const }] }),
      },
    },
    identifiers: {
      header_from: verdict.fromDomain,
      ...(message.spf?.identity !== 'helo' && message.spf && { envelope_from: message.spf.domain }),
    },
    auth_results: {
      dkim: (message.dkim ?? []).flatMap((d) =>
        d.domain ? [{ domain: d.domain, ...(d.selector && { selector: d.selector }), result: d.result }] : [],
      ),
      spf: message.spf
        ? [
            {
              domain: message.spf.domain,
              scope: message.spf.identity ?? 'mailfrom',
              result: message.spf.result,
            },
          ]
        : [],
    },
  };
}

/**
 * Merge records that differ only in count into one row each (the report groups identical rows),
 * in first-seen order. The input is not changed.
 */
export function mergeReportRecords(records: readonly DmarcReportRecord[]): DmarcReportRecord[] {
  const rows = new Map<string, DmarcReportRecord>();
  for (const rec of records) {
    const key = JSON.stringify({ ...rec, row: { ...rec.row, count: 0 } });
    const seen = rows.get(key);
    if (seen) seen.row.count += rec.row.count;
    else rows.set(key, { ...rec, row: { ...rec.row } });
  }
  return [...rows.values()];
}
