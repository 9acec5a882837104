/**
 * A transfer thread's unit: the due recipients of one message for one destination, sent in one
 * SMTP transaction through the TransferAgent (whose pool reuses the connection per destination):
 * the Bcc fields removed, DKIM-signed when an authenticated user sent it, NOTIFY/ORCPT/RET/ENVID
 * passed on when DSN is enabled. Named hosts (relay hosts) are tried in order while none answers.
 */
import type { SmtpReply } from '@mailroute/envelope';
import { parseAddressList } from '@mailroute/itemizer';
import type { LeasedMessage, QueuedRecipient, StoredReply } from '../mailbox/types.js';
import { withoutBcc } from '../message/bcc.js';
import { headerValue } from '../message/header-block.js';
import { bccFreeStream } from '../message/outbound-stream.js';
import { routeFromJson, type StoredRoute } from '../plan/route.js';
import type {
  DeliveryResult,
  OutboundEnvelope,
  OutboundMessage,
  OutboundRecipient,
  RecipientResult,
} from '../transfer/agent.js';
import { type AttemptResult, readBody } from './attempt.js';
import type { RouterContext } from './context.js';

/**
 * Messages up to this size go to the agent as bytes, whose one-write path sends them with their
 * terminator without copying or re-encoding (most mail, and what the body cache holds); larger
 * ones are streamed from the store so that no thread holds a large message whole. Measured on the
 * 100 KB relay benchmark: streaming cost a dot-stuffing pass and a copy per 64 KB slice.
 */
const WHOLE_TRANSFER_MAX_BYTES = 256 * 1024;

/** What a transfer came to: per-recipient results, and whether the destination as a whole failed. */
export interface TransferOutcomeSummary {
  readonly results: AttemptResult[];
  /** Every recipient failed temporarily: the destination goes into retry. */
  readonly destinationFailed: boolean;
  /** The stored message when it was read whole (for the reports); undefined when streamed. */
  readonly body: Uint8Array | undefined;
}

function stored(reply: SmtpReply | undefined): StoredReply | undefined {
  if (reply === undefined) return undefined;
  return { code: reply.code, enhanced: reply.enhanced, text: reply.lines.join(' ') };
}

function outboundRecipient(ctx: RouterContext, r: QueuedRecipient): OutboundRecipient {
  if (!ctx.reports.dsn) return { address: r.address };
  const notify = r.notify === undefined ? undefined : r.notify === 'NEVER' ? (['NEVER'] as const) : r.notify;
  return {
    address: r.address,
    ...(notify === undefined ? {} : { notify }),
    ...(r.orcpt === undefined ? {} : { orcpt: r.orcpt }),
  };
}

async function signed(ctx: RouterContext, unit: LeasedMessage, bytes: Uint8Array): Promise<Uint8Array> {
  if (ctx.sign === undefined || unit.message.envelope.authenticated !== true) return bytes;
  const fromField = headerValue(bytes, 'From');
  const from = fromField === undefined ? undefined : parseAddressList(fromField).mailboxes[0]?.address;
  try {
    return await ctx.sign(bytes, from);
  } catch (error) {
    // Unsigned mail still goes: losing it over a signing fault would be worse.
    ctx.logger.warn(
      { queueId: unit.message.id, error: String(error) },
      'Router: DKIM signing failed; sent unsigned',
    );
    return bytes;
  }
}

function allTransientWithoutReply(result: DeliveryResult): boolean {
  return result.recipients.every((r) => r.outcome === 'transient' && r.reply === undefined);
}

async function send(
  ctx: RouterContext,
  route: StoredRoute,
  envelope: OutboundEnvelope,
  bytes: OutboundMessage,
  signal: AbortSignal,
): Promise<DeliveryResult> {
  const agent = ctx.transferAgent!;
  switch (route.kind) {
    case 'mx':
      return agent.deliverToDomain(route.domain, envelope, bytes, { signal });
    case 'server':
      return agent.deliverVia(ctx.hopFor(route.host, undefined), envelope, bytes, { signal });
    case 'hosts': {
      let last: DeliveryResult | undefined;
      for (const host of route.hosts) {
        last = await agent.deliverVia(ctx.hopFor(host, route.authentication), envelope, bytes, { signal });
        if (!allTransientWithoutReply(last) || signal.aborted) break;
      }
      return last!;
    }
    default:
      throw new Error(`not a transfer route: ${route.kind}`);
  }
}

function mapResult(index: number, r: RecipientResult | undefined): AttemptResult {
  if (r === undefined)
    return { index, kind: 'transient', reason: 'The transfer agent gave no result for this recipient' };
  const reply = stored(r.reply);
  const remoteMta = r.remoteMta;
  if (r.outcome === 'delivered')
    return { index, kind: 'done', state: 'transferred', reply, remoteMta, relayed: r.dsnRelayed };
  return { index, kind: r.outcome, reason: r.reason.message, reply, remoteMta };
}

/** Sends one unit; never throws for what the network does. */
export async function transferUnit(
  ctx: RouterContext,
  unit: LeasedMessage,
  signal: AbortSignal,
): Promise<TransferOutcomeSummary> {
  const { message } = unit;
  // Signing needs the whole message, and a small one goes whole; otherwise it is streamed from the
  // store. Bcc is removed either way.
  const signs = ctx.sign !== undefined && message.envelope.authenticated === true;
  const whole = signs || message.sizeBytes <= WHOLE_TRANSFER_MAX_BYTES;
  const queued = whole ? await readBody(ctx, message.id) : undefined;
  const route = routeFromJson(unit.recipients[0]?.route);
  const noAgent = (reason: string): TransferOutcomeSummary => ({
    results: unit.recipients.map((r) => ({ index: r.index, kind: 'transient', reason })),
    destinationFailed: true,
    body: queued,
  });
  if (ctx.transferAgent === undefined) return noAgent('No transfer agent is configured on this server');
  if (route.kind !== 'mx' && route.kind !== 'hosts' && route.kind !== 'server')
    return noAgent(`Route ${route.kind} cannot be transferred`);
  const outbound: OutboundMessage =
    queued === undefined
      ? bccFreeStream(() => ctx.mailBox.openBody(message.id))
      : await signed(ctx, unit, withoutBcc(queued));
  const dsn = ctx.reports.dsn;
  const envelope: OutboundEnvelope = {
    mailFrom: message.envelope.mailFrom,
    recipients: unit.recipients.map((r) => outboundRecipient(ctx, r)),
    ...(dsn && message.envelope.ret !== undefined ? { ret: message.envelope.ret } : {}),
    ...(dsn && message.envelope.envid !== undefined ? { envid: message.envelope.envid } : {}),
    ...(message.envelope.body === undefined ? {} : { body: message.envelope.body }),
    ...(message.envelope.smtputf8 === true ? { smtputf8: true } : {}),
  };
  let result: DeliveryResult;
  try {
    result = await send(ctx, route, envelope, outbound, signal);
  } catch (error) {
    // The agent promises never to reject for network trouble; if it does, the mail waits.
    ctx.logger.error({ queueId: message.id, error: String(error) }, 'Router: transfer agent failed');
    return noAgent(`Transfer failed: ${String((error as Error)?.message ?? error)}`);
  }
  const results = unit.recipients.map((r, i) => {
    const mapped = mapResult(r.index, result.recipients[i]);
    // Without DSN on our side the NOTIFY was not passed on: the next hop cannot confirm delivery.
    if (!dsn && mapped.kind === 'done' && r.notify !== undefined && r.notify !== 'NEVER')
      return { ...mapped, relayed: true };
    return mapped;
  });
  return {
    results,
    destinationFailed: results.length > 0 && results.every((r) => r.kind === 'transient'),
    body: queued,
  };
}
