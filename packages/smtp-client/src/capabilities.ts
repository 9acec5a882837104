/**
 * The EHLO keywords (RFC 5321 4.1.1.1) as a typed capability set. Unknown keywords are kept in
 * `keywords` so a caller can test for them; a HELO session has none.
 */
import type { SmtpReply } from '@mailroute/envelope';

/** What the server offered in its EHLO reply. */
export interface Capabilities {
  /** True after EHLO; false after the HELO fallback (no extension may be used). */
  readonly esmtp: boolean;
  /** The greeting name the server gave in the first EHLO line. */
  readonly serverName: string;
  /** Every keyword, upper case, with its parameters. */
  readonly keywords: ReadonlyMap<string, readonly string[]>;
  /** RFC 2920. */
  readonly pipelining: boolean;
  /** RFC 3030 CHUNKING (BDAT). */
  readonly chunking: boolean;
  /** RFC 3030 BINARYMIME. */
  readonly binaryMime: boolean;
  /** RFC 6152. */
  readonly eightBitMime: boolean;
  /** RFC 6531. */
  readonly smtputf8: boolean;
  /** RFC 3461. */
  readonly dsn: boolean;
  /** RFC 2034. */
  readonly enhancedStatusCodes: boolean;
  /** RFC 3207. */
  readonly startTls: boolean;
  /** RFC 1870: true when SIZE is offered. */
  readonly size: boolean;
  /** RFC 1870: the declared maximum in octets; undefined or 0 means no fixed limit. */
  readonly maxSizeBytes: number | undefined;
  /** RFC 4954: the SASL mechanisms, upper case (also from the old `AUTH=` form). */
  readonly authMechanisms: readonly string[];
}

/** Capabilities of a HELO session: nothing. */
export function heloCapabilities(reply: SmtpReply): Capabilities {
  return build(false, reply.lines[0]?.split(' ')[0] ?? '', new Map());
}

/** Reads the EHLO reply's lines (the first is the server's name and greeting). */
export function parseCapabilities(reply: SmtpReply): Capabilities {
  const keywords = new Map<string, string[]>();
  for (let i = 1; i < reply.lines.length; i++) {
    const line = reply.lines[i].trim();
    if (line === '') continue;
    // "AUTH=LOGIN PLAIN" is the pre-standard form some servers still send.
    const m = /^([A-Za-z0-9][A-Za-z0-9-]*)(?:[ =](.*))?$/.exec(line);
    if (m === null) continue;
    const key = m[1].toUpperCase();
    const params = (m[2] ?? '').split(/\s+/).filter((p) => p !== '');
    const prev = keywords.get(key);
    keywords.set(key, prev === undefined ? params : [...prev, ...params]);
  }
  return build(true, reply.lines[0]?.split(' ')[0] ?? '', keywords);
}

function build(esmtp: boolean, serverName: string, keywords: Map<string, string[]>): Capabilities {
  const sizeParam = keywords.get('SIZE')?.[0];
  const size =
    sizeParam === undefined ? undefined : /^\d{1,15}$/.test(sizeParam) ? Number(sizeParam) : undefined;
  const auth = new Set<string>();
  for (const p of keywords.get('AUTH') ?? []) auth.add(p.toUpperCase());
  return Object.freeze({
    esmtp,
    serverName,
    keywords,
    pipelining: keywords.has('PIPELINING'),
    chunking: keywords.has('CHUNKING'),
    binaryMime: keywords.has('BINARYMIME'),
    eightBitMime: keywords.has('8BITMIME'),
    smtputf8: keywords.has('SMTPUTF8'),
    dsn: keywords.has('DSN'),
    enhancedStatusCodes: keywords.has('ENHANCEDSTATUSCODES'),
    startTls: keywords.has('STARTTLS'),
    size: keywords.has('SIZE'),
    maxSizeBytes: size,
    authMechanisms: [...auth],
  });
}
