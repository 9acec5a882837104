/**
 * `lintPolicy`: what an administrator should look at before trusting a configuration. It reports
 * the compile problems, open-relay configurations, entries that can never match, and conflicts
 * that the `SMTPRelayHostsandDomains` precedence resolves (saying which way).
 */
import type { AddressList } from './address-list.js';
import { compileRulesSafely } from './compile.js';
import type { PolicyConfig } from './config.js';
import type { HostList } from './host-list.js';
import type { ListEntry } from './list-entry.js';
import type { ProblemCode } from './problems.js';
import type { CompiledRules } from './rules.js';
import { entryText } from './trace.js';

/** Lint finding codes, stable for tools. */
export type LintCode =
  | ProblemCode
  | 'open-relay'
  | 'relay-closed-by-default'
  | 'allow-list-ignored'
  | 'never-matches'
  | 'redundant-entry'
  | 'precedence-conflict'
  | 'needs-verify-local'
  | 'dns-list-setup'
  | 'sender-authentication';

/** One finding. `error`: broken; `warning`: likely unsafe or not doing what it says; `info`: worth knowing. */
export interface LintFinding {
  readonly severity: 'error' | 'warning' | 'info';
  readonly code: LintCode;
  readonly field: string;
  readonly entry?: string;
  readonly message: string;
}

type Push = (
  severity: LintFinding['severity'],
  code: LintCode,
  field: string,
  message: string,
  entry?: ListEntry,
) => void;

/** Lints a configuration. Never throws. */
export function lintPolicy(config: PolicyConfig): LintFinding[] {
  const { rules, problems } = compileRulesSafely(config);
  const findings: LintFinding[] = problems.list.map((p) => ({
    severity: p.severity,
    code: p.code,
    field: p.field,
    ...(p.entry === undefined ? {} : { entry: p.entry }),
    message: p.message,
  }));
  const push: Push = (severity, code, field, message, entry) =>
    findings.push(
      entry === undefined
        ? { severity, code, field, message }
        : { severity, code, field, message, entry: entryText(entry) },
    );
  openRelay(rules, push);
  senderAuthentication(rules, push);
  ignoredAllowLists(rules, push);
  neverMatches(rules, push);
  for (const list of allHostLists(rules)) redundant(list, push);
  conflicts(rules, push);
  settings(rules, push);
  return findings;
}

/**
 * SPF "Log and reject" without exceptions refuses mail every forwarder relays (seed 001: "too
 * dangerous to Log and reject"); exceptions with SPF off do nothing.
 */
function senderAuthentication(rules: CompiledRules, push: Push): void {
  const a = rules.senderAuthentication;
  if (a.spf === 'reject' && a.spfExceptions.isEmpty)
    push(
      'warning',
      'sender-authentication',
      'senderAuthentication.spfExceptions',
      'SPF "Log and reject message" with no exception hosts refuses mail your forwarders and partners relay; list them, or Log and tag',
    );
  if (a.spf === 'none' && !a.spfExceptions.isEmpty)
    push(
      'info',
      'sender-authentication',
      'senderAuthentication.spf',
      'exception hosts are listed but the SPF check is off',
    );
}

function allHostLists(rules: CompiledRules): HostList[] {
  const r = rules.relay;
  return [
    r.allowTo,
    r.denyTo,
    r.allowFrom,
    r.denyFrom,
    r.exclude,
    rules.connection.allowOnly,
    rules.connection.deny,
  ];
}

/** Entries wide enough that relaying through them is as good as open: `*`, short prefixes, TLDs. */
function permissive(list: HostList): ListEntry[] {
  const out: ListEntry[] = [];
  if (list.any !== undefined) out.push(list.any);
  for (const e of list.ips.v4Entries()) if (e.bits < 16) out.push(e.value);
  for (const [name, cover] of list.names.entries())
    if (!name.includes('.') && cover.below) out.push(cover.below);
  return out;
}

function openRelay(rules: CompiledRules, push: Push): void {
  const r = rules.relay;
  if (r.enforcement === 'none')
    push(
      'warning',
      'open-relay',
      'relay.enforcement',
      'enforcement "None": every host can relay to any domain (an open relay)',
    );
  if (r.allowFrom.any !== undefined)
    push(
      'warning',
      'open-relay',
      'relay.allowFrom',
      '"*" in allow-from lets every host relay',
      r.allowFrom.any,
    );
  if (r.allowTo.any !== undefined && r.precedence === 0)
    push(
      'warning',
      'open-relay',
      'relay.allowTo',
      '"*" in allow-to allows relaying to every domain (Allow wins with SMTPRelayHostsandDomains=0)',
      r.allowTo.any,
    );
  if (r.denyTo.isEmpty)
    for (const e of permissive(r.allowFrom))
      if (e !== r.allowFrom.any)
        push(
          'warning',
          'open-relay',
          'relay.allowFrom',
          'deny-to is empty and this allow-from entry covers a large part of the Internet',
          e,
        );
  if (r.authenticatedUsers === 'exempt')
    push(
      'info',
      'open-relay',
      'relay.authenticatedUsers',
      'every authenticated user may relay: one leaked password opens the relay',
    );
  if (
    r.allowTo.isEmpty &&
    r.denyTo.isEmpty &&
    r.allowFrom.isEmpty &&
    r.denyFrom.isEmpty &&
    r.enforcement !== 'none'
  )
    push(
      'info',
      'relay-closed-by-default',
      'relay',
      'no relay controls are set: every relay from an enforced host is refused; write "*" in deny-to to say so explicitly',
    );
}

function ignoredAllowLists(rules: CompiledRules, push: Push): void {
  const pairs: [string, { isEmpty: boolean }, { isEmpty: boolean }][] = [
    ['connection.allowOnly', rules.connection.allowOnly, rules.connection.deny],
    ['sender.allow', rules.sender.allow, rules.sender.deny],
    ['recipient.allow', rules.recipient.allow, rules.recipient.deny],
  ];
  for (const [field, allow, deny] of pairs)
    if (!allow.isEmpty && !deny.isEmpty)
      push(
        'warning',
        'allow-list-ignored',
        field,
        'Domino ignores this Allow list while the matching Deny list has entries',
      );
}

function localName(rules: CompiledRules, name: string): boolean {
  return rules.localDomains.names.match(name) !== undefined;
}

function neverMatches(rules: CompiledRules, push: Push): void {
  for (const list of [rules.relay.allowTo, rules.relay.denyTo])
    for (const [name, cover] of list.names.entries()) {
      const entry = cover.self ?? cover.below;
      if (entry !== undefined && localName(rules, name))
        push(
          'warning',
          'never-matches',
          list.field,
          'a local Internet domain: mail to it is never a relay',
          entry,
        );
    }
  for (const list of [rules.recipient.allow, rules.recipient.deny]) recipientsOutsideLocal(rules, list, push);
  if (rules.relay.enforcement === 'none' && !rules.relay.exclude.isEmpty)
    push(
      'info',
      'never-matches',
      'relay.exclude',
      'enforcement is "None": the exclusion list is never consulted',
    );
}

function recipientsOutsideLocal(rules: CompiledRules, list: AddressList, push: Push): void {
  for (const [key, entry] of list.exact) {
    const domain = key.slice(key.lastIndexOf('@') + 1);
    if (!localName(rules, domain))
      push(
        'warning',
        'never-matches',
        list.field,
        'not in a local Internet domain: recipient controls apply to local recipients only',
        entry,
      );
  }
  for (const [name, cover] of list.domains.entries()) {
    const entry = cover.self ?? cover.below;
    const covered =
      localName(rules, name) ||
      (cover.below !== undefined && rules.localHostDomains.names.match(name) !== undefined);
    if (entry !== undefined && !covered)
      push(
        'warning',
        'never-matches',
        list.field,
        'not in a local Internet domain: recipient controls apply to local recipients only',
        entry,
      );
  }
}

function parentOf(name: string): string | undefined {
  const dot = name.indexOf('.');
  return dot < 0 ? undefined : name.slice(dot + 1);
}

function redundant(list: HostList, push: Push): void {
  if (list.entries.length < 2) return;
  for (const [name, cover] of list.names.entries()) {
    const entry = cover.self ?? cover.below;
    if (entry === undefined) continue;
    if (list.any !== undefined) {
      push('info', 'redundant-entry', list.field, 'covered by "*" in the same list', entry);
      continue;
    }
    const parent = parentOf(name);
    const wider = parent === undefined ? undefined : list.names.match(parent);
    if (wider !== undefined && wider.value !== entry && list.names.getExact(parent!)?.below !== undefined)
      push(
        'info',
        'redundant-entry',
        list.field,
        `covered by "${entryText(wider.value)}" in the same list`,
        entry,
      );
  }
}

function overlaps(a: HostList, b: HostList): { entry: ListEntry; other: ListEntry }[] {
  const out: { entry: ListEntry; other: ListEntry }[] = [];
  for (const [name, cover] of a.names.entries()) {
    const entry = cover.self ?? cover.below;
    const hit = b.names.match(name) ?? (b.any ? { value: b.any } : undefined);
    if (entry !== undefined && hit !== undefined) out.push({ entry, other: hit.value });
  }
  for (const e of a.ips.v4Entries()) {
    const hit = b.ips.matchV4(e.address);
    if (hit !== undefined) out.push({ entry: e.value, other: hit.value });
  }
  return out;
}

function conflicts(rules: CompiledRules, push: Push): void {
  const r = rules.relay;
  const winner =
    r.precedence === 0 ? 'Allow wins (SMTPRelayHostsandDomains=0)' : 'Deny wins (SMTPRelayHostsandDomains=1)';
  for (const { entry, other } of overlaps(r.allowTo, r.denyTo))
    push(
      'info',
      'precedence-conflict',
      'relay.allowTo',
      `also denied by deny-to "${entryText(other)}": ${winner}`,
      entry,
    );
  for (const { entry, other } of overlaps(r.allowFrom, r.denyFrom))
    push(
      'info',
      'precedence-conflict',
      'relay.allowFrom',
      `also denied by deny-from "${entryText(other)}": ${winner}`,
      entry,
    );
  if (!r.allowFrom.isEmpty && !r.denyTo.isEmpty)
    push(
      'info',
      'precedence-conflict',
      'relay.precedence',
      r.precedence === 0
        ? 'hosts in allow-from may relay even to domains in deny-to (Allow wins, SMTPRelayHostsandDomains=0)'
        : 'hosts in allow-from may not relay to domains in deny-to (Deny wins, SMTPRelayHostsandDomains=1)',
    );
}

function settings(rules: CompiledRules, push: Push): void {
  const rc = rules.recipient;
  if (!rc.verifyLocal && rc.denyNotUnique === 1)
    push(
      'warning',
      'needs-verify-local',
      'recipient.denyNotUnique',
      'SMTPDenyNotUniqueRCPT needs "Verify that local domain recipients exist"',
    );
  if (!rc.verifyLocal && rc.denyMailToGroups !== 0)
    push(
      'warning',
      'needs-verify-local',
      'recipient.denyMailToGroups',
      'SMTPDenyMailToGroups needs "Verify that local domain recipients exist"',
    );
  for (const [field, list] of [
    ['dnsBlacklist', rules.dnsBlacklist],
    ['dnsWhitelist', rules.dnsWhitelist],
  ] as const) {
    if (list.enabled && list.sites.length === 0)
      push('warning', 'dns-list-setup', `${field}.sites`, 'the filter is enabled but no site is listed');
    if (!list.enabled && list.sites.length > 0)
      push('info', 'dns-list-setup', `${field}.enabled`, 'sites are listed but the filter is off');
  }
  if (rules.localDomains.isEmpty)
    push(
      'warning',
      'never-matches',
      'localInternetDomains',
      'no local Internet domain: every recipient is a relay and no host is internal',
    );
}
