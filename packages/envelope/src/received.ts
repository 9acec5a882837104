/**
 * The Received trace header of RFC 5321 4.4, as Domino writes it, with its two switches:
 * `SMTPMaxForRecipients` (how many RCPT TO addresses the `for` clause names) and
 * `SMTPNoVersionInRcvdHdr` (hide the product and version).
 */

/** Protocol words of the `with` clause (RFC 3848, RFC 6531). */
export type ReceivedProtocol =
  | 'SMTP'
  | 'ESMTP'
  | 'ESMTPA'
  | 'ESMTPS'
  | 'ESMTPSA'
  | 'LMTP'
  | 'LMTPA'
  | 'LMTPS'
  | 'LMTPSA'
  | 'UTF8SMTP'
  | 'UTF8SMTPA'
  | 'UTF8SMTPS'
  | 'UTF8SMTPSA';

/** The facts of a session that pick the `with` word. */
export interface SessionKind {
  /** The client said EHLO (or LHLO) rather than HELO. */
  readonly esmtp: boolean;
  /** The session was under TLS (STARTTLS or implicit). */
  readonly tls?: boolean;
  /** The client authenticated. */
  readonly authenticated?: boolean;
  /** The transaction was SMTPUTF8. */
  readonly smtputf8?: boolean;
  /** LMTP rather than SMTP. */
  readonly lmtp?: boolean;
}

/** The `with` word for a session: ESMTP, ESMTPS, ESMTPA, ESMTPSA, UTF8SMTPS, ... */
export function receivedProtocol(kind: SessionKind): ReceivedProtocol {
  const suffix = `${kind.tls ? 'S' : ''}${kind.authenticated ? 'A' : ''}`;
  if (kind.lmtp) return `LMTP${suffix}` as ReceivedProtocol;
  if (kind.smtputf8) return `UTF8SMTP${suffix}` as ReceivedProtocol;
  if (!kind.esmtp && suffix === '') return 'SMTP';
  return `ESMTP${suffix}` as ReceivedProtocol;
}

/** What goes into one Received header. */
export interface ReceivedFields {
  /** The client: its HELO/EHLO name, the PTR name of its IP when there is one, and the IP. */
  readonly from?: { readonly helo: string; readonly reverseDns?: string; readonly ip?: string };
  /** This server's host name. */
  readonly by: string;
  /** Product and version, e.g. `mailroute 0.1.0`, written as a comment after `by`. */
  readonly product?: string;
  /** Domino `SMTPNoVersionInRcvdHdr`: true (1) leaves the product comment out. Default false (0). */
  readonly noVersionInReceivedHeader?: boolean;
  /** The `with` word; see {@link receivedProtocol}. Default ESMTP. */
  readonly protocol?: ReceivedProtocol;
  /** TLS details for a comment after the protocol, e.g. `{ version: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' }`. */
  readonly tls?: { readonly version: string; readonly cipher: string };
  /** The queue id of the message. */
  readonly id?: string;
  /** The envelope recipients (addresses without brackets), in RCPT TO order. */
  readonly recipients?: readonly string[];
  /**
   * Domino `SMTPMaxForRecipients`: how many recipients the `for` clause names. Default 0, as in
   * Domino, which leaves RCPT TO out of the header (seed 000: set it to see them; note that Bcc
   * recipients show too). With more recipients than this, the first ones are named.
   */
  readonly maxForRecipients?: number;
  /** When the message was received. Required: the envelope package has no clock. */
  readonly date: Date;
  /** Minutes east of UTC for the date's zone, e.g. 60 for +0100. Default 0. */
  readonly timezoneOffsetMinutes?: number;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Formats a date as RFC 5322 3.3 date-time, e.g. `Sat, 21 Nov 2026 09:46:47 +0000`. */
export function formatRfc5322Date(date: Date, timezoneOffsetMinutes = 0): string {
  const t = new Date(date.getTime() + timezoneOffsetMinutes * 60_000);
  const pad = (v: number) => String(v).padStart(2, '0');
  const sign = timezoneOffsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(timezoneOffsetMinutes);
  return (
    `${DAYS[t.getUTCDay()]}, ${t.getUTCDate()} ${MONTHS[t.getUTCMonth()]} ${t.getUTCFullYear()} ` +
    `${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())} ` +
    `${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`
  );
}

// Peer-supplied words (HELO, rDNS) go into a header: keep them printable ASCII, out of comment
// syntax, and short, whatever the client sent. Comments (product, TLS) may keep their spaces.
function clean(text: string, max = 255, spaces = false): string {
  const safe = text.replace(spaces ? /[^\x20-\x7e]|[()\\]/g : /[^\x21-\x7e]|[()\\]/g, '?');
  return safe.length > max ? `${safe.slice(0, max)}...` : safe;
}

/**
 * Formats the Received header, folded one clause per line, ending with CRLF:
 *
 * ```
 * Received: from mail.example.org (mail.example.org [192.0.2.1])
 * 	by mx.example.com (mailroute 0.1.0) with ESMTPS id 4F2A
 * 	for <john@example.com>; Sat, 21 Nov 2026 09:46:47 +0000
 * ```
 */
export function formatReceived(fields: ReceivedFields): string {
  const lines: string[] = [];
  if (fields.from) {
    const { helo, reverseDns, ip } = fields.from;
    const detail = [reverseDns ? clean(reverseDns) : undefined, ip ? `[${clean(ip, 64)}]` : undefined]
      .filter(Boolean)
      .join(' ');
    lines.push(`from ${clean(helo)}${detail ? ` (${detail})` : ''}`);
  }
  let by = `by ${clean(fields.by)}`;
  if (fields.product && fields.noVersionInReceivedHeader !== true)
    by += ` (${clean(fields.product, 64, true)})`;
  by += ` with ${fields.protocol ?? 'ESMTP'}`;
  if (fields.tls) by += ` (${clean(fields.tls.version, 32)} cipher ${clean(fields.tls.cipher, 64)})`;
  if (fields.id) by += ` id ${clean(fields.id, 64)}`;
  lines.push(by);
  const max = fields.maxForRecipients ?? 0;
  const recipients = fields.recipients ?? [];
  let tail = '';
  if (max > 0 && recipients.length > 0) {
    tail = `for ${recipients
      .slice(0, max)
      .map((r) => `<${clean(r)}>`)
      .join(', ')}`;
  }
  const date = formatRfc5322Date(fields.date, fields.timezoneOffsetMinutes ?? 0);
  if (tail) lines.push(`${tail}; ${date}`);
  else lines[lines.length - 1] += `; ${date}`;
  return `Received: ${lines.join('\r\n\t')}\r\n`;
}
