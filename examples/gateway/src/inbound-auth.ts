/**
 * The gateway's sender authentication: `@mailroute/auth` (SPF, DMARC) and `@mailroute/dkim`
 * (DKIM verification) behind the relay policy's `PolicyAuthentication`, so the policy decides on
 * their results and stays pure; and what the results add to an inbound message: ONE
 * Authentication-Results field (fields arriving with our authserv-id removed first, RFC 8601
 * section 5) and, with "Log and tag message", the Received-SPF field (RFC 7208 section 9.1).
 *
 * Where each check runs: SPF at MAIL FROM (so "Log and reject message" refuses before the data
 * is sent), its result kept for the transaction; DKIM and DMARC at the end of DATA, when the
 * message is there. The DMARC quarantine is the Router's HOLD, set as the message is enqueued.
 */
import {
  type AuthResult,
  checkDmarc,
  createSpfChecker,
  formatAuthenticationResults,
  formatAuthResult,
  headerFromDomain,
  receivedSpf,
  removeOwnAuthenticationResults,
} from '@mailroute/auth';
import { DkimVerifier } from '@mailroute/dkim';
import { parseHeaderBlock } from '@mailroute/dkim/canonical';
import type { MailResolver } from '@mailroute/dns';
import type {
  DkimFact,
  DmarcFact,
  MessageFacts,
  PolicyAuthentication,
  SpfFact,
} from '@mailroute/relay-policy';
import type { MailRulesVerdict } from '@mailroute/router';

/** What {@link createInboundAuthentication} needs. */
export interface InboundAuthenticationOptions {
  readonly resolver: MailResolver;
  /** Our host name: the SPF `r` macro and `receiver=` of Received-SPF. */
  readonly receiver: string;
}

/** The header block of a message (up to the empty line), as latin1 text. */
function headerBlock(message: Uint8Array): string {
  const buf = Buffer.from(message.buffer, message.byteOffset, message.byteLength);
  const end = buf.indexOf('\r\n\r\n');
  return buf.subarray(0, end < 0 ? buf.length : end + 2).toString('latin1');
}

/** The From domain DMARC judges, or why there is none (RFC 7489 section 6.6.1: exactly one From). */
function fromDomainOf(message: Uint8Array): { domain: string } | { problem: string } {
  const froms = parseHeaderBlock(headerBlock(message)).filter((f) => f.key === 'from');
  if (froms.length !== 1) return { problem: `${froms.length} From fields` };
  const raw = froms[0]!.raw;
  const domain = headerFromDomain(raw.slice(raw.indexOf(':') + 1));
  return domain.ok ? { domain: domain.value } : { problem: domain.reason.message };
}

/** The SPF, DKIM and DMARC checks over the gateway's resolver. */
export function createInboundAuthentication(options: InboundAuthenticationOptions): PolicyAuthentication {
  const spf = createSpfChecker({ resolver: options.resolver, receiver: options.receiver });
  const dkim = new DkimVerifier({ lookup: (name, o) => options.resolver.resolveTxt(name, o) });
  return {
    async checkSpf(question): Promise<SpfFact> {
      const v = await spf.check({ ip: question.ip, mailFrom: question.mailFrom, helo: question.helo });
      return {
        result: v.result,
        identity: v.identity,
        domain: v.domain,
        receivedSpf: receivedSpf(v),
        ...(v.explanation === undefined ? {} : { explanation: v.explanation }),
      };
    },

    async checkMessage(question) {
      const verified = await dkim.verify(question.message);
      const facts: DkimFact[] = verified.map((d) => ({
        result: d.result,
        ...(d.domain === undefined ? {} : { domain: d.domain }),
        ...(d.selector === undefined ? {} : { selector: d.selector }),
        ...(d.reason === undefined ? {} : { reason: d.reason }),
      }));
      if (!question.dmarc) return { dkim: facts };
      const from = fromDomainOf(question.message);
      if ('problem' in from) {
        // No single From domain: nothing to look a policy up for (reported as permerror, never applied).
        const dmarc: DmarcFact = { result: 'permerror', fromDomain: '', policy: 'none', disposition: 'none' };
        return { dkim: facts, dmarc };
      }
      const s = question.spf;
      const v = await checkDmarc(
        {
          fromDomain: from.domain,
          ...(s === undefined ? {} : { spf: { result: s.result, domain: s.domain, identity: s.identity } }),
          dkim: verified,
        },
        { resolver: options.resolver },
      );
      const dmarc: DmarcFact = {
        result: v.result,
        fromDomain: v.fromDomain,
        policy: v.policy,
        disposition: v.disposition,
        ...(v.sampledOut ? { sampledOut: true } : {}),
      };
      return { dkim: facts, dmarc };
    },
  };
}

/** The results a message's facts hold, in the Authentication-Results vocabulary. */
export function authResultsOf(facts: MessageFacts, mailFrom: string): AuthResult[] {
  const out: AuthResult[] = [];
  const spf = facts.spf;
  if (spf !== undefined)
    out.push({
      method: 'spf',
      result: spf.result,
      properties: [
        spf.identity === 'helo'
          ? { ptype: 'smtp', property: 'helo', value: spf.domain }
          : { ptype: 'smtp', property: 'mailfrom', value: mailFrom },
      ],
    });
  if (facts.dkim !== undefined) {
    const signatures = facts.dkim.filter((d) => d.result !== 'none');
    if (signatures.length === 0) out.push({ method: 'dkim', result: 'none', properties: [] });
    for (const d of signatures)
      out.push({
        method: 'dkim',
        result: d.result,
        ...(d.result !== 'pass' && d.reason !== undefined ? { reason: d.reason } : {}),
        properties: [
          ...(d.domain === undefined ? [] : [{ ptype: 'header', property: 'd', value: d.domain }]),
          ...(d.selector === undefined ? [] : [{ ptype: 'header', property: 's', value: d.selector }]),
        ],
      });
  }
  const dmarc = facts.dmarc;
  if (dmarc !== undefined)
    out.push({
      method: 'dmarc',
      result: dmarc.result,
      ...(dmarc.result === 'fail' ? { reason: `p=${dmarc.policy} dis=${dmarc.disposition}` } : {}),
      properties:
        dmarc.fromDomain === '' ? [] : [{ ptype: 'header', property: 'from', value: dmarc.fromDomain }],
    });
  return out;
}

/**
 * True when the gateway writes Authentication-Results: some check ran (one is on, the session is
 * not our own authenticated user's, the host is not exempt from every check that is on).
 */
export function writesAuthenticationResults(facts: MessageFacts): boolean {
  return facts.spf !== undefined || facts.dkim !== undefined || facts.dmarc !== undefined;
}

/**
 * The message as it goes to the Router: any Authentication-Results claiming `authservId` removed
 * (a forgery, or an old one of ours), then ours in front when `write` (one field for all results),
 * and the Received-SPF field when `receivedSpfValue` is given.
 */
export function withAuthenticationFields(
  raw: Buffer,
  authservId: string,
  results: readonly AuthResult[] | undefined,
  receivedSpfValue: string | undefined,
): Buffer {
  const head = headerBlock(raw);
  const cleaned = removeOwnAuthenticationResults(head, authservId);
  const body =
    cleaned.removed === 0
      ? raw
      : Buffer.concat([
          Buffer.from(cleaned.headers, 'latin1'),
          raw.subarray(Buffer.byteLength(head, 'latin1')),
        ]);
  const ours: string[] = [];
  if (receivedSpfValue !== undefined)
    ours.push(`Received-SPF: ${receivedSpfValue.replace(/[\r\n]+[ \t]*/g, ' ')}\r\n`);
  if (results !== undefined)
    ours.push(`Authentication-Results: ${formatAuthenticationResults({ authservId, results })}\r\n`);
  return ours.length === 0 ? body : Buffer.concat([Buffer.from(ours.join(''), 'latin1'), body]);
}

/** The results on one line, for the log: `spf=pass smtp.mailfrom=...; dkim=none`. */
export function authResultsLine(results: readonly AuthResult[]): string {
  return results.map(formatAuthResult).join('; ');
}

/** Name of the hold a DMARC quarantine puts on a message, as mail rules and tracking show it. */
export const DMARC_QUARANTINE_RULE = 'DMARC quarantine';

/**
 * The verdict `router.submit` takes to enqueue a message held (RoutingState HOLD) from the start:
 * the Router has no other initial-hold input, and holding after the enqueue would race the
 * delivery threads. A rules verdict that already decides something other than routing (a mail
 * rule's hold, move, don't deliver, don't accept) is kept: the administrator's rule goes first.
 */
export function quarantineVerdict(existing: MailRulesVerdict | undefined): MailRulesVerdict {
  if (existing !== undefined && existing.disposition.type !== 'route') return existing;
  return {
    journal: existing?.journal ?? false,
    disposition: { type: 'hold', rule: DMARC_QUARANTINE_RULE },
    applied: [...(existing?.applied ?? []), DMARC_QUARANTINE_RULE],
    trace: existing?.trace ?? [],
  };
}
