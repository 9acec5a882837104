/**
 * Opening a connection (RFC 5321): TCP (or implicit TLS) under the connect timeout and the
 * caller's signal, then the greeting. Resolves with the connection or the reason there is none;
 * nothing the server or the network does makes it throw.
 */
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { failed, ok, type Result, silentLogger, systemClock } from '@mailroute/envelope';
import type { ConnectOptions } from './connect-options.js';
import { SmtpConnection } from './connection.js';
import { resolveTimeouts } from './options.js';
import { abortReason, reason, replyReason, type SmtpClientReason } from './reasons.js';
import { handshake } from './tls-handshake.js';
import { SmtpWire } from './wire.js';

/** Connects and reads the greeting. Resolves with the connection, or the reason there is none. */
export async function connect(options: ConnectOptions): Promise<Result<SmtpConnection, SmtpClientReason>> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const timeouts = resolveTimeouts(options.timeouts, options.timeoutMultiplier ?? 1);
  const port = options.port ?? 25;
  const tlsOpts = options.tls ?? {};
  const servername = options.servername ?? (isIP(options.host) === 0 ? options.host : undefined);
  const remoteMta = options.remoteMta ?? (isIP(options.host) === 0 ? options.host : `[${options.host}]`);
  if (options.signal?.aborted) return failed(abortReason(options.signal));

  let tcp: Socket;
  try {
    tcp = netConnect({ host: options.host, port, localAddress: options.localAddress });
  } catch (err) {
    // A bad port or local address: node throws at once; the caller still gets a result.
    return failed(
      reason('SMTP_CONNECT_FAILED', `cannot connect to ${remoteMta} port ${port}: ${String(err)}`, true),
    );
  }
  const opened = await new Promise<SmtpClientReason | undefined>((resolve) => {
    const finish = (r: SmtpClientReason | undefined): void => {
      clock.clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      tcp.off('error', onError);
      tcp.off('connect', onUp);
      if (r !== undefined) {
        tcp.on('error', () => {});
        tcp.destroy();
      }
      resolve(r);
    };
    const onUp = (): void => finish(undefined);
    const onError = (err: NodeJS.ErrnoException): void =>
      finish(
        reason(
          'SMTP_CONNECT_FAILED',
          `cannot connect to ${remoteMta} port ${port}: ${err.code ?? err.message}`,
          true,
        ),
      );
    const onAbort = (): void => finish(abortReason(options.signal));
    const timer = clock.setTimeout(
      () =>
        finish(
          reason(
            'SMTP_TIMEOUT',
            `connecting to ${remoteMta} port ${port} took over ${timeouts.connectMs} ms`,
            true,
          ),
        ),
      timeouts.connectMs,
    );
    tcp.on('error', onError);
    tcp.once('connect', onUp);
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });
  if (opened !== undefined) return failed(opened);
  tcp.setNoDelay(true);
  tcp.on('error', () => {}); // the wire or the TLS socket reports errors from here on
  let socket: Socket = tcp;
  if (options.implicitTls) {
    const secured = await handshake(
      tcp,
      tlsOpts,
      servername,
      timeouts.tlsHandshakeMs,
      clock,
      remoteMta,
      options.signal,
    );
    if (!secured.ok) return failed(secured.reason);
    socket = secured.value;
  }
  const wire = new SmtpWire(socket, {
    clock,
    logger,
    debug: options.debug ?? 0,
    limits: options.replyLimits,
  });
  wire.log(1, { remoteMta, port, implicitTls: options.implicitTls === true }, 'smtp client connected');
  const conn = new SmtpConnection(wire, options, timeouts, remoteMta, servername, clock);
  const unbind = conn.bindSignal(options.signal);
  const greeting = await wire.readReply(timeouts.greetingMs);
  unbind();
  if (!greeting.ok) return failed(greeting.reason);
  if (greeting.reply.code !== 220) {
    await conn.quit();
    return failed(replyReason(greeting.reply, `greeting of ${remoteMta}`));
  }
  return ok(conn);
}
