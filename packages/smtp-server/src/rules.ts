/**
 * The protocol's decisions as pure functions of the session state and the options: what EHLO
 * advertises, which parameters MAIL and RCPT may carry, and whether a command may run now.
 * No I/O; the session engine asks these and acts on the answer.
 */
import { type ParameterExtensions, Replies, type SmtpReply, type SmtpVerb } from '@mailroute/envelope';
import type { ListenerKind } from './backend.js';
import type { ResolvedOptions } from './options.js';

/** The facts of a session the rules look at. */
export interface ProtocolState {
  /** Which greeting the client used, if any yet. */
  readonly hello: 'none' | 'HELO' | 'EHLO';
  /** Under TLS (after STARTTLS, or implicit). */
  readonly tls: boolean;
  /** The authenticated user. */
  readonly user: string | undefined;
  /** A MAIL FROM was accepted and the transaction is open. */
  readonly inTransaction: boolean;
  /** Recipients accepted in the open transaction. */
  readonly recipients: number;
  /** A message is being received in BDAT chunks (between two chunks). */
  readonly chunking: boolean;
  /** The listener kind. */
  readonly listener: ListenerKind;
  /** The backend session can check passwords (has `auth`). */
  readonly canAuth: boolean;
  /** The backend session can check CRAM-MD5 (has `authCramMd5`). */
  readonly canCramMd5: boolean;
  /** A TLS context is available (for STARTTLS). */
  readonly tlsAvailable: boolean;
}

/** Reply to DATA/BDAT when no recipient was accepted (RFC 5321 3.3). */
export const noValidRecipients = Replies.noValidRecipients;

/** SASL mechanisms to offer now: none unless the backend can check them and TLS is up (or allowed off). */
export function authMechanisms(state: ProtocolState, options: ResolvedOptions): string[] {
  if (!state.canAuth && !state.canCramMd5) return [];
  if (!state.tls && !options.allowInsecureAuth) return [];
  const out: string[] = [];
  if (state.canAuth) out.push('PLAIN', 'LOGIN');
  if (state.canCramMd5) out.push('CRAM-MD5');
  return out;
}

/** True when STARTTLS may be offered and used in this state. */
export function startTlsOffered(state: ProtocolState, options: ResolvedOptions): boolean {
  return options.startTls !== 'disabled' && state.listener !== 'smtps' && !state.tls && state.tlsAvailable;
}

/** The EHLO keywords after the first line, in the order clients are used to. */
export function ehloKeywords(state: ProtocolState, options: ResolvedOptions): string[] {
  const ext = options.extensions;
  const out: string[] = [];
  if (ext.size) out.push(`SIZE ${options.maxMessageSizeBytes}`);
  if (ext.pipelining) out.push('PIPELINING');
  if (ext.eightBitMime || ext.smtputf8) out.push('8BITMIME');
  if (ext.smtputf8) out.push('SMTPUTF8');
  if (ext.dsn) out.push('DSN');
  out.push('ENHANCEDSTATUSCODES');
  if (ext.chunking) out.push('CHUNKING');
  if (ext.etrn) out.push('ETRN');
  if (startTlsOffered(state, options)) out.push('STARTTLS');
  const mechanisms = authMechanisms(state, options);
  if (mechanisms.length > 0) out.push(`AUTH ${mechanisms.join(' ')}`);
  if (ext.help) out.push('HELP');
  return out;
}

/** The parameters MAIL and RCPT may carry, matching what EHLO advertised. */
export function parameterExtensions(state: ProtocolState, options: ResolvedOptions): ParameterExtensions {
  const ext = options.extensions;
  const esmtp = state.hello === 'EHLO';
  return {
    size: esmtp && ext.size,
    eightBitMime: esmtp && (ext.eightBitMime || ext.smtputf8),
    binaryMime: false,
    smtputf8: esmtp && ext.smtputf8,
    dsn: esmtp && ext.dsn,
    auth: esmtp && authMechanisms(state, options).length > 0,
  };
}

/** The help text (HELP on): the commands this server knows. */
export function helpLines(options: ResolvedOptions): string[] {
  const verbs = ['HELO', 'EHLO', 'MAIL', 'RCPT', 'DATA', 'RSET', 'NOOP', 'QUIT', 'HELP'];
  if (options.extensions.chunking) verbs.push('BDAT');
  if (options.startTls !== 'disabled') verbs.push('STARTTLS');
  verbs.push('AUTH');
  if (options.extensions.vrfy) verbs.push('VRFY');
  if (options.extensions.expn) verbs.push('EXPN');
  if (options.extensions.etrn) verbs.push('ETRN');
  return ['Commands:', verbs.join(' '), 'End of HELP info'];
}

/**
 * Whether `verb` may run now. Returns the refusal, or undefined to go ahead. The order of the
 * checks is the order a client fixes them in: switched off, greeting, TLS, AUTH, sequence.
 */
export function gate(verb: SmtpVerb, state: ProtocolState, options: ResolvedOptions): SmtpReply | undefined {
  const ext = options.extensions;
  switch (verb) {
    case 'MAIL':
      if (state.hello === 'none') return Replies.badSequence('send HELO/EHLO first');
      if (options.startTls === 'required' && !state.tls) return Replies.tlsRequired;
      if (state.listener === 'submission' && state.user === undefined) return Replies.authRequired;
      if (state.inTransaction) return Replies.badSequence('nested MAIL command');
      return undefined;
    case 'RCPT':
      if (!state.inTransaction) return Replies.badSequence('need MAIL before RCPT');
      if (state.chunking) return Replies.badSequence('BDAT transfer in progress');
      return undefined;
    case 'BDAT':
      if (!ext.chunking) return Replies.commandNotImplemented;
      if (!state.inTransaction) return Replies.badSequence('need MAIL before BDAT');
      if (state.recipients === 0) return noValidRecipients;
      return undefined;
    case 'DATA':
      if (!state.inTransaction) return Replies.badSequence('need MAIL before DATA');
      if (state.recipients === 0) return noValidRecipients;
      return undefined;
    case 'STARTTLS':
      if (options.startTls === 'disabled' || state.listener === 'smtps') return Replies.commandNotImplemented;
      if (state.tls) return Replies.badSequence('TLS already active');
      if (!state.tlsAvailable) return Replies.tlsNotAvailable;
      if (state.inTransaction) return Replies.badSequence('STARTTLS inside a mail transaction');
      return undefined;
    case 'AUTH':
      if (!state.canAuth && !state.canCramMd5) return Replies.commandNotImplemented;
      if (state.hello !== 'EHLO') return Replies.badSequence('send EHLO first');
      if (!state.tls && !options.allowInsecureAuth) return Replies.encryptionRequiredForAuth;
      if (state.user !== undefined) return Replies.alreadyAuthenticated;
      if (state.inTransaction) return Replies.badSequence('AUTH inside a mail transaction');
      return undefined;
    case 'VRFY':
      return ext.vrfy ? undefined : Replies.commandNotImplemented;
    case 'EXPN':
      return ext.expn ? undefined : Replies.commandNotImplemented;
    case 'ETRN':
      if (!ext.etrn) return Replies.commandNotImplemented;
      if (state.hello === 'none') return Replies.badSequence('send HELO/EHLO first');
      return undefined;
    case 'HELP':
      return ext.help ? undefined : Replies.commandNotImplemented;
    default:
      return undefined;
  }
}

/**
 * Protocol errors count towards `SMTPErrorLimit`: syntax, sequence, not implemented and failed
 * authentication. Refused recipients count too, through {@link isRefusedRecipient}.
 */
export function isProtocolError(reply: SmtpReply): boolean {
  const c = reply.code;
  return (c >= 500 && c <= 504) || c === 555 || c === 530 || c === 535 || c === 538;
}

/**
 * A 5xx refusal of a recipient (550 No such user, 551-553, 554 Relay rejected): counted
 * toward `SMTPErrorLimit`, so a client guessing addresses or probing for a relay is cut off.
 */
export function isRefusedRecipient(reply: SmtpReply): boolean {
  return reply.code >= 550 && reply.code <= 554;
}
