/**
 * The SPF check of one SMTP transaction (RFC 7208 sections 2.3, 2.4 and 4.3): pick the identity
 * (MAIL FROM, or HELO when the reverse path is null), do the initial processing, run check_host()
 * under a time limit and report the result with what the Received-SPF header needs.
 */
import { type Clock, type Reason, systemClock } from '@mailroute/envelope';
import type { AuthResolver } from '../resolver.js';
import {
  checkHost,
  type Evaluation,
  isQueryableDomain,
  type ParsedRecordCache,
  parsedRecordCache,
  RFC7208_LIMITS,
  type SpfLimits,
  type SpfResult,
} from './check-host.js';
import { parseClientIp } from './ip.js';

/** Input of {@link checkSpf}. */
export interface SpfCheckInput {
  /** The SMTP client's address (IPv4, IPv6 or IPv4-mapped IPv6). */
  readonly ip: string;
  /** The MAIL FROM address without angle brackets; `''` for the null reverse path. */
  readonly mailFrom: string;
  /** The HELO/EHLO argument. */
  readonly helo: string;
  /** Which identity to check; default: MAIL FROM, or HELO when `mailFrom` is empty. */
  readonly identity?: 'mailfrom' | 'helo';
}

/** Options of {@link checkSpf}. */
export interface SpfCheckOptions {
  /** Where lookups go: a `MailResolver` of `@mailroute/dns` or anything of that shape. */
  readonly resolver: AuthResolver;
  /** Our host name, for the `r` macro and `receiver=`; default "unknown". */
  readonly receiver?: string;
  /** The processing limits; default RFC 7208's (10 DNS terms, 2 void lookups, 10 MX/PTR names). */
  readonly limits?: Partial<SpfLimits>;
  /** Whole-evaluation time limit in ms; RFC 7208 section 4.6.4 asks for at least 20 s. Default 20000. */
  readonly timeoutMs?: number;
  /** For the `t` macro and the time limit; default the system clock. */
  readonly clock?: Clock;
  /**
   * The explanation of a fail when the domain publishes no usable exp= (RFC 7208 section 6.2), a
   * macro-string such as `"%{i} is not one of %{d}'s designated mail servers."`; default none.
   */
  readonly defaultExplanation?: string;
  /** Cancels the evaluation (the result is then temperror). */
  readonly signal?: AbortSignal;
}

/** What an SPF check found: the result with everything Received-SPF and Authentication-Results report. */
export interface SpfVerdict {
  /** The result. */
  readonly result: SpfResult;
  /** Which identity was checked. */
  readonly identity: 'mailfrom' | 'helo';
  /** The domain of the identity (before redirects). */
  readonly domain: string;
  /** The sender used in macros: local-part@domain ("postmaster" when the local part is empty). */
  readonly sender: string;
  /** The client address as given. */
  readonly clientIp: string;
  /** The HELO/EHLO argument. */
  readonly helo: string;
  /** Our host name. */
  readonly receiver: string;
  /** The mechanism that decided, as written (`default` when none matched). */
  readonly mechanism?: string;
  /** The explanation of a fail, from the domain's exp= (already expanded). */
  readonly explanation?: string;
  /** Why, for none, temperror and permerror. */
  readonly problem?: Reason;
  /** DNS-querying terms used. */
  readonly dnsTerms: number;
  /** Void lookups seen. */
  readonly voidLookups: number;
}

const DEFAULT_TIMEOUT_MS = 20_000;

function positiveInt(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

/**
 * Check SPF for one transaction. Never rejects for bad input or DNS trouble: those are results
 * (none, temperror, permerror) with a `problem`. Rejects with a RangeError only for invalid options.
 */
export async function checkSpf(input: SpfCheckInput, options: SpfCheckOptions): Promise<SpfVerdict> {
  return createSpfChecker({ ...options, parsedRecordCacheSize: 0 }).check(input);
}

/** Options of {@link createSpfChecker}: those of {@link checkSpf} and a cache size. */
export interface SpfCheckerOptions extends Omit<SpfCheckOptions, 'signal'> {
  /** Parsed SPF records kept by text (records are immutable, so only DNS decides freshness); default 1000, 0 = none. */
  readonly parsedRecordCacheSize?: number;
}

/** A reusable SPF checker: options validated once, parsed records kept. */
export interface SpfChecker {
  /** Check one transaction; `signal` cancels it. */
  check(input: SpfCheckInput, signal?: AbortSignal): Promise<SpfVerdict>;
}

/** Build a {@link SpfChecker}. Throws RangeError for invalid options. */
export function createSpfChecker(options: SpfCheckerOptions & { readonly signal?: AbortSignal }): SpfChecker {
  const limits: SpfLimits = {
    maxDnsTerms: positiveInt(options.limits?.maxDnsTerms ?? RFC7208_LIMITS.maxDnsTerms, 'limits.maxDnsTerms'),
    maxVoidLookups: positiveInt(
      options.limits?.maxVoidLookups ?? RFC7208_LIMITS.maxVoidLookups,
      'limits.maxVoidLookups',
    ),
    maxNamesPerTerm: positiveInt(
      options.limits?.maxNamesPerTerm ?? RFC7208_LIMITS.maxNamesPerTerm,
      'limits.maxNamesPerTerm',
    ),
  };
  const timeoutMs = positiveInt(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, 'timeoutMs');
  const clock = options.clock ?? systemClock;
  const receiver = options.receiver ?? 'unknown';
  const size = options.parsedRecordCacheSize ?? 1000;
  if (!Number.isInteger(size) || size < 0)
    throw new RangeError(`parsedRecordCacheSize must be a whole number, got ${size}`);
  const parsed: ParsedRecordCache | undefined = size > 0 ? parsedRecordCache(size) : undefined;
  return {
    check: (input, signal) =>
      evaluate(
        input,
        { ...options, signal: signal ?? options.signal },
        limits,
        timeoutMs,
        clock,
        receiver,
        parsed,
      ),
  };
}

async function evaluate(
  input: SpfCheckInput,
  options: SpfCheckOptions,
  limits: SpfLimits,
  timeoutMs: number,
  clock: Clock,
  receiver: string,
  parsed: ParsedRecordCache | undefined,
): Promise<SpfVerdict> {
  const identity = input.identity ?? (input.mailFrom === '' ? 'helo' : 'mailfrom');
  const helo = input.helo.trim();
  const from = identity === 'helo' ? '' : input.mailFrom.trim();
  const at = from.lastIndexOf('@');
  const local = at > 0 ? from.slice(0, at) : 'postmaster';
  const domain = (identity === 'helo' ? helo : at >= 0 ? from.slice(at + 1) : from).replace(/\.$/, '');
  const base = { identity, domain, sender: `${local}@${domain}`, clientIp: input.ip, helo, receiver };
  const none = (code: string, message: string): SpfVerdict => ({
    ...base,
    result: 'none',
    problem: { code, message, temporary: false },
    dnsTerms: 0,
    voidLookups: 0,
  });
  const ip = parseClientIp(input.ip);
  if (!ip) return { ...none('SPF_BAD_CLIENT_IP', `"${input.ip}" is not an IP address`), result: 'permerror' };
  // Section 4.3: a malformed domain or a domain literal gives none without any lookup.
  if (domain.startsWith('[') || !isQueryableDomain(domain))
    return none('SPF_BAD_DOMAIN', `"${domain}" is not a fully qualified domain name`);

  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) controller.abort(options.signal.reason);
  const timer = clock.setTimeout(() => controller.abort(new Error('SPF time limit')), timeoutMs);
  const ev: Evaluation = {
    dns: options.resolver,
    ip,
    sender: base.sender,
    local,
    senderDomain: domain,
    helo,
    receiver,
    nowSeconds: Math.floor(clock.now() / 1000),
    limits,
    signal: controller.signal,
    defaultExplanation: options.defaultExplanation,
    parsed,
    dnsTerms: 0,
    voidLookups: 0,
  };
  try {
    const checked = await checkHost(ev, domain);
    const timedOut = controller.signal.aborted && checked.result === 'temperror';
    return {
      ...base,
      result: checked.result,
      ...(checked.mechanism !== undefined && { mechanism: checked.mechanism }),
      ...(checked.explanation !== undefined && { explanation: checked.explanation }),
      ...(timedOut
        ? {
            problem: { code: 'SPF_TIMEOUT', message: `SPF evaluation over ${timeoutMs} ms`, temporary: true },
          }
        : checked.problem !== undefined && { problem: checked.problem }),
      dnsTerms: ev.dnsTerms,
      voidLookups: ev.voidLookups,
    };
  } finally {
    clock.clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}
