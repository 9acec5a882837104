/**
 * Pure MX decisions (RFC 5321 section 5.1, RFC 7505): which exchanges to use, in which order.
 */
import type { RandomSource } from '@mailroute/envelope';
import { looksLikeIpAddress } from './names.js';
import type { MxRecord } from './types.js';

/** An exchange to resolve, with its preference. */
export interface MxCandidate {
  /** Host name, lower case, no trailing dot. */
  readonly exchange: string;
  /** Lower is preferred. */
  readonly preference: number;
}

/** An MX record that was not used, and why. */
export interface SkippedMx {
  /** The exchange as published. */
  readonly exchange: string;
  /** Its preference. */
  readonly preference: number;
  /** Why it was not used. */
  readonly reason: 'ip-literal' | 'null-mx-among-others' | 'duplicate' | 'over-limit';
}

/** The outcome of {@link planMx}. */
export interface MxPlan {
  /** True when the only MX is the null MX (RFC 7505): the domain accepts no mail. */
  readonly nullMx: boolean;
  /** Exchanges to resolve, sorted by preference (stable: equal preferences keep answer order). */
  readonly candidates: readonly MxCandidate[];
  /** Records left out. */
  readonly skipped: readonly SkippedMx[];
}

/**
 * Decide which MX records to use. A lone null MX (`0 .`) means "no mail"; a null MX among other
 * records cannot be connected to and is skipped. Exchanges written as IP addresses are skipped (RFC 5321
 * section 5.1 requires a domain name there; using them would let a DNS answer pick an arbitrary
 * address literal). A host listed twice keeps its lowest preference. At most `limit` candidates.
 */
export function planMx(records: readonly MxRecord[], limit: number): MxPlan {
  if (records.length === 1 && records[0]!.exchange === '')
    return { nullMx: true, candidates: [], skipped: [] };
  const skipped: SkippedMx[] = [];
  const best = new Map<string, number>();
  for (const r of records) {
    if (r.exchange === '') {
      skipped.push({ exchange: '.', preference: r.preference, reason: 'null-mx-among-others' });
    } else if (looksLikeIpAddress(r.exchange)) {
      skipped.push({ exchange: r.exchange, preference: r.preference, reason: 'ip-literal' });
    } else {
      const seen = best.get(r.exchange);
      if (seen !== undefined)
        skipped.push({ exchange: r.exchange, preference: Math.max(seen, r.preference), reason: 'duplicate' });
      if (seen === undefined || r.preference < seen) best.set(r.exchange, r.preference);
    }
  }
  const sorted = [...best].map(([exchange, preference]) => ({ exchange, preference }));
  sorted.sort((a, b) => a.preference - b.preference);
  for (const extra of sorted.slice(limit)) skipped.push({ ...extra, reason: 'over-limit' });
  return { nullMx: false, candidates: sorted.slice(0, limit), skipped };
}

/**
 * Shuffle runs of equal preference in a list sorted by preference (RFC 5321 section 5.1: "randomize
 * them to spread the load"), Fisher-Yates with the injected random source. Returns a new array.
 */
export function shuffleEqualPreferences<T extends { readonly preference: number }>(
  sorted: readonly T[],
  random: RandomSource,
): T[] {
  const out = [...sorted];
  let start = 0;
  while (start < out.length) {
    let end = start + 1;
    while (end < out.length && out[end]!.preference === out[start]!.preference) end++;
    for (let i = end - 1; i > start; i--) {
      const r = random();
      const j =
        start + Math.min(i - start, Math.floor((Number.isFinite(r) ? Math.max(0, r) : 0) * (i - start + 1)));
      const t = out[i]!;
      out[i] = out[j]!;
      out[j] = t;
    }
    start = end;
  }
  return out;
}
