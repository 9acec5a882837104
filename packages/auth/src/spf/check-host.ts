/**
 * check_host() (RFC 7208 sections 4 to 6): fetch and select the record, evaluate its mechanisms in
 * order under the processing limits, follow include and redirect, and build the explanation of a
 * fail from exp=. Every DNS or syntax problem ends as a temperror or permerror with a reason; nothing
 * here throws for bad input.
 */
import type { Reason } from '@mailroute/envelope';
import { type AuthResolver, type LookupOutcome, settle } from '../resolver.js';
import { addressMatches, type ClientIp, samePrefix } from './ip.js';
import { expandMacros, fitDomain, type MacroToken, type MacroValues, parseMacroString } from './macro.js';
import {
  isSpfRecord,
  parseSpfRecord,
  type SpfMechanism,
  type SpfParse,
  type SpfQualifier,
} from './record.js';

/** The seven SPF results (RFC 7208 section 2.6). */
export type SpfResult = 'none' | 'neutral' | 'pass' | 'fail' | 'softfail' | 'temperror' | 'permerror';

/** The processing limits (section 4.6.4); the RFC's values are the defaults. */
export interface SpfLimits {
  /** Terms that query DNS (include, a, mx, ptr, exists, redirect) per evaluation; RFC: 10. */
  readonly maxDnsTerms: number;
  /** Lookups answered NXDOMAIN or NODATA per evaluation; RFC: 2. */
  readonly maxVoidLookups: number;
  /** MX records per mx mechanism and PTR names per ptr mechanism; RFC: 10. */
  readonly maxNamesPerTerm: number;
}

/** The RFC 7208 limits. */
export const RFC7208_LIMITS: SpfLimits = Object.freeze({
  maxDnsTerms: 10,
  maxVoidLookups: 2,
  maxNamesPerTerm: 10,
});

/** A bounded store of parsed records, by record text. */
export interface ParsedRecordCache {
  /** The parse of `text`, if kept. */
  get(text: string): SpfParse | undefined;
  /** Keep a parse. */
  set(text: string, parsed: SpfParse): void;
}

/** A first-in-first-out bounded {@link ParsedRecordCache}. */
export function parsedRecordCache(maxEntries: number): ParsedRecordCache {
  const map = new Map<string, SpfParse>();
  return {
    get: (text) => map.get(text),
    set(text, parsed) {
      if (map.size >= maxEntries) map.delete(map.keys().next().value as string);
      map.set(text, parsed);
    },
  };
}

/** The outcome of one check_host() evaluation. */
export interface HostCheck {
  /** The result. */
  readonly result: SpfResult;
  /** The domain whose record decided (after redirects). */
  readonly domain: string;
  /** The mechanism that matched, as written; `default` when none did. */
  readonly mechanism?: string;
  /** The explanation of a fail (exp=), expanded. */
  readonly explanation?: string;
  /** Why, for temperror and permerror (and none): code and message. */
  readonly problem?: Reason;
}

/** Shared state of one evaluation, across includes and redirects. */
export interface Evaluation {
  readonly dns: AuthResolver;
  readonly ip: ClientIp;
  readonly sender: string;
  readonly local: string;
  readonly senderDomain: string;
  readonly helo: string;
  readonly receiver: string;
  readonly nowSeconds: number;
  readonly limits: SpfLimits;
  readonly signal: AbortSignal | undefined;
  readonly defaultExplanation: string | undefined;
  /** Parsed records by text, kept by a checker across evaluations (records are immutable). */
  readonly parsed: ParsedRecordCache | undefined;
  dnsTerms: number;
  voidLookups: number;
}

const RESULT_OF: Record<SpfQualifier, SpfResult> = {
  '+': 'pass',
  '-': 'fail',
  '~': 'softfail',
  '?': 'neutral',
};

/** A term's outcome inside evaluation: matched or not, or an error that ends the evaluation. */
type TermOutcome = boolean | { readonly error: 'temperror' | 'permerror'; readonly problem: Reason };

function problem(code: string, message: string, temporary = false): Reason {
  return { code, message, temporary };
}

function permerror(code: string, message: string): TermOutcome {
  return { error: 'permerror', problem: problem(code, message) };
}

function temperror(message: string): TermOutcome {
  return { error: 'temperror', problem: problem('SPF_DNS_TEMPORARY', message, true) };
}

/** True when `name` can be queried: 1..63-octet labels, at most 253 characters, at least two labels. */
export function isQueryableDomain(name: string): boolean {
  const n = name.endsWith('.') ? name.slice(0, -1) : name;
  if (n.length === 0 || n.length > 253) return false;
  const labels = n.split('.');
  return labels.length >= 2 && labels.every((l) => l.length >= 1 && l.length <= 63);
}

function macroValues(ev: Evaluation, domain: string): MacroValues {
  let validated: Promise<string> | undefined;
  return {
    sender: ev.sender,
    local: ev.local,
    senderDomain: ev.senderDomain,
    domain,
    ip:
      ev.ip.family === 4
        ? ev.ip.text
        : Array.from(ev.ip.bytes)
            .flatMap((b) => [(b >> 4).toString(16), (b & 0xf).toString(16)])
            .join('.')
            .toUpperCase(), // RFC 7208 section 7.4's example writes the nibbles in upper case
    clientText: ev.ip.text,
    version: ev.ip.family === 4 ? 'in-addr' : 'ip6',
    helo: ev.helo,
    receiver: ev.receiver,
    timestamp: String(ev.nowSeconds),
    validatedName: () => {
      validated ??= validatedName(ev, domain);
      return validated;
    },
  };
}

/** The addresses of `name` in the client's family. */
function addressesOf(ev: Evaluation, name: string): Promise<LookupOutcome<string[]>> {
  const o = { signal: ev.signal, rawName: true }; // the expanded name as-is (RFC 7208 section 4.8)
  return settle(() => (ev.ip.family === 4 ? ev.dns.resolveA(name, o) : ev.dns.resolveAaaa(name, o)));
}

/**
 * The client's names confirmed by a forward lookup (section 5.5), at most `maxNamesPerTerm` PTR names
 * tried; errors only remove names.
 */
async function validatedNames(ev: Evaluation): Promise<{ names: string[]; void: boolean }> {
  const ptr = await settle(() => ev.dns.resolvePtr(ev.ip.text, { signal: ev.signal }));
  if (ptr.kind !== 'ok') return { names: [], void: ptr.kind === 'void' };
  const names: string[] = [];
  for (const name of ptr.value.slice(0, ev.limits.maxNamesPerTerm)) {
    const addrs = await addressesOf(ev, name);
    if (
      addrs.kind === 'ok' &&
      addrs.value.some((a) => addressMatches(ev.ip, a, ev.ip.family === 4 ? 32 : 128))
    )
      names.push(name.toLowerCase().replace(/\.$/, ''));
  }
  return { names, void: false };
}

function under(name: string, domain: string): boolean {
  const d = domain.toLowerCase().replace(/\.$/, '');
  return name === d || name.endsWith(`.${d}`);
}

/** The "p" macro: the target domain if validated, else a subdomain of it, else any validated name. */
async function validatedName(ev: Evaluation, domain: string): Promise<string> {
  const { names } = await validatedNames(ev);
  const d = domain.toLowerCase();
  return names.find((n) => n === d) ?? names.find((n) => under(n, d)) ?? names[0] ?? 'unknown';
}

async function target(
  ev: Evaluation,
  tokens: readonly MacroToken[] | undefined,
  domain: string,
): Promise<string> {
  if (!tokens) return domain;
  return fitDomain(await expandMacros(tokens, macroValues(ev, domain)));
}

function countDnsTerm(ev: Evaluation): TermOutcome | undefined {
  ev.dnsTerms++;
  if (ev.dnsTerms > ev.limits.maxDnsTerms)
    return permerror('SPF_TOO_MANY_LOOKUPS', `more than ${ev.limits.maxDnsTerms} DNS-querying terms`);
  return undefined;
}

function countVoid(ev: Evaluation): TermOutcome | undefined {
  ev.voidLookups++;
  if (ev.voidLookups > ev.limits.maxVoidLookups)
    return permerror('SPF_TOO_MANY_VOID_LOOKUPS', `more than ${ev.limits.maxVoidLookups} void lookups`);
  return undefined;
}

async function evaluateMechanism(ev: Evaluation, m: SpfMechanism, domain: string): Promise<TermOutcome> {
  if (m.kind === 'all') return true;
  if (m.kind === 'ip4' || m.kind === 'ip6') {
    const family = m.kind === 'ip4' ? 4 : 6;
    return ev.ip.family === family && samePrefix(ev.ip.bytes, m.network.bytes, m.prefix);
  }
  const limit = countDnsTerm(ev);
  if (limit) return limit;
  const name = await target(ev, 'domain' in m ? m.domain : undefined, domain);
  switch (m.kind) {
    case 'include': {
      if (!isQueryableDomain(name))
        return permerror('SPF_BAD_DOMAIN', `include target "${name}" is not a domain`);
      const inner = await checkHost(ev, name, true);
      if (inner.result === 'pass') return true;
      if (inner.result === 'fail' || inner.result === 'softfail' || inner.result === 'neutral') return false;
      if (inner.result === 'temperror') return { error: 'temperror', problem: inner.problem! };
      if (inner.result === 'none')
        return permerror(
          'SPF_INCLUDE_NONE',
          `include:${name} has no SPF record (${inner.problem?.message ?? 'none'})`,
        );
      return { error: 'permerror', problem: inner.problem! };
    }
    case 'a':
    case 'exists': {
      if (!isQueryableDomain(name)) return false;
      const o = { signal: ev.signal, rawName: true }; // the expanded name as-is (RFC 7208 section 4.8)
      const r =
        m.kind === 'exists' ? await settle(() => ev.dns.resolveA(name, o)) : await addressesOf(ev, name);
      if (r.kind === 'temp') return temperror(r.message);
      if (r.kind === 'void') return countVoid(ev) ?? false;
      if (r.kind === 'none') return false;
      if (m.kind === 'exists') return r.value.length > 0;
      const prefix = 'cidr4' in m ? (ev.ip.family === 4 ? m.cidr4 : m.cidr6) : 128;
      return r.value.some((a) => addressMatches(ev.ip, a, prefix));
    }
    case 'mx': {
      if (!isQueryableDomain(name)) return false;
      const r = await settle(() => ev.dns.resolveMx(name, { signal: ev.signal }));
      if (r.kind === 'temp') return temperror(r.message);
      if (r.kind === 'void') return countVoid(ev) ?? false;
      if (r.kind === 'none') return false;
      // The dns resolver falls back to the domain's own address when there is no MX (RFC 5321);
      // SPF does not: no MX records is a void answer and no match.
      if (r.value.implicit) return countVoid(ev) ?? false;
      const records = r.value.hosts.length + r.value.skipped.length;
      if (records > ev.limits.maxNamesPerTerm)
        return permerror(
          'SPF_TOO_MANY_MX',
          `${name} has ${records} MX records, over ${ev.limits.maxNamesPerTerm}`,
        );
      const prefix = ev.ip.family === 4 ? m.cidr4 : m.cidr6;
      return r.value.hosts.some((h) => h.addresses.some((a) => addressMatches(ev.ip, a, prefix)));
    }
    case 'ptr': {
      const { names, void: isVoid } = await validatedNames(ev);
      if (isVoid) return countVoid(ev) ?? false;
      return names.some((n) => under(n, name));
    }
  }
}

/** Choose the one SPF record among the TXT records of `domain`. */
async function fetchRecord(
  ev: Evaluation,
  domain: string,
): Promise<{ text: string } | { result: 'none' | 'temperror' | 'permerror'; problem: Reason }> {
  const txt = await settle(() => ev.dns.resolveTxt(domain, { signal: ev.signal, rawName: true }));
  if (txt.kind === 'temp')
    return { result: 'temperror', problem: problem('SPF_DNS_TEMPORARY', txt.message, true) };
  if (txt.kind !== 'ok')
    return { result: 'none', problem: problem('SPF_NO_RECORD', `${domain}: no TXT records (${txt.reason})`) };
  const spf = txt.value.filter(isSpfRecord);
  if (spf.length === 0)
    return { result: 'none', problem: problem('SPF_NO_RECORD', `${domain} publishes no SPF record`) };
  if (spf.length > 1)
    return {
      result: 'permerror',
      problem: problem('SPF_MULTIPLE_RECORDS', `${domain} publishes ${spf.length} SPF records`),
    };
  return { text: spf[0]! };
}

/** Expand the explanation of a fail (section 6.2); any problem means no explanation. */
async function explain(
  ev: Evaluation,
  tokens: readonly MacroToken[],
  domain: string,
): Promise<string | undefined> {
  try {
    const name = await target(ev, tokens, domain);
    if (!isQueryableDomain(name)) return undefined;
    const txt = await settle(() => ev.dns.resolveTxt(name, { signal: ev.signal, rawName: true }));
    if (txt.kind !== 'ok' || txt.value.length !== 1) return undefined;
    const parsed = parseMacroString(txt.value[0]!, true);
    if (!parsed) return undefined;
    return await expandMacros(parsed, macroValues(ev, domain));
  } catch {
    return undefined;
  }
}

/** The receiver's own explanation (section 6.2), macro-expanded, when the domain gives none. */
async function defaultExplanation(ev: Evaluation, domain: string): Promise<string | undefined> {
  if (ev.defaultExplanation === undefined) return undefined;
  const parsed = parseMacroString(ev.defaultExplanation, true);
  return parsed
    ? expandMacros(parsed, macroValues(ev, domain)).catch(() => undefined)
    : ev.defaultExplanation;
}

/**
 * check_host(ip, domain, sender) over the shared evaluation state. `included` is true inside an
 * include, where the included record's exp= is not used (section 6.2).
 */
export async function checkHost(ev: Evaluation, domain: string, included = false): Promise<HostCheck> {
  if (ev.signal?.aborted)
    return {
      result: 'temperror',
      domain,
      problem: problem('SPF_TIMEOUT', 'the SPF evaluation timed out', true),
    };
  const fetched = await fetchRecord(ev, domain);
  if (!('text' in fetched)) return { result: fetched.result, domain, problem: fetched.problem };
  let parsed = ev.parsed?.get(fetched.text);
  if (parsed === undefined) {
    parsed = parseSpfRecord(fetched.text);
    ev.parsed?.set(fetched.text, parsed);
  }
  if (!parsed.ok)
    return { result: 'permerror', domain, problem: problem('SPF_SYNTAX', `${domain}: ${parsed.error}`) };
  const record = parsed.record;
  for (const m of record.mechanisms) {
    const outcome = await evaluateMechanism(ev, m, domain);
    if (typeof outcome === 'object')
      return { result: outcome.error, domain, mechanism: m.text, problem: outcome.problem };
    if (!outcome) continue;
    const result = RESULT_OF[m.qualifier];
    if (result === 'fail' && !included) {
      const explanation = record.exp ? await explain(ev, record.exp, domain) : undefined;
      const text = explanation ?? (await defaultExplanation(ev, domain));
      if (text !== undefined) return { result, domain, mechanism: m.text, explanation: text };
    }
    return { result, domain, mechanism: m.text };
  }
  if (record.redirect && !record.mechanisms.some((m) => m.kind === 'all')) {
    const limit = countDnsTerm(ev);
    if (typeof limit === 'object') return { result: limit.error, domain, problem: limit.problem };
    const name = await target(ev, record.redirect, domain);
    if (!isQueryableDomain(name))
      return {
        result: 'permerror',
        domain,
        problem: problem('SPF_BAD_DOMAIN', `redirect target "${name}" is not a domain`),
      };
    const next = await checkHost(ev, name, included);
    if (next.result === 'none')
      return {
        result: 'permerror',
        domain: name,
        problem: problem('SPF_REDIRECT_NONE', `redirect=${name} has no SPF record`),
      };
    return next;
  }
  return { result: 'neutral', domain, mechanism: 'default' };
}
