/**
 * `explain`: what the gateway would do with an envelope, without a socket and without mail. The
 * same gatherer the listener uses runs each stage (DNS from the static zone or the system), and
 * for each recipient the policy trace is printed, then routing's decision and the least-cost
 * route in the words of Domino's `DebugRouter=2`.
 */

import type { DkimSigningConfig } from '@mailroute/dkim';
import { formatReply, parseForwardPath, parseReversePath } from '@mailroute/envelope';
import { explainDecision, type PolicyDecision, type SessionFacts } from '@mailroute/relay-policy';
import { type DispatchDecision, dispatch } from '@mailroute/routing';
import type { GatewayCore } from './compose.js';

/** The envelope to explain. */
export interface ExplainInput {
  readonly ip: string;
  readonly helo?: string;
  /** MAIL FROM address; "" is the null sender. */
  readonly from: string;
  readonly recipients: readonly string[];
  /** Explain as if this user had authenticated. */
  readonly user?: string;
  /** The DKIM signing settings (notes.ini words), to say whether remote copies would be signed. */
  readonly dkim?: DkimSigningConfig;
}

/** What signing would do for the remote copies; the header From is assumed to be MAIL FROM's domain. */
function dkimLine(input: ExplainInput, domain: string | undefined): string {
  if (input.user === undefined) return 'dkim: remote copies not signed: anonymous session';
  if (input.dkim === undefined || !input.dkim.enabled)
    return 'dkim: remote copies not signed: RouterDKIMSigning is off';
  const selectors = domain === undefined ? undefined : input.dkim.selectors.get(domain.toLowerCase());
  if (selectors === undefined) return `dkim: remote copies not signed: no DKIM_KEY_${domain ?? '<domain>'}`;
  return `dkim: remote copies signed d=${domain} s=${selectors.join(', s=')} (if the header From is in ${domain} and the keys are in the store)`;
}

const explain = explainDecision;

function bracket(address: string): string {
  return address.startsWith('<') ? address : `<${address}>`;
}

function accepted(d: PolicyDecision): boolean {
  return d.action === 'accept' || d.action === 'tag';
}

function routeLines(core: GatewayCore, d: DispatchDecision, indent: string): string[] {
  switch (d.action) {
    case 'deliver':
      return [
        `${indent}route: deliver to mail file ${d.mailFile} of ${d.person.fullNames[0]} on ${d.server}`,
      ];
    case 'transfer':
      return [
        `${indent}route: transfer to ${d.nextHop} over ${d.transport.toUpperCase()} (the Router's queue for that server${d.transport === 'nrpc' ? '; mailroute speaks no NRPC: sent over SMTP to its host name' : ''})`,
        ...core.graph
          .explain(d.route.destination)
          .split('\n')
          .map((l) => `${indent}  ${l}`),
      ];
    case 'smtp':
      return [
        `${indent}route: send by SMTP via ${d.via} to ${d.hosts.join(', ')} (the Router's transfer queue for that host)`,
        ...core.graph
          .explain({ internetDomain: d.domain })
          .split('\n')
          .map((l) => `${indent}  ${l}`),
      ];
    case 'group':
      return [
        `${indent}route: group ${d.group}, ${d.members.length} member(s)`,
        ...d.members.flatMap((m) => [
          `${indent}  member ${m.recipient}:`,
          ...routeLines(core, m, `${indent}    `),
        ]),
      ];
    case 'fail':
      return [`${indent}route: fails (${d.failure}): ${d.reason}`];
  }
}

function hasRemote(d: DispatchDecision): boolean {
  if (d.action === 'group') return d.members.some(hasRemote);
  return d.action === 'transfer' || d.action === 'smtp';
}

/** The explanation, line by line. Stops at the first stage that refuses, as a session would. */
export async function explainEnvelope(core: GatewayCore, input: ExplainInput): Promise<string[]> {
  const out: string[] = [
    `Envelope from ${input.ip}${input.helo ? ` (HELO ${input.helo})` : ''} at ${core.graph.thisServer}`,
  ];
  const connect = await core.gatherer.connect({ ip: input.ip, ...(input.helo ? { helo: input.helo } : {}) });
  out.push(...explain(connect.decision));
  if (!accepted(connect.decision)) return out;
  let session: SessionFacts = connect.facts;
  if (input.user !== undefined) {
    session = { ...session, authenticatedUser: input.user };
    out.push(`auth: ${input.user} (assumed authenticated)`);
  }
  const from = parseReversePath(input.from === '' ? '<>' : bracket(input.from));
  if (!from.ok) {
    out.push(`mail: refused by the parser -> ${formatReply(from.reason.reply).trim()}`);
    return out;
  }
  const mail = await core.gatherer.mailFrom(session, from.value);
  out.push(...explain(mail.decision));
  if (!accepted(mail.decision)) return out;
  for (const rcpt of input.recipients) {
    out.push('');
    const to = parseForwardPath(bracket(rcpt));
    if (!to.ok) {
      out.push(`rcpt ${rcpt}: refused by the parser -> ${formatReply(to.reason.reply).trim()}`);
      continue;
    }
    const r = await core.gatherer.rcptTo(session, to.value);
    out.push(`recipient ${rcpt}:`, ...explain(r.decision));
    if (!accepted(r.decision)) continue;
    const address = to.value.kind === 'mailbox' ? to.value.mailbox.address : 'postmaster';
    const [decision] = dispatch(core.directory, core.graph, [address]);
    if (decision !== undefined) out.push(...routeLines(core, decision, '  '));
    if (decision !== undefined && hasRemote(decision)) {
      const domain = from.value.kind === 'mailbox' ? from.value.mailbox.domain : undefined;
      out.push(`  ${dkimLine(input, domain?.kind === 'domain' ? domain.ascii : undefined)}`);
    }
  }
  return out;
}
