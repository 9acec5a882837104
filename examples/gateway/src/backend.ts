/**
 * The @mailroute/smtp-server backend of the gateway: the relay policy at connect, MAIL FROM, RCPT
 * TO and end of data (through the fact gatherer, so DNS and the directory are asked only what
 * the policy reads), AUTH against the configured users, the itemizer (TNEF conversion as
 * configured), then `router.submit`: the 250 goes only once mail.box holds the message. Every
 * refusal is counted by reason.
 */
import { isMailrouteError, type Logger, Replies, type SmtpReply } from '@mailroute/envelope';
import type {
  DnsListStatistics,
  PolicyDecision,
  PolicyGatherer,
  PolicyItem,
  SessionFacts,
  SpfFact,
} from '@mailroute/relay-policy';
import { type Router, RULE_REFUSAL_REPLY } from '@mailroute/router';
import type { Directory, RoutingGraph } from '@mailroute/routing';
import type {
  Backend,
  BackendSession,
  DataOutcome,
  InboundEnvelope,
  MessageStream,
} from '@mailroute/smtp-server';
import type { GatewaySettings } from './config-types.js';
import type { GatewayStats } from './gateway-stats.js';
import {
  authResultsLine,
  authResultsOf,
  quarantineVerdict,
  withAuthenticationFields,
  writesAuthenticationResults,
} from './inbound-auth.js';
import type { MessageBudget } from './message-budget.js';
import { verifyPassword } from './passwords.js';
import { policyHeaders } from './policy-headers.js';
import { routingRefusal } from './rcpt-routing.js';

/** What accepted mail goes to: the Router, and what RCPT-time routing reads. */
export interface DeliveryContext {
  readonly router: Router;
  readonly directory: Directory;
  readonly graph: RoutingGraph;
  readonly stats: GatewayStats;
  readonly logger: Logger;
}

/** What the backend is built from. */
export interface GatewayBackendOptions {
  readonly gatherer: PolicyGatherer;
  readonly dnsLists: DnsListStatistics;
  readonly settings: GatewaySettings;
  readonly delivery: DeliveryContext;
  /** Octets of messages held in processing at once, all sessions together. */
  readonly budget: MessageBudget;
}

/** A path as routing and the itemizer read it; the bare `<postmaster>` becomes the configured one. */
function pathText(
  path: InboundEnvelope['from'] | InboundEnvelope['recipients'][number]['path'],
  postmaster?: string,
): string {
  if (path.kind === 'mailbox') return path.mailbox.address;
  return path.kind === 'null' ? '' : (postmaster ?? 'postmaster');
}

/**
 * Reads the message within the budget: the bytes and how many octets they hold of it (release
 * them when done), or undefined (the rest drained, nothing held) when it does not fit.
 */
async function readAll(
  message: MessageStream,
  budget: MessageBudget,
): Promise<{ raw: Buffer; held: number } | undefined> {
  const chunks: Buffer[] = [];
  let held = 0;
  let over = false;
  for await (const chunk of message) {
    if (over) continue;
    if (budget.take(chunk.length)) {
      held += chunk.length;
      chunks.push(chunk);
    } else {
      over = true;
      budget.release(held);
      held = 0;
      chunks.length = 0;
    }
  }
  return over ? undefined : { raw: Buffer.concat(chunks), held };
}

/** The decision's reply when it refuses, after counting it; undefined when it accepts. */
function refusalOf(options: GatewayBackendOptions, decision: PolicyDecision): SmtpReply | undefined {
  if (decision.action === 'accept' || decision.action === 'tag') return undefined;
  options.delivery.stats.refusal(decision);
  return decision.reply;
}

/** What MAIL FROM found that the end of data reads: the SPF result and the items to tag with. */
interface Transaction {
  readonly spf?: SpfFact;
  readonly items: readonly PolicyItem[];
}

/** End of data: itemize, the authenticated-sender and authentication checks, the tags, then delivery. */
async function processMessage(
  options: GatewayBackendOptions,
  session: SessionFacts,
  tags: readonly PolicyItem[],
  raw: Buffer,
  envelope: InboundEnvelope,
  transaction: Transaction = { items: [] },
): Promise<DataOutcome> {
  const { gatherer, settings, delivery } = options;
  const recipients = envelope.recipients.map((r) => pathText(r.path, settings.postmaster));
  const mailFrom = pathText(envelope.from);
  // The policy reads only the Sender and From header fields here (the Router's mail rules
  // itemize the message when they read its content).
  const { decision, facts } = await gatherer.message(session, policyHeaders(raw), {
    message: raw,
    ...(transaction.spf === undefined ? {} : { spf: transaction.spf }),
  });
  const refusal = refusalOf(options, decision);
  if (refusal !== undefined) return refusal;
  if (decision.hold !== undefined)
    delivery.logger.info({}, `inbound: ${envelope.id} held: ${decision.hold.reason}`);
  // One Authentication-Results (ours removed from what arrived), Received-SPF when tagging.
  const items = [...tags, ...transaction.items, ...decision.items];
  const receivedSpf = items.find((i) => i.name === 'Received_SPF')?.value;
  const results = writesAuthenticationResults(facts) ? authResultsOf(facts, mailFrom) : undefined;
  if (results !== undefined)
    delivery.logger.info({}, `inbound: ${envelope.id} Authentication-Results: ${authResultsLine(results)}`);
  const authenticated = withAuthenticationFields(raw, settings.authservId, results, receivedSpf);
  // Policy tags ($DNSBLSite, $DNSWLSite, Received_SPF, DKIM_Signature) travel with the message as
  // header fields, which the itemizer turns back into items at delivery; ones a client wrote
  // itself are removed first.
  const tagged = withTags(authenticated, items);
  // Server mail rules, evaluated once, before the 250: "Don't accept message" is this reply
  // instead of it (nothing is stored, no report); any other verdict goes with the submit.
  let verdict: Awaited<ReturnType<Router['evaluateRules']>>;
  try {
    verdict = await delivery.router.evaluateRules({
      envelope: { mailFrom },
      recipients: recipients.map((address) => ({ address })),
      body: tagged,
    });
  } catch (error) {
    delivery.stats.processingErrors++;
    delivery.logger.error({}, `mail rules on ${envelope.id} failed: ${(error as Error).message}`);
    return Replies.localError;
  }
  if (verdict.disposition.type === 'dontAccept') {
    delivery.stats.refusalReason(`data 554 5.7.1 mail rule ${verdict.disposition.rule}`);
    delivery.logger.info(
      {},
      `mail rule ${JSON.stringify(verdict.disposition.rule)}: message ${envelope.id} from <${mailFrom}> not accepted (554 5.7.1)`,
    );
    return RULE_REFUSAL_REPLY;
  }
  try {
    const { id } = await delivery.router.submit({
      // DMARC quarantine: enqueued held (the Router's HOLD), so no delivery thread can take it
      // first; an administrator's deciding rule (move, don't deliver) still wins.
      ruleVerdict: decision.hold === undefined ? verdict : quarantineVerdict(verdict),
      envelope: {
        mailFrom,
        authenticated: session.authenticatedUser !== undefined,
        receivedFrom: session.helo ?? session.ip,
        ...(envelope.params.ret === undefined ? {} : { ret: envelope.params.ret }),
        ...(envelope.params.envid === undefined ? {} : { envid: envelope.params.envid }),
        ...(envelope.params.body === undefined ? {} : { body: envelope.params.body }),
        ...(envelope.params.smtputf8 ? { smtputf8: true } : {}),
      },
      recipients: envelope.recipients.map((r, i) => ({
        address: recipients[i] ?? '',
        ...(r.params.notify === undefined ? {} : { notify: r.params.notify }),
        ...(r.params.orcpt === undefined
          ? {}
          : { orcpt: `${r.params.orcpt.type};${r.params.orcpt.address}` }),
      })),
      body: tagged,
    });
    delivery.stats.messages++;
    return Replies.messageAccepted(id);
  } catch (error) {
    delivery.stats.processingErrors++;
    delivery.logger.error({}, `submit of ${envelope.id} failed: ${(error as Error).message}`);
    // A journal copy that could not be written (451) and the like: the Router's own reply.
    if (isMailrouteError(error) && error.reply !== undefined) return error.reply as SmtpReply;
    return Replies.localError;
  }
}

/** The message with the policy's items as header fields in front (any the client sent removed). */
function withTags(raw: Buffer, items: readonly PolicyItem[]): Buffer {
  const names = new Set(items.map((i) => i.name.toLowerCase()));
  const ours = items.map((i) => `${i.name}: ${i.value.replace(/[\r\n]+/g, ' ')}\r\n`).join('');
  const stripped = stripFields(raw, ['$dnsblsite', '$dnswlsite', 'received_spf', 'dkim_signature', ...names]);
  return ours === '' ? stripped : Buffer.concat([Buffer.from(ours, 'latin1'), stripped]);
}

/** Removes header fields by (lower-case) name from the header block, folded lines included. */
function stripFields(raw: Buffer, names: readonly string[]): Buffer {
  const end = raw.indexOf('\r\n\r\n');
  const head = raw.subarray(0, end < 0 ? raw.length : end + 2).toString('latin1');
  if (!names.some((n) => head.toLowerCase().includes(`${n}:`))) return raw;
  const kept: string[] = [];
  let skipping = false;
  for (const line of head.split(/(?<=\r\n)/)) {
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (!skipping) kept.push(line);
      continue;
    }
    const colon = line.indexOf(':');
    skipping = colon > 0 && names.includes(line.slice(0, colon).trim().toLowerCase());
    if (!skipping) kept.push(line);
  }
  return Buffer.concat([Buffer.from(kept.join(''), 'latin1'), raw.subarray(head.length)]);
}

/** A password hash no password matches, checked for unknown users so timing does not tell names apart. */
const NO_USER = 'scrypt:16384:AAAAAAAAAAAAAAAAAAAAAA==:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

/** Builds the backend. */
export function createGatewayBackend(options: GatewayBackendOptions): Backend {
  const { gatherer, dnsLists, settings, budget } = options;
  const users = new Map(settings.users.map((u) => [u.name.toLowerCase(), u]));
  const refused = (decision: PolicyDecision) => refusalOf(options, decision);

  return {
    async connect(info): Promise<BackendSession | SmtpReply> {
      const { facts, decision } = await gatherer.connect({ ip: info.remoteAddress });
      dnsLists.record(decision);
      const refusal = refused(decision);
      if (refusal !== undefined) return refusal;
      let session: SessionFacts = facts;
      const tags: readonly PolicyItem[] = decision.items;
      let transaction: Transaction = { items: [] };
      // Only a forward-confirmed PTR name goes into the Received header; anyone can publish any
      // PTR name for their own address.
      const ptr = facts.ptr;
      const clientHostName = ptr?.result === 'found' && ptr.confirmed === true ? ptr.name : undefined;
      return {
        clientHostName,
        helo(hello) {
          session = { ...session, helo: hello.name };
          return undefined;
        },
        async auth(credentials) {
          const user = users.get(credentials.username.toLowerCase());
          const ok = await verifyPassword(credentials.password, user?.password ?? NO_USER);
          if (!ok || user === undefined) return false;
          const asOther = credentials.authorizationId;
          // AUTH PLAIN may ask to act as someone else: only as oneself.
          if (asOther !== undefined && asOther !== '' && asOther.toLowerCase() !== user.name.toLowerCase())
            return false;
          session = { ...session, authenticatedUser: user.name };
          return true;
        },
        async mailFrom(from) {
          const mail = await gatherer.mailFrom(session, from);
          const refusal = refused(mail.decision);
          transaction =
            refusal !== undefined
              ? { items: [] }
              : {
                  ...(mail.facts.spf === undefined ? {} : { spf: mail.facts.spf }),
                  items: mail.decision.items,
                };
          return refusal;
        },
        async rcptTo(to) {
          const refusal = refused((await gatherer.rcptTo(session, to)).decision);
          if (refusal !== undefined) return refusal;
          // dispatch is pure: what routing would fail after the data is refused here, per recipient.
          const { directory, graph, stats } = options.delivery;
          const routing = routingRefusal(directory, graph, pathText(to, settings.postmaster));
          if (routing !== undefined)
            stats.refusalReason(
              `rcpt ${routing.code} ${routing.enhanced ?? ''} routing`.replace(/\s+/g, ' '),
            );
          return routing;
        },
        async data(message, envelope) {
          const read = await readAll(message, budget);
          if (read === undefined) {
            options.delivery.stats.refusalReason('data 452 4.3.1 message budget');
            return Replies.insufficientStorage;
          }
          try {
            return await processMessage(options, session, tags, read.raw, envelope, transaction);
          } finally {
            budget.release(read.held);
          }
        },
      };
    },
  };
}
