/**
 * What happens to an accepted message: routing decides per recipient (dispatch), local
 * recipients get the document and the raw message in their mail file (each copy showing only
 * what its recipient may see: no `Recipients`, no other blind copies), the others are
 * DKIM-signed (by the From domain, from the credential store) and spooled by next hop, and a
 * recipient routing fails after all (a group member) is held with the message for its failure
 * report. Every file is written and every touched folder synced before this resolves, so the 250
 * that follows is only ever sent for a message that is on disk, every recipient accounted for.
 */

import type { DkimSigningPolicy } from '@mailroute/dkim';
import { Replies, type SmtpReply } from '@mailroute/envelope';
import { type Note, parseAddressList } from '@mailroute/itemizer';
import { type Directory, dispatch, type RoutingGraph } from '@mailroute/routing';
import { blindOnes, itemsForCopy, withoutBccHeader } from './bcc.js';
import { syncFolder } from './durable-write.js';
import type { GatewayStats } from './gateway-stats.js';
import { type HeldRecipient, writeHeld } from './held.js';
import { INBOX, type StoredDocument, writeDelivery } from './mail-store.js';
import { noteItems } from './note-json.js';
import { type FailedLeaf, failureReply, type Leaf, leavesOf } from './rcpt-routing.js';
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

  const failures = new Map<number, SmtpReply>();
  const held: HeldRecipient[] = [];
  let deliverable = 0;
  const local = new Map<string, { owner: string; recipients: Set<string>; indexes: Set<number> }>();
  const remote = new Map<
    string,
    { leaf: Exclude<Leaf, { action: 'fail' } | { action: 'deliver' }>; recipients: Set<string> }
  >();
  for (const [index, decision] of decisions.entries()) {
    const address = message.recipients[index] ?? '';
    const leaves = leavesOf(decision);
    const failed = leaves.filter((l): l is FailedLeaf => l.action === 'fail');
    if (failed.length === leaves.length) {
      // RCPT TO refuses these (rcpt-routing.ts); one that gets here anyway is still answered.
      const first = failed[0];
      failures.set(index, first === undefined ? Replies.noSuchUser(address) : failureReply(address, first));
    } else deliverable++;
    for (const leaf of failed)
      held.push({
        envelopeRecipient: address,
        recipient: leaf.recipient,
        failure: leaf.failure,
        reason: leaf.reason,
      });
    for (const leaf of leaves) {
      if (leaf.action === 'fail') continue;
      if (leaf.action === 'deliver') {
        const entry = local.get(leaf.mailFile) ?? {
          owner: leaf.person.fullNames[0] ?? leaf.recipient,
          recipients: new Set(),
          indexes: new Set(),
        };
        entry.recipients.add(leaf.recipient);
        entry.indexes.add(index);
        local.set(leaf.mailFile, entry);
      } else {
        const hop = leaf.action === 'transfer' ? leaf.nextHop : (leaf.hosts[0] ?? leaf.domain);
        const entry = remote.get(hop) ?? { leaf, recipients: new Set() };
        entry.recipients.add(leaf.recipient);
        remote.set(hop, entry);
      }
    }
  }
  // Nothing deliverable: the per-recipient refusals reach the client (no 250, nothing to hold).
  if (deliverable === 0) {
    ctx.stats.recipientFailures += failures.size;
    return message.recipients.map((r, i) => failures.get(i) ?? Replies.noSuchUser(r));
  }

  const delivered = ctx.now();
  // No copy stored here carries the message's own Bcc header fields.
  const stored = withoutBccHeader(message.raw);
  const allItems =
    local.size === 0
      ? []
      : [
          ...noteItems(message.note),
          { name: 'DeliveredDate', type: 'dateTime' as const, value: delivered.toISOString() },
        ];
  const blindCopyTo = message.note.textList('BlindCopyTo');
  // Copies are written in parallel (each write is its own fsync); the folders are committed after.
  const writes: Promise<string>[] = [...local].map(([mailFile, { owner, recipients, indexes }]) => {
    const own = [...indexes].map((i) => message.recipients[i] ?? '');
    const doc: StoredDocument = {
      id: message.id,
      mailFile,
      owner,
      recipients: [...recipients],
      folders: [INBOX],
      raw: `${message.id}.eml`,
      items: itemsForCopy(allItems, blindOnes(own, blindCopyTo)),
    };
    return writeDelivery(ctx.dataDir, stored, doc, ctx.knownFolders);
  });
  if (remote.size > 0) {
    const signed = message.authenticated
      ? await sign(ctx, message, stored)
      : { bytes: stored, signatures: [] };
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
  if (held.length > 0) {
    const record = {
      id: message.id,
      state: 'undeliverable' as const,
      mailFrom: message.mailFrom,
      heldAt: delivered.toISOString(),
      recipients: held,
      raw: `${message.id}.eml`,
    };
    writes.push(writeHeld(ctx.dataDir, stored, record, ctx.knownFolders));
    ctx.log(
      `held ${message.id}: ${held.length} recipient(s) undeliverable after the data (${held
        .map((h) => `${h.recipient}: ${h.reason}`)
        .join('; ')}); waiting for the router's failure report`,
    );
  }
  const folders = new Set(await Promise.all(writes));
  // The commit point: the renames above are durable once their folders are synced.
  await Promise.all([...folders].map((f) => syncFolder(f)));

  ctx.stats.deliveries += local.size;
  ctx.stats.spooled += remote.size;
  ctx.stats.recipientFailures += held.length;
  ctx.stats.held += held.length > 0 ? 1 : 0;
  return message.recipients.map((_r, i) => failures.get(i) ?? Replies.messageAccepted(message.id));
}

/** DKIM-signs by the From domain when signing is on and keys exist; otherwise the message as it is. */
async function sign(
  ctx: DeliveryContext,
  message: AcceptedMessage,
  raw: Buffer,
): Promise<{ bytes: Buffer; signatures: string[] }> {
  const domain = fromDomain(message.note);
  if (domain === undefined) return { bytes: raw, signatures: [] };
  const { signer, missing } = ctx.dkim.signerFor(domain);
  if (missing.length > 0)
    ctx.log(`dkim: no key in the credential store for ${domain} selector(s) ${missing.join(', ')}`);
  if (signer === undefined) return { bytes: raw, signatures: [] };
  const signatures = await signer.sign(raw);
  ctx.stats.signed++;
  return {
    bytes: Buffer.concat([Buffer.from(signatures.map((s) => s.header).join(''), 'latin1'), raw]),
    signatures: signatures.map((s) => `d=${s.domain} s=${s.selector}`),
  };
}
