/**
 * The capture server's `smtpUrl` for `@mailroute/smtp-client`. nodemailer takes the URL as it is;
 * the SDK's client takes a next hop (`agent.deliverVia(hop, envelope, message)`), so this reads
 * any `smtp://user:pass@host:port` or `smtps://...` URL into one. The result has the shape of the
 * client's `NextHop` (this package does not depend on the client; the shapes are checked by a
 * test that sends through it).
 */

/** A next hop read from an SMTP URL: assignable to smtp-client's `NextHop`. */
export interface SmtpUrlHop {
  /** The host (an IP address for the capture server). */
  readonly host: string;
  /** The port: the URL's, else 25 for `smtp:`, 465 for `smtps:`. */
  readonly port: number;
  /**
   * `implicit` for `smtps:` (TLS from the first byte). Absent for `smtp:`: the client negotiates,
   * taking STARTTLS when the server offers it (the capture server's certificate is self-signed,
   * which the client's default `opportunistic` certificate mode accepts).
   */
  readonly tls?: 'implicit';
  /**
   * The URL's user and password, AUTH `required` (the client gives a transient failure rather
   * than send without it). Over plain text the agent also needs `allowPlaintextAuth: true`.
   */
  readonly auth?: { readonly user: string; readonly pass: string; readonly mode: 'required' };
}

/**
 * Reads `smtp://[user:password@]host[:port][?query]` (or `smtps://`) into a next hop. Throws a
 * RangeError naming what is wrong for another scheme, a missing host, a password without a user
 * or a bad port. The query (`tls.rejectUnauthorized=false`, for nodemailer) is ignored.
 */
export function nextHopFromSmtpUrl(url: string): SmtpUrlHop {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RangeError(`not a URL: ${JSON.stringify(url)}`);
  }
  const implicit = parsed.protocol === 'smtps:';
  if (!implicit && parsed.protocol !== 'smtp:') {
    throw new RangeError(`an SMTP URL starts with smtp:// or smtps://, got ${parsed.protocol}//`);
  }
  // new URL keeps IPv6 literals in brackets; the client connects to the bare address.
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw new RangeError(`the SMTP URL has no host: ${JSON.stringify(url)}`);
  const port = parsed.port === '' ? (implicit ? 465 : 25) : Number(parsed.port);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new RangeError(`the SMTP URL's port must be 1 to 65535, got ${parsed.port}`);
  }
  const user = decodeURIComponent(parsed.username);
  const pass = decodeURIComponent(parsed.password);
  if (user === '' && pass !== '') throw new RangeError('the SMTP URL has a password but no user');
  return {
    host,
    port,
    ...(implicit ? { tls: 'implicit' as const } : {}),
    ...(user === '' ? {} : { auth: { user, pass, mode: 'required' as const } }),
  };
}
