/**
 * One record lookup: cache, coalescing of identical questions in flight, the retry schedule, CNAME
 * following. The retry schedule: attempt n (0-based) waits up to base * 2^n for an answer; a timeout
 * sends the next attempt at once, an early SERVFAIL or unusable answer waits out the rest of the
 * attempt's window first. So attempts start at 0, 1, 3, 7 ... base units and a lookup gives up after
 * base * (2^count - 1) at most (15 s with Domino's defaults).
 */

import { type Clock, type Logger, sleep } from '@mailroute/envelope';
import { raceAbort } from './abort.js';
import { type CacheEntry, ExpiringCache } from './answer-cache.js';
import { InflightMap } from './coalesce.js';
import { DnsError, temporaryCode } from './errors.js';
import { normalizeName, normalizeRawName } from './names.js';
import type { ResolvedOptions } from './options.js';
import type { MutableStats } from './stats.js';
import type { DnsRecord, DnsTransport, Rcode, RecordType, TransportAnswer } from './types.js';

/** Records of the asked type and the TTL (seconds, clamped) they may be kept for. */
export interface LookupResult {
  /** Records of the asked type (owner may be a CNAME target). */
  readonly records: readonly DnsRecord[];
  /** Seconds the answer stays valid. */
  readonly ttl: number;
}

/** How many CNAME hops a lookup follows, across answers, before calling the chain broken. */
const MAX_CNAME_HOPS = 8;
/** Outcomes worth another attempt (the issue: timeout or SERVFAIL; a garbled answer is treated alike). */
const RETRYABLE = new Set(['SERVFAIL', 'TIMEOUT', 'BADRESPONSE']);

/** Everything a lookup engine needs from its resolver. */
export interface LookupDeps {
  readonly transport: DnsTransport;
  readonly clock: Clock;
  readonly options: ResolvedOptions;
  readonly stats: MutableStats;
  /** Where per-query events go, at debug level; undefined when nobody listens. */
  readonly logger: Logger | undefined;
}

/**
 * What a resolver logs at debug level (Domino's `Debug_TCP_Resolver`), as the `event` field, in
 * the order it happens.
 */
export type DnsLogEvent =
  | 'cache-hit'
  | 'negative-hit'
  | 'coalesced'
  | 'query'
  | 'answer'
  | 'timeout'
  | 'retry-wait'
  | 'hosts-table';

/** Fields a debug record may carry beside `event`, `qname`, `qtype` and `at` (clock ms). */
interface EventFields {
  readonly attempt?: number;
  readonly rcode?: Rcode;
  readonly waitMs?: number;
  readonly detail?: string | undefined;
}

/** The per-resolver lookup engine. */
export class LookupEngine {
  readonly #d: LookupDeps;
  readonly #cache: ExpiringCache<CacheEntry>;
  readonly #inflight = new InflightMap<LookupResult>();

  /** Build an engine over `deps`. */
  constructor(deps: LookupDeps) {
    this.#d = deps;
    this.#cache = new ExpiringCache<CacheEntry>(deps.options.cacheMaxEntries);
  }

  /** Log one event at debug level, with the clock's time, when a logger is given. */
  emit(event: DnsLogEvent, qname: string, qtype: RecordType, extra?: EventFields): void {
    const logger = this.#d.logger;
    if (!logger) return;
    try {
      logger.debug({ event, qname, qtype, at: this.#d.clock.now(), ...extra }, `dns ${event}`);
    } catch {
      // A failing logger must not fail or hang a lookup.
    }
  }

  /**
   * Look up `type` records of `name`; throws a typed error or the signal's reason. `rawName`: the
   * name is checked with `normalizeRawName` (spaces allowed) instead of `normalizeName`.
   */
  lookup(name: string, type: RecordType, signal?: AbortSignal, rawName = false): Promise<LookupResult> {
    return this.#lookup(name, type, signal, 0, rawName);
  }

  #lookup(
    name: string,
    type: RecordType,
    signal: AbortSignal | undefined,
    depth: number,
    rawName = false,
  ): Promise<LookupResult> {
    const d = this.#d;
    d.stats.lookups++;
    const qname = rawName ? normalizeRawName(name) : normalizeName(name);
    if (qname === undefined) {
      d.stats.notFound++;
      return Promise.reject(new DnsError('EBADNAME', { qname: name, qtype: type, rcode: 'BADNAME' }));
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    const key = `${type} ${qname}`;
    const now = d.clock.now();
    const hit = this.#cache.get(key, now);
    if (hit?.kind === 'positive') {
      d.stats.cacheHits++;
      this.emit('cache-hit', qname, type);
      return Promise.resolve({ records: hit.records, ttl: Math.ceil((hit.expiresAt - now) / 1000) });
    }
    if (hit?.kind === 'negative') {
      d.stats.negativeHits++;
      d.stats.notFound++;
      this.emit('negative-hit', qname, type, { rcode: hit.rcode });
      hit.hitError ??= new DnsError(hit.code, {
        qname,
        qtype: type,
        rcode: hit.rcode,
        detail: 'from the negative cache',
      });
      return Promise.reject(hit.hitError);
    }
    // A lookup made while following a CNAME never joins another flight: two chains that point at each
    // other (a -> b while b -> a is in flight) would otherwise wait on each other for ever.
    if (depth > 0) return this.#fetch(qname, type, signal ?? new AbortController().signal, depth, rawName);
    if (this.#inflight.has(key)) {
      d.stats.coalesced++;
      this.emit('coalesced', qname, type);
    }
    return this.#inflight.run(key, (shared) => this.#fetch(qname, type, shared, depth, rawName), signal);
  }

  async #fetch(
    qname: string,
    type: RecordType,
    signal: AbortSignal,
    depth: number,
    rawName: boolean,
  ): Promise<LookupResult> {
    const d = this.#d;
    const key = `${type} ${qname}`;
    const { answer, attempts } = await this.#withRetries(qname, type, signal);
    const now = d.clock.now();
    if (answer.rcode === 'NXDOMAIN' || answer.rcode === 'NODATA') {
      const code = answer.rcode === 'NXDOMAIN' ? 'ENOTFOUND' : 'ENODATA';
      if (d.options.noHitCacheTtlSeconds > 0) {
        this.#cache.set(
          key,
          {
            kind: 'negative',
            rcode: answer.rcode,
            code,
            expiresAt: now + d.options.noHitCacheTtlSeconds * 1000,
          },
          now,
        );
      }
      d.stats.notFound++;
      throw new DnsError(code, { qname, qtype: type, rcode: answer.rcode, attempts, detail: answer.detail });
    }
    if (answer.rcode !== 'NOERROR') {
      d.stats.temporaryFailures++;
      throw new DnsError(temporaryCode(answer.rcode), {
        qname,
        qtype: type,
        rcode: answer.rcode,
        attempts,
        detail: answer.detail,
      });
    }
    // Follow the CNAME chain inside the answer, from the question's name.
    let owner = qname;
    let ttl = Number.POSITIVE_INFINITY;
    for (let hop = 0; hop <= MAX_CNAME_HOPS; hop++) {
      const matching = answer.records.filter((r) => r.name === owner && r.type === type);
      if (matching.length > 0) {
        for (const r of matching) ttl = Math.min(ttl, r.ttl);
        return this.#store(key, matching, ttl, now);
      }
      const alias = answer.records.find((r) => r.name === owner && r.type === 'CNAME');
      if (alias?.type !== 'CNAME') break;
      ttl = Math.min(ttl, alias.ttl);
      owner = alias.target;
    }
    if (owner !== qname && depth < MAX_CNAME_HOPS) {
      // The answer ended at an alias whose target it did not include: ask for the target.
      const next = await this.#lookup(owner, type, signal, depth + 1, rawName);
      return this.#store(key, next.records, Math.min(ttl, next.ttl), now);
    }
    d.stats.temporaryFailures++;
    throw new DnsError('EBADRESP', {
      qname,
      qtype: type,
      rcode: 'BADRESPONSE',
      attempts,
      detail: 'answer has no record of the asked type',
    });
  }

  #store(key: string, records: readonly DnsRecord[], ttl: number, now: number): LookupResult {
    const { minTtlSeconds, maxTtlSeconds } = this.#d.options;
    const clamped = Math.min(maxTtlSeconds, Math.max(minTtlSeconds, ttl));
    this.#cache.set(key, { kind: 'positive', records, expiresAt: now + clamped * 1000 }, now);
    return { records, ttl: clamped };
  }

  async #withRetries(
    qname: string,
    type: RecordType,
    signal: AbortSignal,
  ): Promise<{ answer: TransportAnswer; attempts: number }> {
    const { transport, clock, options, stats } = this.#d;
    let last: TransportAnswer = { rcode: 'TIMEOUT', records: [] };
    for (let attempt = 0; attempt < options.retryCount; attempt++) {
      if (attempt > 0) stats.retries++;
      stats.queries++;
      const window = options.retryBaseWaitMs * 2 ** attempt;
      const started = clock.now();
      this.emit('query', qname, type, { attempt });
      const attemptController = new AbortController();
      let timedOut = false;
      const timer = clock.setTimeout(() => {
        timedOut = true;
        attemptController.abort(new Error('attempt timed out'));
      }, window);
      const onOuterAbort = () => attemptController.abort(signal.reason);
      signal.addEventListener('abort', onOuterAbort, { once: true });
      try {
        last = await raceAbort(
          transport.query({ name: qname, type }, { signal: attemptController.signal, attempt }),
          attemptController.signal,
        );
      } catch (e) {
        if (signal.aborted) throw signal.reason;
        last = timedOut
          ? { rcode: 'TIMEOUT', records: [] }
          : { rcode: 'BADRESPONSE', records: [], detail: `transport failed: ${String(e)}` };
      } finally {
        clock.clearTimeout(timer);
        signal.removeEventListener('abort', onOuterAbort);
      }
      if (last.rcode === 'TIMEOUT') {
        stats.timeouts++;
        this.emit('timeout', qname, type, { attempt });
      } else {
        this.emit('answer', qname, type, { attempt, rcode: last.rcode, detail: last.detail });
      }
      if (!RETRYABLE.has(last.rcode)) return { answer: last, attempts: attempt + 1 };
      if (attempt + 1 < options.retryCount) {
        const rest = window - (clock.now() - started);
        if (rest > 0) {
          this.emit('retry-wait', qname, type, { attempt, waitMs: rest });
          await sleep(clock, rest, signal);
        }
      }
    }
    return { answer: last, attempts: options.retryCount };
  }
}
