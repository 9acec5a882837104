/**
 * The transfer agent: delivery to a domain's MX hosts (RFC 5321 5.1, RFC 7505) and through a
 * named next hop (Domino's relay host and smart host), over pooled sessions, under a TLS policy
 * (negotiated, required per destination, MTA-STS), with an overall deadline per delivery. Where
 * to connect is targets.ts; the failures that concern every recipient are delivery-failures.ts.
 */
import { createResolver } from '@mailroute/dns';
import { silentLogger, systemClock } from '@mailroute/envelope';
import type { TransferAgentOptions, TransferResolver } from './agent-options.js';
import type { ConnectOptions } from './connect-options.js';
import type { SmtpConnection } from './connection.js';
import { everyone, stopReason } from './delivery-failures.js';
import { establish } from './establish.js';
import { createMtaSts } from './mta-sts.js';
import { resolveTimeouts } from './options.js';
import { ConnectionPool } from './pool.js';
import { reason, type SmtpClientReason } from './reasons.js';
import { saveOutboundMessage } from './save-outbound.js';
import { hopTargets, type MxContext, mxTargets, type Target } from './targets.js';
import type { TransactionOutcome } from './transaction.js';
import type {
  DeliveryOptions,
  DeliveryResult,
  OutboundEnvelope,
  OutboundMessage,
  RecipientResult,
  TransferAgent,
} from './types.js';

/** Creates a transfer agent. Option errors (a zero timeout, a bad pool limit) throw a RangeError here. */
export function createTransferAgent(options: TransferAgentOptions = {}): TransferAgent & {
  /** The pool (for statistics). */
  readonly pool: ConnectionPool;
} {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  resolveTimeouts(options.timeouts, options.timeoutMultiplier ?? 1); // validate now, not per delivery
  const deadlineMs = options.deadlineMs ?? 3_600_000;
  if (!Number.isFinite(deadlineMs) || deadlineMs <= 0)
    throw new RangeError('deadlineMs must be a positive number');
  const resolver: TransferResolver = options.resolver ?? createResolver({ clock });
  const pool = new ConnectionPool(clock, options.pool);
  const mtaSts =
    options.mtaSts === undefined
      ? undefined
      : createMtaSts({
          fetch: options.mtaSts.fetch,
          resolveTxt: (n, o) => resolver.resolveTxt(n, o),
          clock,
          logger,
        });
  let closed = false;
  const mx: MxContext = {
    resolver,
    mxPort: options.mxPort ?? 25,
    mxTls: options.mxTls ?? 'negotiated',
    requiredTls: new Set((options.tlsRequiredDomains ?? []).map((d) => d.toLowerCase())),
    mtaSts,
    logger,
    stopped: (signal) => stopReason(signal, closed),
  };

  const connectOptions = (t: Target, signal: AbortSignal): ConnectOptions => ({
    host: t.address,
    port: t.port,
    servername: t.servername,
    remoteMta: t.remoteMta,
    tls: { ...options.tls, ...(t.certificates === undefined ? {} : { certificates: t.certificates }) },
    heloName: options.heloName,
    timeouts: options.timeouts,
    timeoutMultiplier: options.timeoutMultiplier,
    replyLimits: options.replyLimits,
    allowPlaintextAuth: options.allowPlaintextAuth,
    pipelineData: options.pipelineData,
    maxDowngradeBytes: options.maxDowngradeBytes,
    debug: options.debug,
    logger,
    clock,
    signal,
  });

  /** One attempt at one address: a pooled or new session, one transaction. */
  async function attempt(
    t: Target,
    envelope: OutboundEnvelope,
    message: OutboundMessage,
    signal: AbortSignal,
  ): Promise<{ ok: true; outcome: TransactionOutcome } | { ok: false; reason: SmtpClientReason }> {
    const key = `${t.address}|${t.port}|${t.tls}|${t.certificates ?? ''}|${t.servername ?? ''}|${t.auth?.user ?? ''}`;
    for (let tries = 0; tries < 2; tries++) {
      const lease = await pool.acquire(key, signal);
      if (lease === undefined) return { ok: false, reason: stopReason(signal, closed) };
      let conn: SmtpConnection | undefined = lease.conn;
      const reused = conn !== undefined;
      if (conn === undefined) {
        const opened = await establish(connectOptions(t, signal), {
          tls: t.tls,
          fallbackNonTls: options.fallbackNonTls === true,
          auth: t.auth,
        });
        if (!opened.ok) {
          lease.release(undefined);
          return { ok: false, reason: opened.reason };
        }
        conn = opened.value;
      }
      let outcome: TransactionOutcome;
      try {
        outcome = await conn.transact(envelope, message, { signal });
      } finally {
        lease.release(conn);
      }
      // A pooled session the server had already dropped: once more on a fresh one.
      if (reused && outcome.sessionFailure?.code === 'SMTP_CONNECTION_LOST' && !signal.aborted) continue;
      return { ok: true, outcome };
    }
    return {
      ok: false,
      reason: reason('SMTP_CONNECTION_LOST', `${t.remoteMta} dropped two sessions in a row`, true),
    };
  }

  /**
   * Tries `targets` in order for the recipients still pending. A connection failure, a 4xx or 421
   * greeting, or a session failure before data moves on to the next target; a decision by the
   * server (a 5xx to a recipient, a final reply) is final.
   */
  async function run(
    targets: readonly Target[],
    envelope: OutboundEnvelope,
    message: OutboundMessage,
    signal: AbortSignal,
    noTarget: SmtpClientReason,
  ): Promise<DeliveryResult> {
    const results: (RecipientResult | undefined)[] = envelope.recipients.map(() => undefined);
    // What each recipient got at the last host that said something about it, if it moves on.
    const lastSeen: (RecipientResult | undefined)[] = envelope.recipients.map(() => undefined);
    let last: SmtpClientReason = noTarget;
    let lastMta: string | undefined;
    let queueId: string | undefined;
    let deliveredMta: string | undefined;
    for (const t of targets) {
      const pending = envelope.recipients.flatMap((_r, i) => (results[i] === undefined ? [i] : []));
      if (pending.length === 0 || signal.aborted) break;
      const sub: OutboundEnvelope = { ...envelope, recipients: pending.map((i) => envelope.recipients[i]) };
      const a = await attempt(t, sub, message, signal);
      lastMta = t.remoteMta;
      if (!a.ok) {
        last = a.reason;
        for (const i of pending) lastSeen[i] = undefined;
        logger.info(
          { remoteMta: t.remoteMta, address: t.address, code: a.reason.code, message: a.reason.message },
          'smtp transfer: next address',
        );
        if (
          a.reason.code === 'SMTP_ABORTED' ||
          a.reason.code === 'SMTP_DEADLINE' ||
          a.reason.code === 'SMTP_AGENT_CLOSED'
        )
          break;
        continue;
      }
      const { outcome } = a;
      const retryElsewhere = outcome.sessionFailure !== undefined;
      outcome.result.recipients.forEach((r, k) => {
        const movable =
          retryElsewhere &&
          r.outcome === 'transient' &&
          (r.reply === undefined || r.reply.code === 421 || r.reason === outcome.sessionFailure);
        if (!movable) results[pending[k]] = r;
        else lastSeen[pending[k]] = r;
      });
      if (outcome.result.queueId !== undefined) queueId = outcome.result.queueId;
      if (outcome.result.recipients.some((r) => r.outcome === 'delivered')) deliveredMta = t.remoteMta;
      if (retryElsewhere) last = outcome.sessionFailure as SmtpClientReason;
    }
    if (signal.aborted) last = stopReason(signal, closed);
    const remoteMta = deliveredMta ?? lastMta;
    return {
      recipients: envelope.recipients.map(
        (r, i) =>
          results[i] ??
          (signal.aborted ? undefined : lastSeen[i]) ?? {
            address: r.address,
            // No host took a decision about this recipient (refused connections, 5xx greetings,
            // lost sessions): the mail waits and is tried again, it is never bounced for that.
            outcome: 'transient',
            reason: last.temporary ? last : { ...last, temporary: true },
            ...(last.reply === undefined ? {} : { reply: last.reply }),
            ...(lastMta === undefined ? {} : { remoteMta: lastMta }),
          },
      ),
      ...(queueId === undefined ? {} : { queueId }),
      ...(remoteMta === undefined ? {} : { remoteMta }),
    };
  }

  /** Runs a delivery under the deadline and the caller's signal, saving the message when asked. */
  async function guarded(
    envelope: OutboundEnvelope,
    message: OutboundMessage,
    opts: DeliveryOptions | undefined,
    body: (signal: AbortSignal) => Promise<DeliveryResult>,
  ): Promise<DeliveryResult> {
    if (envelope.recipients.length === 0)
      throw new TypeError('an outbound envelope needs at least one recipient');
    if (closed) return everyone(envelope, reason('SMTP_AGENT_CLOSED', 'the transfer agent is closed', true));
    const controller = new AbortController();
    const timer = clock.setTimeout(
      () => controller.abort(reason('SMTP_DEADLINE', `the delivery took over ${deadlineMs} ms`, true)),
      deadlineMs,
    );
    const onAbort = (): void => controller.abort(opts?.signal?.reason);
    if (opts?.signal?.aborted) onAbort();
    else opts?.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (options.saveOutboundDir !== undefined)
        await saveOutboundMessage(options.saveOutboundDir, message, clock.now(), logger);
      const result = await body(controller.signal);
      logger.info(
        {
          remoteMta: result.remoteMta,
          queueId: result.queueId,
          outcomes: result.recipients.map((r) => `${r.outcome}:${r.reason.code}`),
        },
        'smtp transfer done',
      );
      return result;
    } finally {
      clock.clearTimeout(timer);
      opts?.signal?.removeEventListener('abort', onAbort);
    }
  }

  return {
    pool,

    deliverToDomain(domain, envelope, message, opts) {
      return guarded(envelope, message, opts, async (signal) => {
        const found = await mxTargets(mx, domain, signal);
        if ('failure' in found) return everyone(envelope, found.failure);
        return run(found.targets, envelope, message, signal, found.noTarget);
      });
    },

    deliverVia(hop, envelope, message, opts) {
      return guarded(envelope, message, opts, async (signal) => {
        const found = await hopTargets(resolver, hop, signal, (s) => stopReason(s, closed));
        if ('failure' in found) return everyone(envelope, found.failure);
        return run(found.targets, envelope, message, signal, found.noTarget);
      });
    },

    async close() {
      closed = true;
      await pool.close();
    },
  };
}
