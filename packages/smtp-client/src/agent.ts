/**
 * The transfer agent: delivery to a domain's MX hosts (RFC 5321 5.1, RFC 7505) and through a
 * named next hop (Domino's relay host and smart host), over pooled sessions, under a TLS policy
 * (negotiated, required per destination, MTA-STS), with an overall deadline per delivery.
 */
import { isIP } from 'node:net';
import { createResolver } from '@mailroute/dns';
import {
  type Clock,
  type Logger,
  type Reason,
  type SmtpReply,
  silentLogger,
  systemClock,
} from '@mailroute/envelope';
import type { ClientTlsOptions, ConnectOptions, SmtpConnection } from './connection.js';
import { establish, type TlsPolicy } from './establish.js';
import { createMtaSts, type MtaStsFetcher, mxMatches } from './mta-sts.js';
import { resolveTimeouts, type SmtpTimeouts } from './options.js';
import { ConnectionPool, type PoolOptions } from './pool.js';
import { reason, type SmtpClientReason } from './reasons.js';
import type { ReplyReaderLimits } from './reply-reader.js';
import { saveOutboundMessage } from './save-outbound.js';
import type { TransactionOutcome } from './transaction.js';
import type {
  DeliveryOptions,
  DeliveryResult,
  NextHopAuth,
  OutboundEnvelope,
  OutboundMessage,
  RecipientResult,
  TransferAgent,
} from './types.js';
import type { ClientDebugLevel } from './wire.js';

/** What the agent needs of a resolver: the shape of `@mailroute/dns`'s `MailResolver`. */
export interface TransferResolver {
  /** MX hosts and their addresses in the order to try. */
  resolveMx(
    domain: string,
    options?: { signal?: AbortSignal },
  ): Promise<{
    readonly hosts: readonly { readonly exchange: string; readonly addresses: readonly string[] }[];
  }>;
  /** IPv4 addresses of a name. */
  resolveA(name: string, options?: { signal?: AbortSignal }): Promise<string[]>;
  /** IPv6 addresses of a name. */
  resolveAaaa(name: string, options?: { signal?: AbortSignal }): Promise<string[]>;
  /** TXT records (for MTA-STS). */
  resolveTxt(name: string, options?: { signal?: AbortSignal }): Promise<string[]>;
}

/** Options of {@link createTransferAgent}. */
export interface TransferAgentOptions {
  /** DNS; default a `@mailroute/dns` resolver on the system's servers. */
  readonly resolver?: TransferResolver;
  /** The name given in EHLO; default the machine's host name. */
  readonly heloName?: string;
  /** Port of MX hosts; default 25 (tests point it elsewhere). */
  readonly mxPort?: number;
  /**
   * TLS toward MX hosts: `negotiated` (Domino "Negotiated TLS": STARTTLS when offered, the
   * default), `none`, or `required`.
   */
  readonly mxTls?: 'none' | 'negotiated' | 'required';
  /** Domains whose MX hosts must speak TLS (TLS required per destination), lower case. */
  readonly tlsRequiredDomains?: readonly string[];
  /** Domino `ROUTERFALLBACKNONTLS=1`: a failed negotiated handshake is retried in plaintext; default false. */
  readonly fallbackNonTls?: boolean;
  /** Certificates, CAs, client certificate; default certificates `opportunistic`. */
  readonly tls?: ClientTlsOptions;
  /** Largest 8-bit message converted to 7 bit for a server without 8BITMIME; 0 never; default 10 MiB. */
  readonly maxDowngradeBytes?: number;
  /** Allow AUTH without TLS toward a next hop; default false. */
  readonly allowPlaintextAuth?: boolean;
  /** Per-phase timeouts (RFC 5321 4.5.3.2); default RFC 5321's. */
  readonly timeouts?: Partial<SmtpTimeouts>;
  /** Domino `SMTPTimeoutMultiplier`; default 1. */
  readonly timeoutMultiplier?: number;
  /** The most one delivery may take, all hosts included; default 3,600,000 ms. */
  readonly deadlineMs?: number;
  /** Pool limits. */
  readonly pool?: PoolOptions;
  /** Reply reader limits. */
  readonly replyLimits?: ReplyReaderLimits;
  /** MTA-STS (RFC 8461): give an HTTPS fetcher to switch it on. */
  readonly mtaSts?: { readonly fetch: MtaStsFetcher };
  /** Domino `SmtpSaveOutboundToFile=1`: the directory each outbound message is saved to. */
  readonly saveOutboundDir?: string;
  /** Domino `SMTPClientDebug`: 0 off, 1 commands and replies, 2 plus data byte counts. */
  readonly debug?: ClientDebugLevel;
  /** Logger; default silent. */
  readonly logger?: Logger;
  /** Clock; default the system's. */
  readonly clock?: Clock;
}

/** One address to try, and how. */
interface Target {
  readonly address: string;
  readonly port: number;
  readonly servername: string | undefined;
  readonly remoteMta: string;
  readonly tls: TlsPolicy;
  readonly certificates?: ClientTlsOptions['certificates'];
  readonly auth?: NextHopAuth;
}

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
  const requiredTls = new Set((options.tlsRequiredDomains ?? []).map((d) => d.toLowerCase()));
  let closed = false;

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
        const d = domain.toLowerCase().replace(/\.$/, '');
        let hosts: readonly { readonly exchange: string; readonly addresses: readonly string[] }[];
        try {
          hosts = (await resolver.resolveMx(d, { signal })).hosts;
        } catch (err) {
          if (signal.aborted) return everyone(envelope, stopReason(signal, closed));
          return everyone(envelope, dnsReason(d, err));
        }
        const port = options.mxPort ?? 25;
        let tls: TlsPolicy = requiredTls.has(d) ? 'required' : (options.mxTls ?? 'negotiated');
        let certificates: ClientTlsOptions['certificates'];
        if (mtaSts !== undefined) {
          const policy = await mtaSts.policyFor(d, signal);
          if (policy !== undefined && policy.mode !== 'none') {
            const matching = hosts.filter((h) => policy.mx.some((p) => mxMatches(p, h.exchange)));
            if (policy.mode === 'testing') {
              if (matching.length < hosts.length)
                logger.warn({ domain: d, mx: policy.mx }, 'MTA-STS testing: MX hosts outside the policy');
            } else {
              hosts = matching;
              tls = 'required';
              certificates = 'verify';
              if (hosts.length === 0)
                return everyone(
                  envelope,
                  reason('SMTP_MTA_STS', `no MX host of ${d} matches its MTA-STS policy`, true),
                );
            }
          }
        }
        const targets: Target[] = hosts.flatMap((h) =>
          h.addresses.map((address) => ({
            address,
            port,
            servername: isIP(h.exchange) === 0 && !h.exchange.startsWith('[') ? h.exchange : undefined,
            remoteMta: h.exchange,
            tls,
            certificates,
          })),
        );
        return run(
          targets,
          envelope,
          message,
          signal,
          reason('SMTP_DNS', `no address for the MX hosts of ${d}`, true),
        );
      });
    },

    deliverVia(hop, envelope, message, opts) {
      return guarded(envelope, message, opts, async (signal) => {
        const port = hop.port ?? 25;
        const tls: TlsPolicy =
          hop.tls === 'none'
            ? 'none'
            : hop.tls === 'starttls'
              ? 'required'
              : hop.tls === 'implicit' || (hop.tls === undefined && port === 465)
                ? 'implicit'
                : 'negotiated';
        const host = hop.host.replace(/^\[(?:IPv6:)?|\]$/gi, '');
        let addresses: string[];
        if (isIP(host) !== 0) addresses = [host];
        else {
          const [a, aaaa] = await Promise.allSettled([
            resolver.resolveA(host, { signal }),
            resolver.resolveAaaa(host, { signal }),
          ]);
          addresses = [
            ...(a.status === 'fulfilled' ? a.value : []),
            ...(aaaa.status === 'fulfilled' ? aaaa.value : []),
          ];
          if (addresses.length === 0) {
            if (signal.aborted) return everyone(envelope, stopReason(signal, closed));
            const err =
              a.status === 'rejected' ? a.reason : aaaa.status === 'rejected' ? aaaa.reason : undefined;
            // A relay host that does not resolve is a configuration error: mail waits for it to be fixed.
            const why = dnsReason(host, err);
            return everyone(envelope, {
              ...why,
              temporary: true,
              message: `relay host ${host}: ${why.message}`,
            });
          }
        }
        const targets: Target[] = addresses.map((address) => ({
          address,
          port,
          servername: isIP(host) === 0 ? host : undefined,
          remoteMta: isIP(host) === 0 ? host : `[${host}]`,
          tls,
          ...(hop.auth === undefined ? {} : { auth: hop.auth }),
        }));
        return run(targets, envelope, message, signal, reason('SMTP_DNS', `no address for ${host}`, true));
      });
    },

    async close() {
      closed = true;
      await pool.close();
    },
  };
}

function everyone(envelope: OutboundEnvelope, why: Reason): DeliveryResult {
  return {
    recipients: envelope.recipients.map((r) => ({
      address: r.address,
      outcome: why.temporary ? 'transient' : 'permanent',
      reason: why,
    })),
  };
}

function stopReason(signal: AbortSignal, closed: boolean): SmtpClientReason {
  if (closed && !signal.aborted) return reason('SMTP_AGENT_CLOSED', 'the transfer agent is closed', true);
  const r = signal.reason as Partial<SmtpClientReason> | undefined;
  if (r?.code === 'SMTP_DEADLINE' && typeof r.message === 'string')
    return reason('SMTP_DEADLINE', r.message, true);
  return reason('SMTP_ABORTED', 'the delivery was aborted', true);
}

/** A DNS failure as a reason, told apart by shape (`code`, `temporary`, `reply`), not by class. */
function dnsReason(name: string, err: unknown): SmtpClientReason {
  const e = (err ?? {}) as {
    temporary?: unknown;
    code?: unknown;
    reply?: unknown;
    message?: unknown;
  };
  const reply = isReply(e.reply) ? e.reply : undefined;
  const message = typeof e.message === 'string' ? e.message : String(err);
  if (e.code === 'ENULLMX')
    return reason('SMTP_NULL_MX', `${name} publishes a null MX: it accepts no mail`, false, reply);
  return reason('SMTP_DNS', `lookup for ${name} failed: ${message}`, e.temporary !== false, reply);
}

function isReply(x: unknown): x is SmtpReply {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as { code?: unknown }).code === 'number' &&
    Array.isArray((x as { lines?: unknown }).lines)
  );
}
