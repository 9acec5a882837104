/**
 * DNS block list queries (RFC 5782): the reversed address under the list's zone; an A answer in
 * 127.0.0.0/8 means listed, with the TXT record as the reason.
 */
import { isIPv4 } from 'node:net';
import { DnsError, isDnsError } from './errors.js';
import type { LookupEngine } from './lookup.js';
import { normalizeName, reverseName } from './names.js';

/** The answer of a DNSBL query. */
export interface DnsblResult {
  /** The list's zone. */
  readonly zone: string;
  /** The name that was queried (reversed address + zone). */
  readonly query: string;
  /** True when the list returned at least one 127.0.0.0/8 code. */
  readonly listed: boolean;
  /** The return codes (for example `127.0.0.2`), in answer order. */
  readonly codes: readonly string[];
  /** The TXT reason when listed and published (strings of each record joined, records joined by "; "). */
  readonly reason?: string;
  /** Answers outside 127.0.0.0/8, ignored as not a listing (RFC 5782 section 2.1 reserves 127/8 for codes). */
  readonly ignored: readonly string[];
}

/**
 * Ask `zone` about `address`. NXDOMAIN and NODATA mean not listed (and are negative-cached);
 * a temporary failure throws a {@link DnsError} with `temporary: true`; a bad address or zone throws
 * one with code `EBADNAME`.
 */
export async function queryDnsbl(
  engine: LookupEngine,
  address: string,
  zone: string,
  signal?: AbortSignal,
): Promise<DnsblResult> {
  const z = normalizeName(zone);
  const query = z === undefined ? undefined : reverseName(address.trim(), z);
  if (z === undefined || query === undefined || normalizeName(query) === undefined) {
    throw new DnsError('EBADNAME', {
      qname: `${address} ${zone}`,
      qtype: 'A',
      rcode: 'BADNAME',
      detail: 'not an IP address and a zone',
    });
  }
  let answers: string[] = [];
  try {
    const a = await engine.lookup(query, 'A', signal);
    answers = a.records.flatMap((r) => ('address' in r ? [r.address] : []));
  } catch (e) {
    if (isDnsError(e) && !e.temporary) return { zone: z, query, listed: false, codes: [], ignored: [] };
    throw e;
  }
  const codes = answers.filter((x) => isIPv4(x) && x.startsWith('127.'));
  const ignored = answers.filter((x) => !codes.includes(x));
  if (codes.length === 0) return { zone: z, query, listed: false, codes, ignored };
  let reason: string | undefined;
  try {
    const t = await engine.lookup(query, 'TXT', signal);
    reason = t.records.flatMap((r) => ('strings' in r ? [r.strings.join('')] : [])).join('; ');
  } catch (e) {
    // The reason is optional: a list without TXT, or a TXT lookup failing, still leaves the listing.
    if (!isDnsError(e)) throw e;
  }
  return reason === undefined
    ? { zone: z, query, listed: true, codes, ignored }
    : { zone: z, query, listed: true, codes, reason, ignored };
}
