/**
 * Opening a ready session to one address under a TLS and AUTH policy: connect, EHLO, STARTTLS
 * as the policy says (Domino "Negotiated TLS", TLS required, `ROUTERFALLBACKNONTLS`), AUTH as the
 * hop says (Required / Enabled / Disabled).
 */
import { failed, ok, type Result } from '@mailroute/envelope';
import { connect } from './connect.js';
import type { ConnectOptions } from './connect-options.js';
import type { SmtpConnection } from './connection.js';
import { reason, type SmtpClientReason } from './reasons.js';
import type { NextHopAuth } from './types.js';

/**
 * How TLS is used: `none` plaintext; `negotiated` STARTTLS when offered (Domino's "Negotiated
 * TLS"); `required` STARTTLS or no delivery; `implicit` TLS from the first byte (port 465).
 */
export type TlsPolicy = 'none' | 'negotiated' | 'required' | 'implicit';

/** What {@link establish} needs beyond the connect options. */
export interface SessionPolicy {
  /** TLS use. */
  readonly tls: TlsPolicy;
  /** Domino `ROUTERFALLBACKNONTLS=1`: when the handshake fails under `negotiated`, reconnect in plaintext. */
  readonly fallbackNonTls: boolean;
  /** AUTH to do, if any. */
  readonly auth?: NextHopAuth;
}

/** Connects and readies a session; on failure the connection is closed and the reason returned. */
export async function establish(
  options: ConnectOptions,
  policy: SessionPolicy,
): Promise<Result<SmtpConnection, SmtpClientReason>> {
  const opened = await connect({ ...options, implicitTls: policy.tls === 'implicit' });
  if (!opened.ok) return opened;
  const conn = opened.value;
  const unbind = conn.bindSignal(options.signal);
  try {
    const hello = await conn.ehlo();
    if (!hello.ok) return await giveUp(conn, hello.reason);
    let caps = hello.value;
    if ((policy.tls === 'negotiated' || policy.tls === 'required') && conn.tls === undefined) {
      if (caps.startTls) {
        const t = await conn.startTls();
        if (!t.ok) {
          const refusedByReply = t.reason.reply !== undefined && t.reason.reply.code !== 421 && conn.usable;
          if (policy.tls === 'negotiated' && refusedByReply) {
            // 454 TLS not available: negotiated TLS goes on in plaintext on the same session (RFC 3207 4).
          } else if (
            policy.tls === 'negotiated' &&
            policy.fallbackNonTls &&
            t.reason.code === 'SMTP_TLS_FAILED'
          ) {
            conn.destroy();
            return establish(options, { ...policy, tls: 'none' });
          } else return await giveUp(conn, t.reason);
        } else caps = t.value;
      } else if (policy.tls === 'required') {
        return await giveUp(
          conn,
          reason(
            'SMTP_TLS_REQUIRED',
            `TLS is required for ${conn.remoteMta} but it does not offer STARTTLS`,
            true,
          ),
        );
      }
    }
    const auth = policy.auth;
    if (auth !== undefined && auth.mode !== 'disabled') {
      const offered = caps.authMechanisms.length > 0;
      if (auth.mode === 'required' || offered) {
        const a = await conn.auth({ user: auth.user, pass: auth.pass });
        if (!a.ok && (auth.mode === 'required' || !conn.usable)) return await giveUp(conn, a.reason);
      }
    }
    return ok(conn);
  } finally {
    unbind();
  }
}

async function giveUp(conn: SmtpConnection, why: SmtpClientReason): Promise<Result<never, SmtpClientReason>> {
  await conn.quit();
  return failed(why);
}
