/**
 * Connect: Inbound Connection Controls (deny / allow-only lists, verify the host name in DNS),
 * then the DNS whitelists and blacklists, sites in order, first hit wins.
 */
import { Replies, SmtpReply } from '@mailroute/envelope';
import type { DnsListHit, PolicyAction, PolicyDecision, PolicyItem } from './decision.js';
import type { ConnectFacts, DnsListAnswer } from './facts.js';
import { normalizeDomainName } from './names.js';
import type { CompiledDnsSite, CompiledRules } from './rules.js';
import { type HostView, viewHost } from './session.js';
import { Trace } from './trace.js';

/** The positive reply at connect; the server sends its own greeting (`SMTPGreeting`) instead. */
export const CONNECT_OK: SmtpReply = SmtpReply.of(220, undefined, 'Service ready');

function decide(
  action: PolicyAction,
  reply: SmtpReply,
  trace: Trace,
  items: readonly PolicyItem[] = [],
  listed?: DnsListHit,
): PolicyDecision {
  const d = { stage: 'connect' as const, action, reply, items, trace: trace.steps };
  return listed === undefined ? d : { ...d, listed };
}

/** Fills the two `%s` of the reject text: the IP, then the site. */
export function formatListedText(template: string, ip: string, site: string): string {
  let n = 0;
  return template.replace(/%s/g, (s) => {
    n++;
    return n === 1 ? ip : n === 2 ? site : s;
  });
}

/** The connect decision. */
export function decideConnect(rules: CompiledRules, facts: ConnectFacts): PolicyDecision {
  const trace = new Trace();
  const host = viewHost(rules, facts, trace);
  if (host.address === undefined) {
    trace.add('session.ip', 'fail', String(facts.ip), undefined, 'not an IP address');
    return decide('reject', Replies.connectionRefused, trace);
  }
  const c = rules.connection;
  if (!c.deny.isEmpty) {
    const hit = c.deny.match(host.claimed);
    trace.add('connection.deny', hit ? 'matched' : 'not-matched', host.shown, hit);
    if (hit) return decide('reject', Replies.connectionRefused, trace);
    if (!c.allowOnly.isEmpty)
      trace.add('connection.allowOnly', 'ignored', host.shown, undefined, 'the deny list has entries');
  } else if (!c.allowOnly.isEmpty) {
    const hit = c.allowOnly.match(host);
    trace.add('connection.allowOnly', hit ? 'matched' : 'not-matched', host.shown, hit);
    if (!hit) return decide('reject', Replies.connectionRefused, trace);
  }
  if (c.verifyHostName) {
    const ptr = facts.ptr;
    if (ptr?.result === 'found') {
      trace.add('connection.verifyHostName', 'pass', host.shown);
    } else if (ptr?.result === 'none') {
      trace.add('connection.verifyHostName', 'fail', host.shown, undefined, 'no PTR record');
      return decide(
        'reject',
        Replies.connectionRefused.withText(`Access denied: ${host.address.text} has no host name in DNS`),
        trace,
      );
    } else {
      // Domino refuses here too; a DNS outage is temporary, so the client is told to retry.
      trace.add(
        'connection.verifyHostName',
        'temperror',
        host.shown,
        undefined,
        ptr === undefined ? 'no reverse lookup was made' : 'reverse lookup failed',
      );
      return decide('tempfail', Replies.dnsTemporaryFailureAtConnect(host.address.text), trace);
    }
  }
  return dnsLists(rules, facts, host, trace);
}

function answerFor(answers: readonly DnsListAnswer[] | undefined, zone: string): DnsListAnswer | undefined {
  if (!Array.isArray(answers)) return undefined;
  for (const a of answers) {
    if (a === null || typeof a !== 'object' || typeof a.site !== 'string') continue;
    const n = normalizeDomainName(a.site);
    if (n.ok && n.value === zone) return a;
  }
  return undefined;
}

/** True when the answer is a hit for the site (any code, or one of the filtered codes). */
export function isHit(site: CompiledDnsSite, answer: DnsListAnswer): boolean {
  if (answer.result !== 'listed') return false;
  if (site.codes.size === 0) return true;
  return Array.isArray(answer.codes) && answer.codes.some((code) => site.codes.has(code));
}

function firstHit(
  sites: readonly CompiledDnsSite[],
  answers: readonly DnsListAnswer[] | undefined,
  rule: string,
  trace: Trace,
): CompiledDnsSite | undefined {
  for (const site of sites) {
    const answer = answerFor(answers, site.zone);
    if (answer === undefined) {
      trace.add(rule, 'skipped', site.zone, undefined, 'not queried');
    } else if (isHit(site, answer)) {
      trace.add(
        rule,
        'matched',
        site.zone,
        undefined,
        `listed (${(answer.codes ?? []).join(', ') || 'no code'})`,
      );
      return site;
    } else if (answer.result === 'temperror') {
      trace.add(rule, 'temperror', site.zone, undefined, 'query failed: treated as not listed');
    } else {
      const codes =
        answer.result === 'listed' ? ` (answer ${(answer.codes ?? []).join(', ')} filtered out)` : '';
      trace.add(rule, 'not-matched', site.zone, undefined, `not listed${codes}`);
    }
  }
  return undefined;
}

function dnsLists(rules: CompiledRules, facts: ConnectFacts, host: HostView, trace: Trace): PolicyDecision {
  const ip = host.address!.text;
  const wl = rules.dnsWhitelist;
  if (wl.enabled && wl.sites.length > 0) {
    const hit = firstHit(wl.sites, facts.dnsWhitelist, 'dnsWhitelist.sites', trace);
    if (hit !== undefined) {
      const listed: DnsListHit = { kind: 'whitelist', site: hit.zone, ip };
      trace.add('dnsBlacklist.sites', 'skipped', ip, undefined, `whitelisted at ${hit.zone}`);
      if (wl.action === 'tag')
        return decide('tag', CONNECT_OK, trace, [{ name: '$DNSWLSite', value: hit.zone }], listed);
      return decide('accept', CONNECT_OK, trace, [], listed);
    }
  }
  const bl = rules.dnsBlacklist;
  if (!bl.enabled || bl.sites.length === 0) {
    trace.add('dnsBlacklist.enabled', 'skipped', ip, undefined, bl.enabled ? 'no sites' : 'off');
    return decide('accept', CONNECT_OK, trace);
  }
  const hit = firstHit(bl.sites, facts.dnsBlacklist, 'dnsBlacklist.sites', trace);
  if (hit === undefined) return decide('accept', CONNECT_OK, trace);
  const listed: DnsListHit = { kind: 'blacklist', site: hit.zone, ip };
  trace.add(
    'dnsBlacklist.action',
    'matched',
    ip,
    undefined,
    bl.action === 'log' ? 'Log' : bl.action === 'tag' ? 'Log and tag message' : 'Log and reject message',
  );
  if (bl.action === 'reject')
    return decide(
      'reject',
      Replies.dnsblRejectedAtConnect(formatListedText(bl.rejectText, ip, hit.zone)),
      trace,
      [],
      listed,
    );
  if (bl.action === 'tag')
    return decide('tag', CONNECT_OK, trace, [{ name: '$DNSBLSite', value: hit.zone }], listed);
  return decide('accept', CONNECT_OK, trace, [], listed);
}
