/**
 * The listener: accepts connections on the configured sockets, applies the connection limits
 * (`SMTPMaxSessions`, per-IP concurrency and rate), runs one {@link SmtpSession} per connection,
 * and offers the operations: stats, options replaced at run time, graceful shutdown.
 */
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { createSecureContext } from 'node:tls';
import { formatReply, Replies, type SmtpReply } from '@mailroute/envelope';
import type { Backend, ListenerKind } from './backend.js';
import { createDevCertificate } from './dev-cert.js';
import { type ResolvedOptions, resolveOptions, type SmtpServerOptions } from './options.js';
import { SmtpSession } from './session.js';
import { acceptTls, SocketTransport, type TlsSetup, tlsInfoOf } from './socket-transport.js';
import { type SmtpServerStats, StatsRecorder } from './stats.js';

/** A bound listener. */
export interface ListeningAddress {
  readonly kind: ListenerKind;
  readonly address: string;
  readonly port: number;
}

/** Options of {@link SmtpServer.close}. */
export interface CloseOptions {
  /** Milliseconds that sessions in a transaction get to finish before they are cut. Default 30000. */
  readonly deadline?: number;
}

/** The server made by {@link createSmtpServer}. */
export interface SmtpServer {
  /** Binds every listener; resolves with the bound addresses (useful with port 0). */
  listen(): Promise<ListeningAddress[]>;
  /**
   * Graceful shutdown: stop accepting, send `421 4.3.2` to idle sessions at once, let sessions in
   * DATA (or waiting for the backend) finish until `deadline`, then 421 and close the rest.
   */
  close(options?: CloseOptions): Promise<void>;
  /** Counters like `show stat SMTP`. */
  stats(): SmtpServerStats;
  /**
   * Replaces options for sessions that start from now on (Domino re-reads the config doc every
   * `SMTP_Config_Update_Interval` minutes). Fields not given keep their value. Listeners are
   * bound once and cannot change; a new `tls` takes effect for new handshakes. Throws on invalid
   * options, leaving the old ones in force.
   */
  updateOptions(options: SmtpServerOptions): void;
}

function normalizeIp(ip: string | undefined): string {
  if (ip === undefined) return 'unknown';
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

/** Creates an SMTP server calling `backend`. Validates `options` at once (throws on a bad one). */
export function createSmtpServer(options: SmtpServerOptions, backend: Backend): SmtpServer {
  let given: SmtpServerOptions = { ...options };
  let current: ResolvedOptions = resolveOptions(given);
  const listenerKinds = current.listeners;
  const stats = new StatsRecorder();
  const sessions = new Set<SmtpSession>();
  const perIpNow = new Map<string, number>();
  const perIpRecent = new Map<string, number[]>();
  const servers: Server[] = [];
  let tlsSetup: TlsSetup | undefined;
  let closing: Promise<void> | undefined;
  const idleWaiters: (() => void)[] = [];

  function needsTls(o: ResolvedOptions): boolean {
    return o.startTls !== 'disabled' || o.listeners.some((l) => l.kind === 'smtps');
  }

  function buildTls(o: ResolvedOptions): TlsSetup | undefined {
    if (!needsTls(o)) return undefined;
    let material = o.tls;
    if (material === undefined || (material.key === undefined && material.pfx === undefined)) {
      o.logger.warn(
        { hostname: o.hostname },
        'no TLS certificate configured: using a self-signed development certificate; never use it in production',
      );
      material = { ...material, ...createDevCertificate(o.hostname, new Date(o.clock.now())) };
    }
    const { SNICallback, ...contextOptions } = material;
    // RFC 8997: TLS 1.2 and 1.3 only, whatever the caller passed.
    const secureContext = createSecureContext({
      ...contextOptions,
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.3',
    });
    return { secureContext, SNICallback };
  }

  function refuse(socket: Socket, reply: SmtpReply | undefined): undefined {
    stats.add('connectionsRefused');
    if (reply !== undefined) stats.rejection(reply.code);
    socket.on('error', () => {});
    if (reply === undefined) socket.destroy();
    else socket.end(formatReply(reply));
    setTimeout(() => socket.destroy(), 2000).unref();
    return undefined;
  }

  function admit(socket: Socket, kind: ListenerKind, o: ResolvedOptions): string | undefined {
    const ip = normalizeIp(socket.remoteAddress);
    const plain = kind !== 'smtps';
    if (closing !== undefined) return refuse(socket, plain ? Replies.shuttingDown : undefined);
    if (sessions.size >= o.maxSessions) return refuse(socket, plain ? Replies.tooManySessions : undefined);
    if ((perIpNow.get(ip) ?? 0) >= o.perIp.maxSessions)
      return refuse(socket, plain ? Replies.rateLimited : undefined);
    if (Number.isFinite(o.perIp.maxConnectionsPerMinute)) {
      const now = o.clock.now();
      // Forget addresses whose window is empty, so the table cannot grow with every address seen.
      if (perIpRecent.size > 4096) {
        for (const [key, times] of perIpRecent)
          if (times[times.length - 1] <= now - 60_000) perIpRecent.delete(key);
      }
      const recent = (perIpRecent.get(ip) ?? []).filter((t) => t > now - 60_000);
      if (recent.length >= o.perIp.maxConnectionsPerMinute) {
        perIpRecent.set(ip, recent);
        return refuse(socket, plain ? Replies.rateLimited : undefined);
      }
      recent.push(now);
      perIpRecent.set(ip, recent);
    }
    return ip;
  }

  async function onConnection(socket: Socket, kind: ListenerKind): Promise<void> {
    const o = current;
    const ip = admit(socket, kind, o);
    if (ip === undefined) return;
    socket.setNoDelay(true);
    socket.on('error', () => {});
    perIpNow.set(ip, (perIpNow.get(ip) ?? 0) + 1);
    stats.sessionOpened();
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const n = (perIpNow.get(ip) ?? 1) - 1;
      if (n <= 0) perIpNow.delete(ip);
      else perIpNow.set(ip, n);
      stats.sessionClosed();
    };
    let stream: Socket = socket;
    let tlsInfo: ReturnType<typeof tlsInfoOf> | undefined;
    if (kind === 'smtps') {
      try {
        stream = await acceptTls(socket, tlsSetup as TlsSetup, o.timeouts.tlsHandshakeMs);
        tlsInfo = tlsInfoOf(stream as import('node:tls').TLSSocket);
      } catch {
        stats.add('tlsFailures');
        socket.destroy();
        release();
        return;
      }
    }
    const transport = new SocketTransport(stream, () => tlsSetup, o.timeouts.tlsHandshakeMs);
    const session: SmtpSession = new SmtpSession(
      o,
      backend,
      {
        id: o.ids(),
        remoteAddress: ip,
        remotePort: socket.remotePort ?? 0,
        localAddress: normalizeIp(socket.localAddress),
        localPort: socket.localPort ?? 0,
        listener: kind,
        secure: kind === 'smtps',
      },
      transport,
      stats,
      {
        sessionClosed() {
          sessions.delete(session);
          release();
          if (sessions.size === 0) for (const wake of idleWaiters.splice(0)) wake();
        },
      },
    );
    if (tlsInfo !== undefined) session.setTls(tlsInfo);
    sessions.add(session);
    transport.attach(session);
    await session.start();
  }

  return {
    async listen() {
      if (servers.length > 0) throw new Error('already listening');
      tlsSetup = buildTls(current);
      const out: ListeningAddress[] = [];
      for (const l of listenerKinds) {
        const server = createServer(
          { pauseOnConnect: false, noDelay: true, allowHalfOpen: true },
          (socket) => {
            onConnection(socket, l.kind).catch((error: unknown) => {
              current.logger.error({ err: error }, 'connection handling failed');
              socket.destroy();
            });
          },
        );
        server.on('error', (error) => current.logger.error({ err: error }, 'listener error'));
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(l.port, l.host, () => {
            server.removeListener('error', reject);
            resolve();
          });
        });
        servers.push(server);
        const a = server.address() as AddressInfo;
        out.push({ kind: l.kind, address: a.address, port: a.port });
      }
      return out;
    },

    close(closeOptions: CloseOptions = {}) {
      if (closing !== undefined) return closing;
      const deadline = closeOptions.deadline ?? 30_000;
      const timers = current.clock;
      closing = (async () => {
        const stopped = Promise.all(
          servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
        );
        for (const s of sessions) s.shutdown();
        if (sessions.size > 0) {
          await new Promise<void>((resolve) => {
            const cut = timers.setTimeout(() => {
              for (const session of sessions) session.abort();
            }, deadline);
            // Open sockets keep the process alive until the last session is gone.
            idleWaiters.push(() => {
              timers.clearTimeout(cut);
              resolve();
            });
          });
        }
        await stopped;
      })();
      return closing;
    },

    stats: () => stats.snapshot(),

    updateOptions(update: SmtpServerOptions) {
      const next = { ...given, ...update, listeners: given.listeners };
      const resolved = resolveOptions(next);
      const tlsChanged = update.tls !== undefined || update.startTls !== undefined;
      const setup = servers.length > 0 && tlsChanged ? buildTls(resolved) : tlsSetup;
      given = next;
      current = resolved;
      tlsSetup = setup;
    },
  };
}
