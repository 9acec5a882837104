/**
 * The @mailroute/smtp-server backend of the gateway: the relay policy at connect, MAIL FROM, RCPT
 * TO and end of data (through the fact gatherer, so DNS and the directory are asked only what
 * the policy reads), AUTH against the configured users, the itemizer (TNEF conversion as
 * configured) and then delivery. Every refusal is counted by reason.
 */
import { Replies, type SmtpReply } from '@mailroute/envelope';
import { parseAddressList, parseMessage } from '@mailroute/itemizer';
import type {
  DnsListStatistics,
  PolicyDecision,
  PolicyGatherer,
  PolicyItem,
  SessionFacts,
} from '@mailroute/relay-policy';
import type { Backend, BackendSession, Envelope, MessageStream } from '@mailroute/smtp-server';
import type { GatewaySettings } from './config-types.js';
import { type DeliveryContext, deliverMessage } from './deliver.js';
import { verifyPassword } from './passwords.js';

/** What the backend is built from. */
export interface GatewayBackendOptions {
  readonly gatherer: PolicyGatherer;
  readonly dnsLists: DnsListStatistics;
  readonly settings: GatewaySettings;
  readonly delivery: DeliveryContext;
}

function pathText(path: Envelope['from'] | Envelope['recipients'][number]['path']): string {
  if (path.kind === 'mailbox') return path.mailbox.address;
  return path.kind === 'null' ? '' : 'postmaster';
}

async function readAll(message: MessageStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of message) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** The addresses of an address header, as the policy's authenticated-sender check wants them. */
function addresses(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  return parseAddressList(text)
    .mailboxes.map((m) => m.address)
    .filter((a) => a !== '');
}

/** Builds the backend. */
export function createGatewayBackend(options: GatewayBackendOptions): Backend {
  const { gatherer, dnsLists, settings, delivery } = options;
  const { stats } = delivery;
  const users = new Map(settings.users.map((u) => [u.name.toLowerCase(), u]));

  /** The decision's reply when it refuses, after counting it; undefined when it accepts. */
  const refused = (decision: PolicyDecision) => {
    if (decision.action === 'accept' || decision.action === 'tag') return undefined;
    stats.refusal(decision);
    return decision.reply;
  };

  return {
    async connect(info): Promise<BackendSession | SmtpReply> {
      const { facts, decision } = await gatherer.connect({ ip: info.remoteAddress });
      dnsLists.record(decision);
      const refusal = refused(decision);
      if (refusal !== undefined) return refusal;
      let session: SessionFacts = facts;
      const tags: readonly PolicyItem[] = decision.items;
      return {
        helo(hello) {
          session = { ...session, helo: hello.name };
          return undefined;
        },
        async auth(credentials) {
          const user = users.get(credentials.username.toLowerCase());
          // A missing user still costs a hash, so timing does not tell names apart.
          const ok = await verifyPassword(
            credentials.password,
            user?.password ??
              'scrypt:16384:AAAAAAAAAAAAAAAAAAAAAA==:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
          );
          if (!ok || user === undefined) return false;
          if (
            credentials.authorizationId !== undefined &&
            credentials.authorizationId !== '' &&
            credentials.authorizationId.toLowerCase() !== user.name.toLowerCase()
          )
            return false;
          session = { ...session, authenticatedUser: user.name };
          return true;
        },
        async mailFrom(from) {
          return refused((await gatherer.mailFrom(session, from)).decision);
        },
        async rcptTo(to) {
          return refused((await gatherer.rcptTo(session, to)).decision);
        },
        async data(message, envelope) {
          const raw = await readAll(message);
          const recipients = envelope.recipients.map((r) => pathText(r.path));
          const mailFrom = pathText(envelope.from);
          const note = await parseMessage(raw, {
            envelope: { mailFrom, recipients },
            tnef: settings.tnef,
          });
          const { decision } = await gatherer.message(session, {
            sender: addresses(note.text('Principal')),
            from: addresses(note.text('From')),
          });
          const refusal = refused(decision);
          if (refusal !== undefined) return refusal;
          for (const item of [...tags, ...decision.items])
            note.add({ name: item.name, type: 'text', value: item.value });
          try {
            const replies = await deliverMessage(delivery, {
              id: envelope.id,
              mailFrom,
              recipients,
              raw,
              note,
            });
            if (replies.some((r) => r.code < 400)) stats.messages++;
            return replies;
          } catch (error) {
            stats.processingErrors++;
            delivery.log(`delivery of ${envelope.id} failed: ${(error as Error).message}`);
            return Replies.localError;
          }
        },
      };
    },
  };
}
