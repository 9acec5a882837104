/**
 * What happens to an accepted message: routing decides per recipient (dispatch), local
 * recipients get the document and the raw message in their mail file, the others are DKIM-signed
 * (by the From domain, from the credential store) and spooled by next hop. Every file is written
 * and every touched folder synced before this resolves, so the 250 that follows is only ever
 * sent for a message that is on disk.
 */

import type { DkimSigningPolicy } from '@mailroute/dkim';
import { Replies, type SmtpReply } from '@mailroute/envelope';
import { type Note, parseAddressList } from '@mailroute/itemizer';
import { type Directory, type DispatchDecision, dispatch, type RoutingGraph } from '@mailroute/routing';
import { syncFolder } from './durable-write.js';
import type { GatewayStats } from './gateway-stats.js';
import { INBOX, type StoredDocument, writeDelivery } from './mail-store.js';
import { noteItems } from './note-json.js';
import { type SpooledEnvelope, writeSpooled } from './spool.js';

/** What delivery needs. */
export interface DeliveryContext {
  readonly dataDir: string;
  readonly directory: Directory;
  readonly graph: RoutingGraph;
  readonly dkim: DkimSigningPolicy;
  readonly stats: GatewayStats;
  readonly log: (line: string) => void;
  /** The clock for DeliveredDate and spool times. */
  readonly now: () => Date;
  /** Folders already created and made durable (owned by the gateway; saves a mkdir per copy). */
  readonly knownFolders?: Set<string>;
}

/** One accepted message. */
export interface AcceptedMessage {
  readonly id: string;
  readonly mailFrom: string;
  /** Envelope recipients, in RCPT order. */
  readonly recipients: readonly string[];
  /** The message as received (Received header first). */
  readonly raw: Buffer;
  readonly note: Note;
  /**
   * True when the session authenticated. Only such messages are DKIM-signed: signing what an
   * anonymous client claims to be from our domain would lend it our signature.
   */
  readonly authenticated: boolean;
}

type Leaf = Exclude<DispatchDecision, { action: 'group' }>;

/** Flattens groups into their members' decisions, each tagged with the envelope recipient (index). */
function leaves(decision: DispatchDecision, index: number, out: { index: number; leaf: Leaf }[]): void {
  if (decision.action === 'group') for (const m of decision.members) leaves(m, index, out);
  else out.push({ index, leaf: decision });
}

/** The reply for a recipient routing could not handle. */
function failureReply(leaf: Extract<Leaf, { action: 'fail' }>): SmtpReply {
  if (leaf.failure === 'userNotListed') return Replies.noSuchUser(leaf.recipient);
  if (leaf.failure === 'ambiguous') return Replies.ambiguousRecipient(leaf.recipient);
  return Replies.recipientRejected(`${leaf.recipient}... ${leaf.reason}`);
}

/** The From domain, for choosing DKIM keys (Domino signs by the From address's domain). */
function fromDomain(note: Note): string | undefined {
  const from = note.text('INetFrom') ?? note.text('From');
  const address = from === undefined ? undefined : parseAddressList(from).mailboxes[0]?.address;
  const at = address?.lastIndexOf('@') ?? -1;
  return address !== undefined && at > 0 ? address.slice(at + 1) : undefined;
}

/** Routes, stores and commits one message; resolves with one reply per envelope recipient. */
export async function deliverMessage(ctx: DeliveryContext, message: AcceptedMessage): Promise<SmtpReply[]> {
  const decisions = dispatch(ctx.directory, ctx.graph, message.recipients);
  const all: { index: number; leaf: Leaf }[] = [];
  for (const [i, d] of decisions.entries()) leaves(d, i, all);

  const ok = new Set<number>();
  const failures = new Map<number, SmtpReply>();
  const local = new Map<string, { owner: string; recipients: Set<string> }>();
  const remote = new Map<
    string,
    { leaf: Exclude<Leaf, { action: 'fail' } | { action: 'deliver' }>; recipients: Set<string> }
  >();
  for (const { index, leaf } of all) {
    if (leaf.action === 'fail') {
      if (!failures.has(index)) failures.set(index, failureReply(leaf));
      continue;
    }
    ok.add(index);
    if (leaf.action === 'deliver') {
      const entry = local.get(leaf.mailFile) ?? {
        owner: leaf.person.fullNames[0] ?? leaf.recipient,
        recipients: new Set(),
      };
      entry.recipients.add(leaf.recipient);
      local.set(leaf.mailFile, entry);
    } else {
      const hop = leaf.action === 'transfer' ? leaf.nextHop : (leaf.hosts[0] ?? leaf.domain);
      const entry = remote.get(hop) ?? { leaf, recipients: new Set() };
      entry.recipients.add(leaf.recipient);
      remote.set(hop, entry);
    }
  }

  const delivered = ctx.now();
  const items =
    local.size === 0
      ? []
      : [
          ...noteItems(message.note),
          { name: 'DeliveredDate', type: 'dateTime' as const, value: delivered.toISOString() },
        ];
  // Copies are written in parallel (each write is its own fsync); the folders are committed after.
  const writes: Promise<string>[] = [...local].map(([mailFile, { owner, recipients }]) => {
    const doc: StoredDocument = {
      id: message.id,
      mailFile,
      owner,
      recipients: [...recipients],
      folders: [INBOX],
      raw: `${message.id}.eml`,
      items,
    };
    return writeDelivery(ctx.dataDir, message.raw, doc, ctx.knownFolders);
  });
  if (remote.size > 0) {
    const signed = message.authenticated ? await sign(ctx, message) : { bytes: message.raw, signatures: [] };
    for (const [hop, { leaf, recipients }] of remote) {
      const envelope: SpooledEnvelope = {
        id: message.id,
        nextHop: hop,
        action: leaf.action,
        transport: leaf.action === 'transfer' ? leaf.transport : `smtp:${leaf.via}`,
        mailFrom: message.mailFrom,
        recipients: [...recipients],
        path: leaf.route?.path ?? [],
        queuedAt: delivered.toISOString(),
        dkim: signed.signatures,
      };
      writes.push(writeSpooled(ctx.dataDir, signed.bytes, envelope, ctx.knownFolders));
    }
  }
  const folders = new Set(await Promise.all(writes));
  // The commit point: the renames above are durable once their folders are synced.
  await Promise.all([...folders].map((f) => syncFolder(f)));

  ctx.stats.deliveries += local.size;
  ctx.stats.spooled += remote.size;
  ctx.stats.recipientFailures += failures.size;
  return message.recipients.map((_r, i) =>
    ok.has(i) || !failures.has(i) ? Replies.messageAccepted(message.id) : failures.get(i)!,
  );
}

/** DKIM-signs by the From domain when signing is on and keys exist; otherwise the message as it is. */
async function sign(
  ctx: DeliveryContext,
  message: AcceptedMessage,
): Promise<{ bytes: Buffer; signatures: string[] }> {
  const domain = fromDomain(message.note);
  if (domain === undefined) return { bytes: message.raw, signatures: [] };
  const { signer, missing, unusable } = ctx.dkim.signerFor(domain);
  if (missing.length > 0)
    ctx.log(`dkim: no key in the credential store for ${domain} selector(s) ${missing.join(', ')}`);
  for (const u of unusable) ctx.log(`dkim: key ${u.selector} of ${domain} cannot sign: ${u.reason}`);
  if (signer === undefined) return { bytes: message.raw, signatures: [] };
  const signatures = await signer.sign(message.raw);
  ctx.stats.signed++;
  return {
    bytes: Buffer.concat([Buffer.from(signatures.map((s) => s.header).join(''), 'latin1'), message.raw]),
    signatures: signatures.map((s) => `d=${s.domain} s=${s.selector}`),
  };
}
