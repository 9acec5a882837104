/**
 * Turns a plain configuration into compiled rules: every list into hash/prefix tables, every
 * setting checked against its allowed values. Bad entries and settings become problems naming
 * the field and the entry; compiling never throws and decisions never see a bad value.
 */
import { parseIPv4 } from '@mailroute/envelope';
import { compileAddressList } from './address-list.js';
import {
  DEFAULT_DNSBL_REJECT_TEXT,
  DEFAULT_ERROR_LIMIT,
  DEFAULT_VERIFY_DOMAIN_TIMEOUT_SECONDS,
  type DnsListSite,
  type DomainMatchMode,
  type PolicyConfig,
} from './config.js';
import { compileHostList, type HostListOptions } from './host-list.js';
import { GroupExpander } from './list-entry.js';
import { normalizeDomainName } from './names.js';
import { ProblemLog } from './problems.js';
import type { CompiledDnsSite, CompiledRules } from './rules.js';

function pick<T extends string | number>(
  problems: ProblemLog,
  field: string,
  value: unknown,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly unknown[]).includes(value)) return value as T;
  problems.error(
    field,
    `unknown value ${JSON.stringify(value)}; expected one of ${allowed.join(', ')}; using ${fallback}`,
  );
  return fallback;
}

function flag(problems: ProblemLog, field: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value === 'boolean') return value;
  if (value === 0 || value === 1) return value === 1;
  problems.error(field, `expected true or false, got ${JSON.stringify(value)}; using ${fallback}`);
  return fallback;
}

function positiveInt(
  problems: ProblemLog,
  field: string,
  value: unknown,
  fallback: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  // 0, NaN or a string would silently mean "no limit": refuse them and keep the default.
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= max) return value;
  problems.error(
    field,
    `expected a whole number from 1 to ${max}, got ${JSON.stringify(value)}; using ${fallback}`,
  );
  return fallback;
}

function section<T extends object>(problems: ProblemLog, field: string, value: T | undefined): Partial<T> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.error(field, 'must be an object; using the defaults');
    return {};
  }
  return value;
}

function compileSites(
  problems: ProblemLog,
  field: string,
  raw: readonly (string | DnsListSite)[] | undefined,
): CompiledDnsSite[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    problems.error(field, 'must be a list of sites');
    return [];
  }
  const out: CompiledDnsSite[] = [];
  raw.forEach((item, index) => {
    let zone: string;
    let codes: readonly unknown[] = [];
    if (typeof item === 'string') {
      const eq = item.indexOf('=');
      zone = eq < 0 ? item : item.slice(0, eq);
      if (eq >= 0) codes = item.slice(eq + 1).split(',');
    } else if (typeof item === 'object' && item !== null && typeof item.site === 'string') {
      zone = item.site;
      if (item.codes !== undefined) codes = Array.isArray(item.codes) ? item.codes : [item.codes];
    } else {
      problems.error(field, 'a site is a zone name or { site, codes }', JSON.stringify(item), index);
      return;
    }
    const name = normalizeDomainName(zone);
    if (!name.ok) {
      problems.error(field, name.reason.message, zone, index);
      return;
    }
    const accepted: string[] = [];
    for (const code of codes) {
      const text = typeof code === 'string' ? code.trim() : '';
      const v4 = parseIPv4(text);
      if (v4 === undefined) {
        problems.error(
          field,
          `answer code ${JSON.stringify(code)} is not an IPv4 address`,
          String(item),
          index,
        );
        continue;
      }
      if (v4 >>> 24 !== 127)
        problems.warning(field, `answer code ${text} is outside 127.0.0.0/8`, zone, index);
      accepted.push(text);
    }
    out.push({
      zone: name.value,
      codes: new Set(accepted),
      written: typeof item === 'string' ? item : zone,
      index,
    });
  });
  return out;
}

function rejectTextOf(problems: ProblemLog, value: unknown): string {
  if (value === undefined) return DEFAULT_DNSBL_REJECT_TEXT;
  const field = 'dnsBlacklist.rejectText';
  if (typeof value !== 'string' || value.trim().length === 0) {
    problems.error(field, 'must be non-empty text; using the default');
    return DEFAULT_DNSBL_REJECT_TEXT;
  }
  if (/[\x00-\x1f\x7f]/.test(value)) {
    problems.error(
      field,
      'contains control characters (a CR or LF would end the reply early); using the default',
      value,
    );
    return DEFAULT_DNSBL_REJECT_TEXT;
  }
  const count = value.split('%s').length - 1;
  if (count > 2) {
    problems.error(
      field,
      `has ${count} "%s"; only two are filled (the IP, then the site); using the default`,
      value,
    );
    return DEFAULT_DNSBL_REJECT_TEXT;
  }
  return value;
}

/** Compiles a configuration; every problem is logged, nothing throws. */
export function compileRules(config: PolicyConfig): { rules: CompiledRules; problems: ProblemLog } {
  const problems = new ProblemLog();
  const cfg: Partial<PolicyConfig> = section(problems, '(config)', config);
  const mode: DomainMatchMode = pick(
    problems,
    'domainMatch',
    cfg.domainMatch,
    ['label', 'substring'],
    'label',
  );
  const groups = new GroupExpander(cfg.groups, problems);
  const hosts: HostListOptions = { mode, groups, nameCoversSubdomains: true, allowStar: true };
  const relay = section(problems, 'relay', cfg.relay);
  const connection = section(problems, 'connection', cfg.connection);
  const sender = section(problems, 'sender', cfg.sender);
  const recipient = section(problems, 'recipient', cfg.recipient);
  const bl = section(problems, 'dnsBlacklist', cfg.dnsBlacklist);
  const wl = section(problems, 'dnsWhitelist', cfg.dnsWhitelist);
  const auth = section(problems, 'senderAuthentication', cfg.senderAuthentication);
  const localOpts: HostListOptions = { mode: 'label', groups, nameCoversSubdomains: false, allowStar: false };
  const rules: CompiledRules = {
    mode,
    localDomains: compileHostList('localInternetDomains', cfg.localInternetDomains, localOpts, problems),
    // The same entries, read as "a host name in a local Internet domain" (seed 004 section 9).
    localHostDomains: compileHostList(
      'localInternetDomains',
      cfg.localInternetDomains,
      { ...localOpts, nameCoversSubdomains: true },
      new ProblemLog(),
    ),
    localAddresses: compileHostList('localAddresses', cfg.localAddresses, { ...localOpts, mode }, problems),
    trustUnconfirmedPtr: flag(problems, 'trustUnconfirmedPtr', cfg.trustUnconfirmedPtr, false),
    relay: {
      allowTo: compileHostList('relay.allowTo', relay.allowTo, hosts, problems),
      denyTo: compileHostList('relay.denyTo', relay.denyTo, hosts, problems),
      allowFrom: compileHostList('relay.allowFrom', relay.allowFrom, hosts, problems),
      denyFrom: compileHostList('relay.denyFrom', relay.denyFrom, hosts, problems),
      exclude: compileHostList('relay.exclude', relay.exclude, hosts, problems),
      precedence: pick(problems, 'relay.precedence', relay.precedence, [0, 1], 0),
      enforcement: pick(
        problems,
        'relay.enforcement',
        relay.enforcement,
        ['external', 'all', 'none'],
        'external',
      ),
      authenticatedUsers: pick(
        problems,
        'relay.authenticatedUsers',
        relay.authenticatedUsers,
        ['enforce', 'exempt'],
        'enforce',
      ),
    },
    connection: {
      verifyHostName: flag(problems, 'connection.verifyHostName', connection.verifyHostName, false),
      allowOnly: compileHostList('connection.allowOnly', connection.allowOnly, hosts, problems),
      deny: compileHostList('connection.deny', connection.deny, hosts, problems),
      errorLimit: positiveInt(
        problems,
        'connection.errorLimit',
        connection.errorLimit,
        DEFAULT_ERROR_LIMIT,
        1000,
      ),
    },
    sender: {
      verifyDomain: flag(problems, 'sender.verifyDomain', sender.verifyDomain, false),
      verifyDomainTimeoutSeconds: positiveInt(
        problems,
        'sender.verifyDomainTimeoutSeconds',
        sender.verifyDomainTimeoutSeconds,
        DEFAULT_VERIFY_DOMAIN_TIMEOUT_SECONDS,
        600,
      ),
      allow: compileAddressList('sender.allow', sender.allow, mode, groups, problems),
      deny: compileAddressList('sender.deny', sender.deny, mode, groups, problems),
    },
    recipient: {
      verifyLocal: flag(problems, 'recipient.verifyLocal', recipient.verifyLocal, false),
      allow: compileAddressList('recipient.allow', recipient.allow, mode, groups, problems),
      deny: compileAddressList('recipient.deny', recipient.deny, mode, groups, problems),
      denyNotUnique: pick(problems, 'recipient.denyNotUnique', recipient.denyNotUnique, [0, 1], 0),
      denyMailToGroups: pick(
        problems,
        'recipient.denyMailToGroups',
        recipient.denyMailToGroups,
        [0, 1, 2],
        0,
      ),
    },
    dnsBlacklist: {
      enabled: flag(problems, 'dnsBlacklist.enabled', bl.enabled, false),
      sites: compileSites(problems, 'dnsBlacklist.sites', bl.sites),
      action: pick(problems, 'dnsBlacklist.action', bl.action, ['log', 'tag', 'reject'], 'log'),
      rejectText: rejectTextOf(problems, bl.rejectText),
      expandStatistics: flag(problems, 'dnsBlacklist.expandStatistics', bl.expandStatistics, false),
    },
    dnsWhitelist: {
      enabled: flag(problems, 'dnsWhitelist.enabled', wl.enabled, false),
      sites: compileSites(problems, 'dnsWhitelist.sites', wl.sites),
      action: pick(problems, 'dnsWhitelist.action', wl.action, ['log', 'tag'], 'log'),
    },
    verifyAuthenticatedSender: pick(
      problems,
      'verifyAuthenticatedSender',
      cfg.verifyAuthenticatedSender,
      [0, 1],
      0,
    ),
    senderAuthentication: {
      spf: pick(problems, 'senderAuthentication.spf', auth.spf, ['none', 'log', 'tag', 'reject'], 'none'),
      spfExceptions: compileHostList(
        'senderAuthentication.spfExceptions',
        auth.spfExceptions,
        hosts,
        problems,
      ),
      dkim: pick(problems, 'senderAuthentication.dkim', auth.dkim, ['none', 'log', 'tag'], 'none'),
      dmarc: pick(problems, 'senderAuthentication.dmarc', auth.dmarc, ['off', 'report', 'apply'], 'off'),
    },
  };
  return { rules, problems };
}

/** {@link compileRules}, but a config that cannot even be read (a throwing getter, a revoked proxy) gives the defaults. */
export function compileRulesSafely(config: PolicyConfig): { rules: CompiledRules; problems: ProblemLog } {
  try {
    return compileRules(config);
  } catch (error) {
    const compiled = compileRules({});
    const note = error instanceof Error ? error.message : String(error);
    compiled.problems.error('(config)', `the configuration could not be read (${note}); using the defaults`);
    return compiled;
  }
}
