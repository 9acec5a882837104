/**
 * The SPF record parser (RFC 7208 sections 4.5, 4.6, 5 and 6). A record is parsed whole before any
 * term is evaluated, because a syntax error anywhere makes the result permerror (section 4.6).
 */
import { isIPv4, isIPv6 } from 'node:net';
import { type ClientIp, parseClientIp } from './ip.js';
import { type MacroToken, parseDomainSpec, parseMacroString } from './macro.js';

/** The qualifier of a mechanism and the result it gives on a match. */
export type SpfQualifier = '+' | '-' | '~' | '?';

/** Fields every mechanism has. */
export interface SpfMechanismBase {
  /** The qualifier (default "+"). */
  readonly qualifier: SpfQualifier;
  /** The term as written, for the Received-SPF `mechanism=` key. */
  readonly text: string;
}

/** One parsed mechanism. */
export type SpfMechanism =
  | (SpfMechanismBase & { readonly kind: 'all' })
  | (SpfMechanismBase & { readonly kind: 'include' | 'exists'; readonly domain: readonly MacroToken[] })
  | (SpfMechanismBase & {
      readonly kind: 'a' | 'mx';
      readonly domain: readonly MacroToken[] | undefined;
      readonly cidr4: number;
      readonly cidr6: number;
    })
  | (SpfMechanismBase & { readonly kind: 'ptr'; readonly domain: readonly MacroToken[] | undefined })
  | (SpfMechanismBase & {
      readonly kind: 'ip4' | 'ip6';
      readonly network: ClientIp;
      readonly prefix: number;
    });

/** A parsed SPF record. */
export interface SpfRecord {
  /** Mechanisms in order. */
  readonly mechanisms: readonly SpfMechanism[];
  /** The redirect= target, if any. */
  readonly redirect: readonly MacroToken[] | undefined;
  /** The exp= target, if any. */
  readonly exp: readonly MacroToken[] | undefined;
}

/** A parse outcome: the record, or the reason it is not one. */
export type SpfParse =
  | { readonly ok: true; readonly record: SpfRecord }
  | { readonly ok: false; readonly error: string };

const VERSION = /^v=spf1(?: |$)/i;

/** True when a TXT string is an SPF version 1 record (section 4.5: "v=spf1" then a space or the end). */
export function isSpfRecord(txt: string): boolean {
  return VERSION.test(txt);
}

const CIDR = /^(.*?)(?:\/(0|[1-9]\d{0,2}))?(?:\/\/(0|[1-9]\d{0,2}))?$/s;

function splitDualCidr(rest: string): { domain: string; cidr4: number; cidr6: number } | string {
  const m = CIDR.exec(rest)!;
  const cidr4 = m[2] === undefined ? 32 : Number(m[2]);
  const cidr6 = m[3] === undefined ? 128 : Number(m[3]);
  if (cidr4 > 32) return `IPv4 prefix /${cidr4} is over 32`;
  if (cidr6 > 128) return `IPv6 prefix //${cidr6} is over 128`;
  return { domain: m[1]!, cidr4, cidr6 };
}

function parseMechanism(term: string): SpfMechanism | string {
  let qualifier: SpfQualifier = '+';
  let body = term;
  if ('+-~?'.includes(body[0]!)) {
    qualifier = body[0] as SpfQualifier;
    body = body.slice(1);
  }
  const nameMatch = /^[a-z0-9]+/i.exec(body);
  if (!nameMatch) return `"${term}" is not a mechanism`;
  const name = nameMatch[0].toLowerCase();
  const rest = body.slice(name.length);
  if (rest !== '' && rest[0] !== ':' && rest[0] !== '/') return `"${term}" is not a mechanism`;
  const base = { qualifier, text: term };
  const arg = rest.startsWith(':') ? rest.slice(1) : undefined;
  switch (name) {
    case 'all':
      return rest === '' ? { ...base, kind: 'all' } : `"all" takes no argument: "${term}"`;
    case 'include':
    case 'exists': {
      if (arg === undefined) return `"${name}" needs a domain: "${term}"`;
      const domain = parseDomainSpec(arg);
      return domain ? { ...base, kind: name, domain } : `bad domain-spec in "${term}"`;
    }
    case 'a':
    case 'mx': {
      const split = splitDualCidr(arg ?? rest);
      if (typeof split === 'string') return split;
      if (arg === undefined) {
        if (split.domain !== '') return `"${term}" is not a mechanism`;
        return { ...base, kind: name, domain: undefined, cidr4: split.cidr4, cidr6: split.cidr6 };
      }
      const domain = parseDomainSpec(split.domain);
      if (!domain) return `bad domain-spec in "${term}"`;
      return { ...base, kind: name, domain, cidr4: split.cidr4, cidr6: split.cidr6 };
    }
    case 'ptr': {
      if (rest === '') return { ...base, kind: 'ptr', domain: undefined };
      if (arg === undefined) return `"ptr" takes no prefix length: "${term}"`;
      const domain = parseDomainSpec(arg);
      return domain ? { ...base, kind: 'ptr', domain } : `bad domain-spec in "${term}"`;
    }
    case 'ip4':
    case 'ip6': {
      if (arg === undefined) return `"${name}" needs an address: "${term}"`;
      const slash = arg.indexOf('/');
      const addr = slash < 0 ? arg : arg.slice(0, slash);
      const len = slash < 0 ? undefined : arg.slice(slash + 1);
      const max = name === 'ip4' ? 32 : 128;
      if (len !== undefined && !/^(0|[1-9]\d{0,2})$/.test(len)) return `bad prefix length in "${term}"`;
      const prefix = len === undefined ? max : Number(len);
      if (prefix > max) return `prefix /${prefix} is over ${max} in "${term}"`;
      const valid = name === 'ip4' ? isIPv4(addr) : isIPv6(addr);
      const network = valid ? parseClientIp(addr) : undefined;
      if (!network) return `bad address in "${term}"`;
      // An ip6 network written as an IPv4-mapped address keeps its IPv6 meaning.
      const net: ClientIp =
        name === 'ip6' && network.family === 4
          ? {
              family: 6,
              bytes: Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, ...network.bytes]),
              text: addr,
            }
          : network;
      return { ...base, kind: name, network: net, prefix };
    }
    default:
      return `unknown mechanism "${name}"`;
  }
}

/** Parse one SPF record (the TXT string that starts with "v=spf1"). */
export function parseSpfRecord(text: string): SpfParse {
  if (!isSpfRecord(text)) return { ok: false, error: 'not an SPF version 1 record' };
  if (/[^\x20-\x7e]/.test(text))
    return { ok: false, error: 'the record has characters outside printable US-ASCII' };
  const mechanisms: SpfMechanism[] = [];
  let redirect: MacroToken[] | undefined;
  let exp: MacroToken[] | undefined;
  for (const term of text.slice(6).split(' ')) {
    if (term === '') continue;
    const modifier = /^([a-z][a-z0-9\-_.]*)=(.*)$/is.exec(term);
    if (modifier) {
      const name = modifier[1]!.toLowerCase();
      const value = modifier[2]!;
      if (name === 'redirect' || name === 'exp') {
        if ((name === 'redirect' ? redirect : exp) !== undefined)
          return { ok: false, error: `"${name}" appears twice` };
        const domain = parseDomainSpec(value);
        if (!domain) return { ok: false, error: `bad domain-spec in "${term}"` };
        if (name === 'redirect') redirect = domain;
        else exp = domain;
      } else if (!parseMacroString(value)) {
        return { ok: false, error: `bad macro-string in modifier "${term}"` };
      }
      continue;
    }
    const mech = parseMechanism(term);
    if (typeof mech === 'string') return { ok: false, error: mech };
    mechanisms.push(mech);
  }
  return { ok: true, record: { mechanisms, redirect, exp } };
}
