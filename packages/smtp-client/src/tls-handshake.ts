/**
 * TLS on a connected socket (implicit TLS, RFC 8314, and STARTTLS, RFC 3207): the handshake under
 * a timeout and an abort signal, the settings from the certificate mode, and the state to report.
 */
import type { Socket } from 'node:net';
import { type ConnectionOptions, type TLSSocket, connect as tlsConnect } from 'node:tls';
import { type Clock, failed, ok, type Result } from '@mailroute/envelope';
import type { ClientTlsOptions, TlsState } from './connect-options.js';
import { abortReason, reason, type SmtpClientReason } from './reasons.js';

/** The TLS handshake over a connected socket, under a timeout; the socket is destroyed on failure. */
export async function handshake(
  socket: Socket,
  opts: ClientTlsOptions,
  servername: string | undefined,
  timeoutMs: number,
  clock: Clock,
  remoteMta: string,
  signal: AbortSignal | undefined,
): Promise<Result<TLSSocket, SmtpClientReason>> {
  let tlsSocket: TLSSocket;
  try {
    tlsSocket = tlsConnect({ socket, ...tlsSettings(opts, servername) });
  } catch (err) {
    // Bad TLS options (an unreadable CA or key): node throws at once.
    socket.destroy();
    return failed(reason('SMTP_TLS_FAILED', `TLS with ${remoteMta} cannot start: ${String(err)}`, true));
  }
  const problem = await new Promise<SmtpClientReason | undefined>((resolve) => {
    const finish = (x: SmtpClientReason | undefined): void => {
      clock.clearTimeout(timer);
      tlsSocket.off('error', onError);
      tlsSocket.off('close', onClose);
      signal?.removeEventListener('abort', onAbort);
      resolve(x);
    };
    const onError = (err: NodeJS.ErrnoException): void =>
      finish(
        reason('SMTP_TLS_FAILED', `TLS handshake with ${remoteMta} failed: ${err.code ?? err.message}`, true),
      );
    const onClose = (): void =>
      finish(reason('SMTP_TLS_FAILED', `${remoteMta} closed the connection during the TLS handshake`, true));
    const onAbort = (): void => finish(abortReason(signal));
    const timer = clock.setTimeout(
      () =>
        finish(reason('SMTP_TLS_FAILED', `TLS handshake with ${remoteMta} took over ${timeoutMs} ms`, true)),
      timeoutMs,
    );
    tlsSocket.once('secureConnect', () => finish(undefined));
    tlsSocket.on('error', onError);
    tlsSocket.once('close', onClose);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  if (problem !== undefined) {
    tlsSocket.on('error', () => {});
    tlsSocket.destroy();
    socket.destroy();
    return failed(problem);
  }
  return ok(tlsSocket);
}

function tlsSettings(opts: ClientTlsOptions, servername: string | undefined): ConnectionOptions {
  const mode = opts.certificates ?? 'opportunistic';
  return {
    servername,
    rejectUnauthorized: mode === 'verify',
    ca: opts.ca as ConnectionOptions['ca'],
    cert: opts.cert,
    key: opts.key,
    minVersion: opts.minVersion ?? 'TLSv1.2',
  };
}

export function tlsState(socket: TLSSocket): TlsState {
  const err = socket.authorizationError;
  return {
    protocol: socket.getProtocol(),
    cipher: socket.getCipher()?.name ?? '',
    authorized: socket.authorized,
    ...(err === undefined || err === null ? {} : { authorizationError: String(err) }),
  };
}
