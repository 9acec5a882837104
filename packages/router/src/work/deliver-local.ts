/**
 * A delivery thread's unit: the due local recipients of one message, grouped by mail file, one
 * copy per mail file (as its owner may see it), then one settle. Messages larger than
 * `RouterMaxConcurrentDeliverySize` wait for the one large-message slot first.
 */
import { failed, type Result } from '@mailroute/envelope';
import { INBOX_FOLDER, type LocalDelivery, type MailFiles } from '../delivery/mail-files.js';
import type { LeasedMessage } from '../mailbox/types.js';
import { bccViewFor } from '../message/bcc.js';
import { routeFromJson } from '../plan/route.js';
import { type AttemptResult, readBody, settleAttempt } from './attempt.js';
import type { RouterContext } from './context.js';

/** Status of routing failures (RFC 3463) for the report. */
const FAILURE_STATUS: Readonly<Record<string, string>> = {
  userNotListed: '5.1.1',
  ambiguous: '5.1.4',
  invalidAddress: '5.1.3',
  policy: '5.7.1',
  notExpanded: '5.3.0',
  noRoute: '5.4.4',
  noSmtpHost: '5.4.4',
};

/** Fails every recipient of an `unroutable` unit with its routing reason (and a report). */
export async function failUnroutable(ctx: RouterContext, unit: LeasedMessage): Promise<void> {
  const results: AttemptResult[] = unit.recipients.map((r) => {
    const route = routeFromJson(r.route);
    const reason = route.kind === 'fail' ? route.reason : 'No route found';
    const failure = route.kind === 'fail' ? route.failure : 'noRoute';
    return { index: r.index, kind: 'permanent', reason, status: FAILURE_STATUS[failure] ?? '5.4.4' };
  });
  await settleAttempt(ctx, unit.message, unit.recipients, results);
}

/** A MailFiles that throws breaks its contract; the throw becomes a temporary failure, never a crash. */
async function deliverSafely(mailFiles: MailFiles, delivery: LocalDelivery): Promise<Result<void>> {
  try {
    return await mailFiles.deliver(delivery);
  } catch (error) {
    return failed({
      code: 'ROUTER_MAIL_FILE_ERROR',
      message: String((error as Error)?.message ?? error),
      temporary: true,
    });
  }
}

/** Delivers a `delivery` unit into its mail files. */
export async function deliverLocal(ctx: RouterContext, unit: LeasedMessage): Promise<void> {
  const { message } = unit;
  const body = await readBody(ctx, message.id);
  const byMailFile = new Map<string, { owner: string; indexes: number[]; addresses: string[] }>();
  const results: AttemptResult[] = [];
  for (const r of unit.recipients) {
    const route = routeFromJson(r.route);
    if (route.kind !== 'deliver') {
      results.push({ index: r.index, kind: 'permanent', reason: 'Not a local recipient', status: '5.4.4' });
      continue;
    }
    const entry = byMailFile.get(route.mailFile) ?? { owner: route.owner, indexes: [], addresses: [] };
    entry.indexes.push(r.index);
    entry.addresses.push(r.address);
    byMailFile.set(route.mailFile, entry);
  }
  const mailFiles = ctx.mailFiles;
  const deliveredMs = ctx.clock.now();
  await Promise.all(
    [...byMailFile].map(async ([mailFile, entry]) => {
      const outcome =
        mailFiles === undefined
          ? {
              ok: false as const,
              reason: {
                code: 'ROUTER_NO_MAIL_FILES',
                message: 'No mail files configured on this server',
                temporary: true,
              },
            }
          : await deliverSafely(mailFiles, {
              queueId: message.id,
              mailFile,
              owner: entry.owner,
              recipients: entry.addresses,
              mailFrom: message.envelope.mailFrom,
              message: bccViewFor(body, entry.addresses),
              deliveredMs,
              folders: [INBOX_FOLDER],
            });
      for (const index of entry.indexes) {
        if (outcome.ok) results.push({ index, kind: 'done', state: 'delivered' });
        else
          results.push({
            index,
            kind: outcome.reason.temporary ? 'transient' : 'permanent',
            reason: outcome.reason.message,
            status: outcome.reason.temporary ? '4.2.0' : '5.2.0',
          });
      }
    }),
  );
  await settleAttempt(ctx, message, unit.recipients, results, body);
}
