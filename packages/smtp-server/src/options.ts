/**
 * Server options with their Domino names and defaults, and their validation. A limit that is 0,
 * NaN, negative or not a number is a configuration error (RangeError), never "no limit": a typo
 * in a limit must not silently open the server to a memory or connection flood. Where a limit
 * can be switched off, the value for that is `Infinity`, written out.
 */
import { hostname as osHostname } from 'node:os';
import type { SecureContextOptions } from 'node:tls';
import { type Clock, type Logger, silentLogger, systemClock } from '@mailroute/envelope';
import type { ListenerKind } from './backend.js';
import type { CaptureStorage } from './capture.js';
import { createRandomIds, type IdSource } from './ids.js';

/** One listening socket. */
export interface ListenerOptions {
  /** `smtp` (relay, STARTTLS per `startTls`), `submission` (AUTH required), `smtps` (implicit TLS). */
  readonly kind: ListenerKind;
  /** TCP port; 0 picks a free one (see the addresses `listen()` returns). */
  readonly port: number;
  /** Address to bind. Default `127.0.0.1`: listening on every interface is a deliberate choice. */
  readonly host?: string;
}

/** The config doc's Commands and Extensions tab, plus CHUNKING and SMTPUTF8. */
export interface ExtensionOptions {
  /** SIZE (RFC 1870): advertise the maximum size, check MAIL FROM SIZE=. Domino default on. */
  readonly size?: boolean;
  /**
   * PIPELINING (RFC 2920). Domino default on. Off: not advertised, and a burst of commands sent
   * without waiting for replies gets 503 5.5.0.
   */
  readonly pipelining?: boolean;
  /** DSN (RFC 3461): RET, ENVID, NOTIFY, ORCPT passed to the backend. Domino default off. */
  readonly dsn?: boolean;
  /** 8BITMIME (RFC 6152). Domino default off. */
  readonly eightBitMime?: boolean;
  /** SMTPUTF8 (RFC 6531): UTF-8 addresses. Not in Domino; default off. Needs 8BITMIME to be advertised. */
  readonly smtputf8?: boolean;
  /** CHUNKING (RFC 3030): the BDAT command. Not in Domino (a "beyond"); default on. */
  readonly chunking?: boolean;
  /** HELP command. Domino default on; off answers 502. */
  readonly help?: boolean;
  /** VRFY command. Domino default off (502); on asks the backend's `verify`, else 252. */
  readonly vrfy?: boolean;
  /** EXPN command. Domino default off (502); on asks the backend's `expand`. */
  readonly expn?: boolean;
  /** ETRN command (RFC 1985). Domino default off (502); on asks the backend's `etrn`. */
  readonly etrn?: boolean;
  /**
   * Refuse 8-bit content (octets 0x80-0xFF) in a message whose MAIL FROM did not declare
   * `BODY=8BITMIME` (or SMTPUTF8), with `554 5.6.0` after the end of data. This is Domino's
   * behaviour with the 8-bit MIME extension disabled ("requires inbound messages containing 8-bit
   * characters to be sent using 7-bit ASCII encoding"). Default false: such messages are
   * accepted as they are, as most servers do, because many senders never declare.
   */
  readonly refuseUndeclared8bit?: boolean;
}

/** Timeouts in milliseconds, before `SMTPTimeoutMultiplier`. */
export interface TimeoutOptions {
  /** From the greeting to the first command, in ms. Default 300000 (RFC 5321 4.5.3.2 server timeout, 5 min). */
  readonly greetingMs?: number;
  /** Waiting for the next command, from the previous reply, in ms. Default 300000 (5 min). */
  readonly commandMs?: number;
  /** Between two blocks of DATA/BDAT octets, in ms. Default 180000 (RFC 5321 4.5.3.2.6, 3 min). */
  readonly dataBlockMs?: number;
  /** The TLS handshake (STARTTLS or implicit), in ms. Default 30000. */
  readonly tlsHandshakeMs?: number;
  /** The whole session, whatever happens in it (slowloris bound), in ms. Default 3600000 (1 h). */
  readonly sessionMs?: number;
  /**
   * In ms: how long a client greeted with a refusal (`554` at connect: connection controls, a DNS
   * blacklist) is kept waiting for its QUIT (RFC 5321 3.1: the server MUST wait for QUIT and answer
   * other commands `503`). Short, since such a client holds a session slot. Default 10000 (10 s).
   */
  readonly afterRefusalMs?: number;
}

/** Per client IP address limits. Not in Domino; both default to Infinity (off). */
export interface PerIpOptions {
  /** Concurrent sessions from one IP; past it `421 4.7.0` at connect. */
  readonly maxSessions?: number;
  /** New connections from one IP per minute (sliding 60 s window); past it `421 4.7.0`. */
  readonly maxConnectionsPerMinute?: number;
}

/** Raw message capture (Domino `SmtpSaveImportErrors`, `SMTPSaveFileFrom`). */
export interface CaptureOptions {
  /**
   * `SmtpSaveImportErrors`: 0 never (default), 1 keep the raw message when the backend refuses or
   * fails it, 2 always keep it, 3 keep it while the backend works and delete it when accepted.
   */
  readonly saveImportErrors?: 0 | 1 | 2 | 3;
  /** `SMTPSaveFileFrom`: keep the raw message anyway when MAIL FROM contains this string. */
  readonly saveFileFrom?: string;
  /** Where captured messages go; required when capture is on. See `DirectoryCaptureStorage`. */
  readonly storage?: CaptureStorage;
}

/** Options of {@link createSmtpServer}. Every field is optional. */
export interface SmtpServerOptions {
  /** This server's name in the greeting, EHLO reply and Received header. Default `os.hostname()`. */
  readonly hostname?: string;
  /**
   * `SMTPGreeting`: the 220 text after the host name; `%s` becomes the date. Default
   * `ESMTP Service ready at %s` (no product or version, unlike Domino's default).
   */
  readonly greeting?: string;
  /** Listening sockets. Default one plain SMTP listener on 127.0.0.1:2525. */
  readonly listeners?: readonly ListenerOptions[];
  /**
   * "SSL negotiated over TCP/IP port" of the Server document: `disabled` (Domino default),
   * `enabled` (STARTTLS offered) or `required` (MAIL refused with 530 before STARTTLS).
   */
  readonly startTls?: 'disabled' | 'enabled' | 'required';
  /**
   * Certificate and key for STARTTLS and implicit TLS (node `tls` options: key, cert, ca,
   * SNICallback ...). TLS 1.2 is the floor and 1.3 the ceiling whatever is given (RFC 8997).
   * Default: a self-signed development certificate made at `listen()`, with a warning.
   */
  readonly tls?: SecureContextOptions & {
    readonly SNICallback?: import('node:tls').TlsOptions['SNICallback'];
  };
  /** Offer AUTH without TLS. Default false: AUTH only under TLS (credentials never travel in clear). */
  readonly allowInsecureAuth?: boolean;
  /** Extensions and commands. */
  readonly extensions?: ExtensionOptions;
  /** Maximum message size in octets (config doc "Maximum message size"). Default 26214400 (25 MiB). */
  readonly maxMessageSizeBytes?: number;
  /** `SMTPMaxRecipientCount`: recipients per message; past it `452 4.5.3`. Default 100 (RFC 5321 4.5.3.1.8). */
  readonly maxRecipients?: number;
  /** `SMTPMaxCommandLength`: longest command line in octets. Default 1200. */
  readonly maxCommandLengthBytes?: number;
  /** `SMTPMaxSessions`: concurrent sessions; past it `421 4.3.2` at connect. Default 1000. */
  readonly maxSessions?: number;
  /**
   * `SMTPErrorLimit`: errors before `421 4.7.0` and close. Default 10 (config doc). Counted:
   * protocol errors (500-504, 555, 530), failed authentication (535, 538) and refused recipients
   * (550-554 to RCPT, e.g. `No such user`, `Relay rejected`), so an address-guessing client trips it.
   */
  readonly errorLimit?: number;
  /**
   * Close the session after a failed authentication (`535`), as Domino does (seed 004: the client
   * sees "Authentication failed" and must connect again). Default true; false lets a client try
   * again in the same session (each failure still counts toward `errorLimit`).
   */
  readonly closeAfterAuthFailure?: boolean;
  /** `SMTPTimeoutMultiplier`: every timeout is multiplied by it. Default 1. */
  readonly timeoutMultiplier?: number;
  /** Timeouts. */
  readonly timeouts?: TimeoutOptions;
  /** Per-IP limits. */
  readonly perIp?: PerIpOptions;
  /** `SMTPStrict821AddressSyntax`: angle brackets required in MAIL/RCPT. Default false (0). */
  readonly strict821AddressSyntax?: boolean;
  /** `SMTPStrict821LineSyntax`: CRLF required on command lines and in DATA. Default false (0). */
  readonly strict821LineSyntax?: boolean;
  /** `SMTPMaxForRecipients`: recipients named in the Received header's `for` clause. Default 0. */
  readonly maxForRecipients?: number;
  /** Product comment in the Received header, e.g. `mailroute 0.1.0`. Default none. */
  readonly product?: string;
  /** `SMTPNoVersionInRcvdHdr`: leave the product comment out. Default false (0). */
  readonly noVersionInReceivedHeader?: boolean;
  /** `SMTPDebug`: 0 off (default), 1 sessions, 2 commands and replies with byte counts, 3 plus text. */
  readonly debug?: 0 | 1 | 2 | 3;
  /** `SMTPDebugIO`: 0 off (default), 1 byte counts, 3 all protocol data, 4 message data too. */
  readonly debugIo?: 0 | 1 | 3 | 4;
  /** Raw capture. */
  readonly capture?: CaptureOptions;
  /**
   * The SDK's clock (envelope's `Clock`: epoch ms and timers), for dates (greeting, Received, the
   * CRAM-MD5 challenge) and every timeout. Default envelope's `systemClock` (timers unref'ed, so
   * an idle server never holds the process alive on its own).
   */
  readonly clock?: Clock;
  /** Session and queue ids. Default random 12-character base32. */
  readonly ids?: IdSource;
  /** Logger: envelope's `Logger` (pino-compatible, a pino logger fits). Default silent. */
  readonly logger?: Logger;
}

/** Options with every default filled in, frozen. What a session reads. */
export interface ResolvedOptions {
  readonly hostname: string;
  readonly greeting: string;
  readonly listeners: readonly Required<ListenerOptions>[];
  readonly startTls: 'disabled' | 'enabled' | 'required';
  readonly tls: SmtpServerOptions['tls'];
  readonly allowInsecureAuth: boolean;
  readonly extensions: Required<ExtensionOptions>;
  readonly maxMessageSizeBytes: number;
  readonly maxRecipients: number;
  readonly maxCommandLengthBytes: number;
  readonly maxSessions: number;
  readonly errorLimit: number;
  readonly closeAfterAuthFailure: boolean;
  readonly timeouts: Required<TimeoutOptions>;
  readonly perIp: Required<PerIpOptions>;
  readonly strict821AddressSyntax: boolean;
  readonly strict821LineSyntax: boolean;
  readonly maxForRecipients: number;
  readonly product: string | undefined;
  readonly noVersionInReceivedHeader: boolean;
  readonly debug: 0 | 1 | 2 | 3;
  readonly debugIo: 0 | 1 | 3 | 4;
  readonly capture: {
    saveImportErrors: 0 | 1 | 2 | 3;
    saveFileFrom: string | undefined;
    storage?: CaptureStorage;
  };
  readonly clock: Clock;
  readonly ids: IdSource;
  readonly logger: Logger;
}

/** A count limit: a positive integer, or Infinity where `infinite` allows switching it off. */
function limit(name: string, value: number | undefined, fallback: number, infinite = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive number, got ${String(value)}`);
  }
  if (value === Number.POSITIVE_INFINITY) {
    if (infinite) return value;
    throw new RangeError(`${name} cannot be Infinity: it protects the server's memory`);
  }
  if (!Number.isInteger(value)) throw new RangeError(`${name} must be an integer, got ${value}`);
  return value;
}

function oneOf<T extends string | number>(
  name: string,
  value: T | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value))
    throw new RangeError(`${name} must be one of ${allowed.join(', ')}, got ${value}`);
  return value;
}

/** Fills in defaults and validates. Throws RangeError/TypeError on a bad option. */
export function resolveOptions(options: SmtpServerOptions = {}): ResolvedOptions {
  const ext = options.extensions ?? {};
  const multiplier = options.timeoutMultiplier ?? 1;
  if (typeof multiplier !== 'number' || !(multiplier > 0) || !Number.isFinite(multiplier)) {
    throw new RangeError(`timeoutMultiplier must be a positive finite number, got ${String(multiplier)}`);
  }
  const t = options.timeouts ?? {};
  const timeout = (name: keyof TimeoutOptions, fallback: number) =>
    limit(`timeouts.${name}`, t[name], fallback) * multiplier;
  const greeting = options.greeting ?? 'ESMTP Service ready at %s';
  if (typeof greeting !== 'string') throw new TypeError('greeting must be a string');
  const listeners = (options.listeners ?? [{ kind: 'smtp', port: 2525 }]).map((l) => {
    oneOf('listener kind', l.kind, ['smtp', 'submission', 'smtps'] as const, 'smtp');
    if (!Number.isInteger(l.port) || l.port < 0 || l.port > 65535) {
      throw new RangeError(`listener port must be 0-65535, got ${String(l.port)}`);
    }
    return Object.freeze({ kind: l.kind, port: l.port, host: l.host ?? '127.0.0.1' });
  });
  const capture = options.capture ?? {};
  const saveImportErrors = oneOf(
    'capture.saveImportErrors',
    capture.saveImportErrors,
    [0, 1, 2, 3] as const,
    0,
  );
  if ((saveImportErrors !== 0 || capture.saveFileFrom !== undefined) && capture.storage === undefined) {
    throw new TypeError('capture.storage is required when saveImportErrors or saveFileFrom is set');
  }
  const maxForRecipients = options.maxForRecipients ?? 0;
  if (!Number.isInteger(maxForRecipients) || maxForRecipients < 0) {
    throw new RangeError(`maxForRecipients must be a non-negative integer, got ${String(maxForRecipients)}`);
  }
  return Object.freeze({
    hostname: options.hostname ?? osHostname(),
    greeting,
    listeners: Object.freeze(listeners),
    startTls: oneOf('startTls', options.startTls, ['disabled', 'enabled', 'required'] as const, 'disabled'),
    tls: options.tls,
    allowInsecureAuth: options.allowInsecureAuth === true,
    extensions: Object.freeze({
      size: ext.size ?? true,
      pipelining: ext.pipelining ?? true,
      dsn: ext.dsn ?? false,
      eightBitMime: ext.eightBitMime ?? false,
      smtputf8: ext.smtputf8 ?? false,
      chunking: ext.chunking ?? true,
      help: ext.help ?? true,
      vrfy: ext.vrfy ?? false,
      expn: ext.expn ?? false,
      etrn: ext.etrn ?? false,
      refuseUndeclared8bit: ext.refuseUndeclared8bit ?? false,
    }),
    maxMessageSizeBytes: limit('maxMessageSizeBytes', options.maxMessageSizeBytes, 26_214_400),
    maxRecipients: limit('maxRecipients', options.maxRecipients, 100),
    maxCommandLengthBytes: limit('maxCommandLengthBytes', options.maxCommandLengthBytes, 1200),
    maxSessions: limit('maxSessions', options.maxSessions, 1000),
    errorLimit: limit('errorLimit', options.errorLimit, 10),
    closeAfterAuthFailure: options.closeAfterAuthFailure !== false,
    timeouts: Object.freeze({
      greetingMs: timeout('greetingMs', 300_000),
      commandMs: timeout('commandMs', 300_000),
      dataBlockMs: timeout('dataBlockMs', 180_000),
      tlsHandshakeMs: timeout('tlsHandshakeMs', 30_000),
      sessionMs: timeout('sessionMs', 3_600_000),
      afterRefusalMs: timeout('afterRefusalMs', 10_000),
    }),
    perIp: Object.freeze({
      maxSessions: limit('perIp.maxSessions', options.perIp?.maxSessions, Number.POSITIVE_INFINITY, true),
      maxConnectionsPerMinute: limit(
        'perIp.maxConnectionsPerMinute',
        options.perIp?.maxConnectionsPerMinute,
        Number.POSITIVE_INFINITY,
        true,
      ),
    }),
    strict821AddressSyntax: options.strict821AddressSyntax === true,
    strict821LineSyntax: options.strict821LineSyntax === true,
    maxForRecipients,
    product: options.product,
    noVersionInReceivedHeader: options.noVersionInReceivedHeader === true,
    debug: oneOf('debug', options.debug, [0, 1, 2, 3] as const, 0),
    debugIo: oneOf('debugIo', options.debugIo, [0, 1, 3, 4] as const, 0),
    capture: Object.freeze({
      saveImportErrors,
      saveFileFrom: capture.saveFileFrom,
      storage: capture.storage,
    }),
    clock: options.clock ?? systemClock,
    ids: options.ids ?? createRandomIds(),
    logger: options.logger ?? silentLogger,
  });
}
