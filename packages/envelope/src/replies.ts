/**
 * The catalogue of standard replies, so that the server, the policy and the router say the same
 * thing the same way. Codes follow RFC 5321 4.2-4.3 and Domino's usage (seed 004); every reply
 * carries an RFC 3463 enhanced code (a Domino "beyond": Domino sends bare codes in places).
 * Entries are frozen values; those with a variable part are functions.
 */
import { SmtpReply } from './reply.js';

const r = SmtpReply.of;

/** Standard replies. Use `.withText()` on any of them to keep the codes and change the words. */
export const Replies = Object.freeze({
  // --- connection ---------------------------------------------------------------------------
  /** 220 greeting. `text` is the rest of the line after the host name (see `SMTPGreeting`). */
  serviceReady: (host: string, text = 'ESMTP Service ready'): SmtpReply =>
    r(220, undefined, `${host} ${text}`),
  /** 221 2.0.0 reply to QUIT. */
  closing: (host: string): SmtpReply => r(221, '2.0.0', `${host} closing connection`),
  /** 421 4.3.2 at connect when `SMTPMaxSessions` is reached (Domino sends 421 here). */
  tooManySessions: r(421, '4.3.2', 'Too many sessions, try again later'),
  /** 421 4.3.2 while the server shuts down. */
  shuttingDown: r(421, '4.3.2', 'Service shutting down, closing transmission channel'),
  /** 421 4.7.0 when the client passed `SMTPErrorLimit` protocol errors. */
  tooManyErrors: r(421, '4.7.0', 'Too many errors, closing transmission channel'),
  /** 421 4.3.0 the service cannot take this connection now (the backend failed at connect). */
  serviceNotAvailable: r(421, '4.3.0', 'Service not available, closing transmission channel'),
  /** 421 4.4.2 when a timeout of RFC 5321 4.5.3.2 expired. */
  timeout: r(421, '4.4.2', 'Timeout exceeded, closing transmission channel'),
  /** 421 4.7.0 when a per-IP connection or rate limit is exceeded. */
  rateLimited: r(421, '4.7.0', 'Too many connections or messages from your address, try again later'),
  /** 554 5.7.1 refusing a connection (Domino's deny-connections list, verify-host failure). */
  connectionRefused: r(554, '5.7.1', 'Access denied'),

  // --- generic command results --------------------------------------------------------------
  /** 250 2.0.0 OK (NOOP, RSET and other plain successes). */
  ok: r(250, '2.0.0', 'OK'),
  /**
   * 250 reply to EHLO: the greeting line then one extension keyword per line. No enhanced code:
   * RFC 2034 leaves the EHLO response (and the 220 greeting) without one.
   */
  ehlo: (greeting: string, keywords: readonly string[]): SmtpReply =>
    r(250, undefined, [greeting, ...keywords]),
  /** 250 reply to HELO. */
  helo: (greeting: string): SmtpReply => r(250, undefined, greeting),
  /** 250 2.0.0 reply to RSET. */
  reset: r(250, '2.0.0', 'Reset state'),
  /** 250 2.1.0 reply to MAIL FROM. */
  senderOk: r(250, '2.1.0', 'Sender OK'),
  /** 250 2.1.5 reply to RCPT TO. */
  recipientOk: r(250, '2.1.5', 'Recipient OK'),
  /** 354 reply to DATA. */
  startMailInput: r(354, undefined, 'Start mail input; end with <CRLF>.<CRLF>'),
  /** 250 2.6.0 after the message was taken; `id` is the queue id, when there is one. */
  messageAccepted: (id?: string): SmtpReply =>
    r(250, '2.6.0', id ? `Message accepted for delivery, id ${id}` : 'Message accepted for delivery'),
  /** 250 2.0.0 reply to one BDAT chunk that is not the last. */
  chunkAccepted: (octets: number): SmtpReply => r(250, '2.0.0', `${octets} octets received`),
  /** 252 2.5.0 to VRFY when verification is off (RFC 5321 3.5.3). */
  cannotVerify: r(252, '2.5.0', 'Cannot VRFY user, but will accept message and attempt delivery'),
  /** 214 2.0.0 HELP text. */
  help: (lines: readonly string[]): SmtpReply => r(214, '2.0.0', lines),
  /** 250 2.0.0 ETRN accepted (RFC 1985). */
  etrnQueued: (node: string): SmtpReply => r(250, '2.0.0', `Queuing for node ${node} started`),

  // --- syntax and sequence (RFC 5321 4.2.4, 4.5.3.1.10) -----------------------------------
  /** 500 5.5.1 unknown verb. */
  commandUnrecognized: r(500, '5.5.1', 'Command unrecognized'),
  /** 500 5.5.2 a line that cannot be a command (empty, control characters). */
  syntaxError: r(500, '5.5.2', 'Syntax error'),
  /** 500 5.5.2 a command line longer than `SMTPMaxCommandLength`. */
  lineTooLong: r(500, '5.5.2', 'Line too long'),
  /** 501 5.5.4 bad arguments or parameters; `detail` says which. */
  badArguments: (detail?: string): SmtpReply =>
    r(
      501,
      '5.5.4',
      detail
        ? `Syntax error in parameters or arguments: ${detail}`
        : 'Syntax error in parameters or arguments',
    ),
  /** 501 5.1.7 malformed MAIL FROM address. */
  badSenderSyntax: (detail: string): SmtpReply => r(501, '5.1.7', `Bad sender address syntax: ${detail}`),
  /** 501 5.1.3 malformed RCPT TO address. */
  badRecipientSyntax: (detail: string): SmtpReply =>
    r(501, '5.1.3', `Bad recipient address syntax: ${detail}`),
  /** 553 5.6.7 a non-ASCII address outside an SMTPUTF8 transaction (RFC 6531 3.5). */
  nonAsciiAddress: r(553, '5.6.7', 'Non-ASCII address requires SMTPUTF8'),
  /** 502 5.5.1 a known command that is switched off (VRFY, EXPN, ETRN ... per the config doc). */
  commandNotImplemented: r(502, '5.5.1', 'Command not implemented'),
  /** 554 5.5.1 DATA or BDAT when no recipient was accepted (RFC 5321 3.3). */
  noValidRecipients: r(554, '5.5.1', 'No valid recipients'),
  /** 503 5.5.0 commands sent ahead of their replies while PIPELINING is off (Domino's answer). */
  improperPipelining: r(503, '5.5.0', 'Improper use of SMTP command pipelining'),
  /** 503 5.5.1 command out of order. */
  badSequence: (detail?: string): SmtpReply =>
    r(503, '5.5.1', detail ? `Bad sequence of commands: ${detail}` : 'Bad sequence of commands'),
  /** 504 5.5.4 a parameter value the server does not implement. */
  parameterNotImplemented: (detail: string): SmtpReply =>
    r(504, '5.5.4', `Command parameter not implemented: ${detail}`),
  /** 555 5.5.4 unknown MAIL/RCPT parameter (RFC 5321 4.1.1.11). */
  parametersNotRecognized: (detail: string): SmtpReply =>
    r(555, '5.5.4', `MAIL FROM/RCPT TO parameters not recognized or not implemented: ${detail}`),

  // --- recipients, size and storage ---------------------------------------------------------
  /** 550 5.1.1 local recipient not in the directory, in Domino's words. */
  noSuchUser: (address: string): SmtpReply => r(550, '5.1.1', `${address}... No such user`),
  /** 550 5.1.4 the recipient name is ambiguous in the directory (`SMTPDenyNotUniqueRCPT=1`). */
  ambiguousRecipient: (address: string): SmtpReply =>
    r(550, '5.1.4', `${address}... Ambiguous recipient name`),
  /** 450 4.2.1 mailbox unavailable for now. */
  mailboxBusy: r(450, '4.2.1', 'Requested mail action not taken: mailbox unavailable'),
  /** 550 5.2.1 mailbox refuses mail (disabled, or mail to groups denied). */
  mailboxDisabled: (detail: string): SmtpReply => r(550, '5.2.1', detail),
  /** 452 4.5.3 past `SMTPMaxRecipientCount`. */
  tooManyRecipients: r(452, '4.5.3', 'Too many recipients'),
  /** 552 5.3.4 message larger than the maximum message size (SIZE or data). */
  messageTooBig: r(552, '5.3.4', 'Message size exceeds fixed maximum message size'),
  /** 452 4.3.1 temporarily out of storage. */
  insufficientStorage: r(452, '4.3.1', 'Insufficient system storage'),
  /** 550 5.6.0 bare CR or LF in DATA while `SMTPStrict821LineSyntax=1`. */
  bareLineEnding: r(550, '5.6.0', 'Message contains a bare CR or LF; lines must end with CRLF'),
  /** 554 5.6.0 message with 8-bit content sent without BODY=8BITMIME where that is enforced. */
  eightBitWithoutDeclaration: r(554, '5.6.0', 'Message contains 8-bit data; use BODY=8BITMIME'),

  // --- policy ------------------------------------------------------------------------------
  /** 554 5.7.1 the anti-relay refusal, in Domino's words. */
  relayRejected: r(554, '5.7.1', 'Relay rejected for policy reasons.'),
  /** 550 5.7.1 sender refused by policy (deny list, authenticated sender mismatch). */
  senderRejected: (detail: string): SmtpReply => r(550, '5.7.1', detail),
  /** 550 5.7.1 recipient refused by policy (deny list, mail to groups). */
  recipientRejected: (detail: string): SmtpReply => r(550, '5.7.1', detail),
  /** 553 5.1.8 the sender's domain does not exist in DNS (verify sender's domain). */
  senderDomainUnknown: (domain: string): SmtpReply =>
    r(553, '5.1.8', `Sender domain ${domain} does not exist`),
  /** 451 4.4.3 a DNS lookup failed temporarily; try later (never a permanent refusal). */
  dnsTemporaryFailure: (name: string): SmtpReply =>
    r(451, '4.4.3', `Temporary DNS failure looking up ${name}`),
  /** 550 5.7.1 a DNS blacklist hit with "Log and reject" at MAIL or RCPT; `text` is the configured message. */
  dnsblRejected: (text: string): SmtpReply => r(550, '5.7.1', text),
  /** 554 5.7.1 the same refusal at connect: RFC 5321 3.1 has a server that refuses a client greet it with 554. */
  dnsblRejectedAtConnect: (text: string): SmtpReply => r(554, '5.7.1', text),
  /**
   * 421 4.4.3 a DNS lookup about the connecting host failed temporarily, so the greeting refuses
   * for now (a 451 is not a valid greeting).
   */
  dnsTemporaryFailureAtConnect: (name: string): SmtpReply =>
    r(421, '4.4.3', `Temporary DNS failure looking up ${name}, try again later`),

  // --- authentication and TLS (RFC 4954, RFC 3207) -----------------------------------------
  /** 235 2.7.0 AUTH succeeded. */
  authSucceeded: r(235, '2.7.0', 'Authentication successful'),
  /** 530 5.7.0 a command needs AUTH first (Domino's docs say 505; 530 is RFC 4954). */
  authRequired: r(530, '5.7.0', 'Authentication required'),
  /** 535 5.7.8 bad credentials. */
  authFailed: r(535, '5.7.8', 'Authentication credentials invalid'),
  /** 504 5.5.4 unknown SASL mechanism. */
  authMechanismUnsupported: r(504, '5.5.4', 'Unrecognized authentication type'),
  /** 501 5.7.0 the client cancelled the SASL exchange with `*`. */
  authCancelled: r(501, '5.7.0', 'Authentication cancelled'),
  /** 503 5.5.1 AUTH after a successful AUTH. */
  alreadyAuthenticated: r(503, '5.5.1', 'Already authenticated'),
  /** 538 5.7.11 this mechanism needs an encrypted channel. */
  encryptionRequiredForAuth: r(538, '5.7.11', 'Encryption required for requested authentication mechanism'),
  /** 454 4.7.0 temporary authentication failure (backend could not check). */
  authTemporaryFailure: r(454, '4.7.0', 'Temporary authentication failure'),
  /** 220 2.0.0 go ahead with the TLS handshake. */
  readyToStartTls: r(220, '2.0.0', 'Ready to start TLS'),
  /** 530 5.7.0 STARTTLS required first (Domino "SSL negotiated over TCP/IP port: Required"). */
  tlsRequired: r(530, '5.7.0', 'Must issue a STARTTLS command first'),
  /** 454 4.7.0 TLS not available for now. */
  tlsNotAvailable: r(454, '4.7.0', 'TLS not available due to temporary reason'),

  // --- failures ----------------------------------------------------------------------------
  /** 451 4.3.0 local error (a backend threw): the transaction is aborted, the client retries. */
  localError: r(451, '4.3.0', 'Requested action aborted: local error in processing'),
  /** 554 5.0.0 transaction failed, no more specific reason. */
  transactionFailed: r(554, '5.0.0', 'Transaction failed'),
});

/** The type of the catalogue, for code that passes it around. */
export type ReplyCatalogue = typeof Replies;
