/**
 * SMTP command lines (RFC 5321 4.1.1 and the extensions' RFCs): verb and argument parsing.
 * One function, {@link parseCommand}, returns a typed command or the reply to send; it never
 * throws and does no I/O, so the server's state machine stays a pure switch over `verb`.
 */
import { type MailDomain, parseDomain } from './domain.js';
import {
  type MailParameters,
  type ParameterExtensions,
  parseMailParameters,
  parseRcptParameters,
  type RcptParameters,
} from './parameters.js';
import { type ForwardPath, type ReversePath, scanPath } from './path.js';
import { type ReplyResult, refused } from './refusal.js';
import { Replies } from './replies.js';

/** HELO or EHLO with the client's name for itself. */
export interface HelloCommand {
  readonly verb: 'HELO' | 'EHLO';
  /** The argument as sent. */
  readonly name: string;
  /** The argument as a domain or address literal, when it is one (many real clients send junk). */
  readonly domain: MailDomain | undefined;
}
/** MAIL FROM:<reverse-path> [parameters]. */
export interface MailCommand {
  readonly verb: 'MAIL';
  readonly path: ReversePath;
  readonly params: MailParameters;
}
/** RCPT TO:<forward-path> [parameters]. */
export interface RcptCommand {
  readonly verb: 'RCPT';
  readonly path: ForwardPath;
  readonly params: RcptParameters;
}
/** BDAT size [LAST] (RFC 3030). */
export interface BdatCommand {
  readonly verb: 'BDAT';
  readonly size: number;
  readonly last: boolean;
}
/** VRFY or EXPN with the string to look up. */
export interface LookupCommand {
  readonly verb: 'VRFY' | 'EXPN';
  readonly query: string;
}
/** HELP [topic]. */
export interface HelpCommand {
  readonly verb: 'HELP';
  readonly topic: string | undefined;
}
/** NOOP [text] (the text is ignored). */
export interface NoopCommand {
  readonly verb: 'NOOP';
}
/** ETRN node (RFC 1985): a domain, `@domain` (subdomains too) or `#queue`. */
export interface EtrnCommand {
  readonly verb: 'ETRN';
  readonly node: string;
}
/** AUTH mechanism [initial-response] (RFC 4954). */
export interface AuthCommand {
  readonly verb: 'AUTH';
  /** The SASL mechanism, uppercase. */
  readonly mechanism: string;
  /** The initial response as sent (base64, or `=` for an empty one), when given. */
  readonly initialResponse: string | undefined;
}
/** Commands without arguments. */
export interface PlainCommand {
  readonly verb: 'DATA' | 'RSET' | 'QUIT' | 'STARTTLS';
}

/** Every command the parser knows. Switch on `verb`. */
export type SmtpCommand =
  | HelloCommand
  | MailCommand
  | RcptCommand
  | BdatCommand
  | LookupCommand
  | HelpCommand
  | NoopCommand
  | EtrnCommand
  | AuthCommand
  | PlainCommand;

/** The verbs of {@link SmtpCommand}. */
export type SmtpVerb = SmtpCommand['verb'];

/** Options for {@link parseCommand}. */
export interface CommandOptions {
  /** Domino `SMTPStrict821AddressSyntax`; default false (brackets optional). See `PathOptions`. */
  readonly strict821AddressSyntax?: boolean;
  /** Domino `SMTPMaxCommandLength`: longest command line in octets, CRLF excluded. Default 1200. */
  readonly maxCommandLength?: number;
  /** The current transaction is SMTPUTF8 (its MAIL FROM said so): affects RCPT. Default false. */
  readonly smtputf8?: boolean;
  /** Extensions the server offers; parameters of others get 555. Default: all. */
  readonly extensions?: ParameterExtensions;
}

/** Domino's default `SMTPMaxCommandLength`. */
export const DEFAULT_MAX_COMMAND_LENGTH = 1200;

/**
 * Parses one command line (with or without its CRLF). Returns the command or the reply to send:
 * 500 for an unknown verb, an empty, over-long or control-character line; 501 for bad arguments;
 * 553 for non-ASCII addresses outside SMTPUTF8; 555 for unknown parameters. Never throws.
 */
export function parseCommand(line: string, options: CommandOptions = {}): ReplyResult<SmtpCommand> {
  let end = line.length;
  if (end > 0 && line.charCodeAt(end - 1) === 10) end--;
  if (end > 0 && line.charCodeAt(end - 1) === 13) end--;
  const max = options.maxCommandLength ?? DEFAULT_MAX_COMMAND_LENGTH;
  // Octets, not UTF-16 units; only count precisely when the character count says it could matter.
  if (
    end > max ||
    (end * 3 > max && Buffer.byteLength(end === line.length ? line : line.slice(0, end)) > max)
  ) {
    return refused(Replies.lineTooLong);
  }
  for (let i = 0; i < end; i++) {
    const c = line.charCodeAt(i);
    if (c < 32 || c === 127) return refused(Replies.syntaxError);
  }
  let verbEnd = 0;
  while (verbEnd < end && line.charCodeAt(verbEnd) !== 32) verbEnd++;
  if (verbEnd === 0) return refused(Replies.syntaxError);
  if (verbEnd > 8) return refused(Replies.commandUnrecognized);
  const verb = line.slice(0, verbEnd).toUpperCase();
  // RFC 5321 wants exactly one SP before arguments; tolerate more, as every server does.
  let argStart = verbEnd;
  while (argStart < end && line.charCodeAt(argStart) === 32) argStart++;
  const arg = argStart < end ? line.slice(argStart, end) : '';

  switch (verb) {
    case 'EHLO':
    case 'HELO':
      return parseHello(verb, arg);
    case 'MAIL':
      return parseMail(line.slice(0, end), verbEnd, options);
    case 'RCPT':
      return parseRcpt(line.slice(0, end), verbEnd, options);
    case 'DATA':
    case 'RSET':
    case 'QUIT':
    case 'STARTTLS':
      if (arg !== '') return refused(Replies.badArguments(`${verb} takes no arguments`));
      return { ok: true, value: { verb } };
    case 'NOOP':
      return { ok: true, value: { verb } };
    case 'HELP':
      return { ok: true, value: { verb, topic: arg === '' ? undefined : arg.trimEnd() } };
    case 'VRFY':
    case 'EXPN':
      if (arg.trim() === '') return refused(Replies.badArguments(`${verb} requires an argument`));
      return { ok: true, value: { verb, query: arg.trim() } };
    case 'ETRN':
      return parseEtrn(arg);
    case 'BDAT':
      return parseBdat(arg);
    case 'AUTH':
      return parseAuth(arg);
    default:
      return refused(Replies.commandUnrecognized);
  }
}

function parseHello(verb: 'HELO' | 'EHLO', arg: string): ReplyResult<HelloCommand> {
  const name = arg.trim();
  // RFC 5321 4.1.1.1: a domain or address literal is required. Its validity is policy's business.
  if (name === '' || name.includes(' ')) {
    return refused(Replies.badArguments(`${verb} requires a domain name or address literal`));
  }
  const parsed = parseDomain(name, { allowUnderscore: true, allowUtf8: true });
  return { ok: true, value: { verb, name, domain: parsed.ok ? parsed.value : undefined } };
}

/** Finds `FROM:`/`TO:` after the verb; returns the index just past the colon, or -1. */
function afterKeyword(line: string, verbEnd: number, keyword: string, strict: boolean): number {
  let i = verbEnd;
  if (line.charCodeAt(i) !== 32) return -1;
  i++;
  if (!strict) while (line.charCodeAt(i) === 32) i++;
  if (line.slice(i, i + keyword.length).toUpperCase() !== keyword) return -1;
  i += keyword.length;
  if (!strict) while (line.charCodeAt(i) === 32) i++; // "FROM :" seen from broken clients
  if (line.charCodeAt(i) !== 58) return -1;
  i++;
  if (!strict) while (line.charCodeAt(i) === 32) i++; // "FROM: <a@b>" (Domino's lenient default)
  return i;
}

function parseMail(line: string, verbEnd: number, options: CommandOptions): ReplyResult<MailCommand> {
  const strict = options.strict821AddressSyntax === true;
  const start = afterKeyword(line, verbEnd, 'FROM', strict);
  if (start < 0) return refused(Replies.badArguments('expected MAIL FROM:<address>'));
  // The path may be UTF-8 only when this very command carries SMTPUTF8; scan the parameters first.
  const extensions = options.extensions ?? {};
  const wantsUtf8 = extensions.smtputf8 !== false && /\sSMTPUTF8(\s|$)/i.test(line.slice(start));
  const scanned = scanPath(line, start, 'sender', {
    strict821AddressSyntax: strict,
    smtputf8: wantsUtf8,
  });
  if (!scanned.ok) return scanned;
  const rest = line.slice(scanned.value.end);
  if (rest !== '' && rest.charCodeAt(0) !== 32) {
    return refused(Replies.badSenderSyntax('unexpected text after the address'));
  }
  const params = parseMailParameters(rest, extensions);
  if (!params.ok) return params;
  const path = scanned.value.path as ReversePath;
  // A quoted local part could hold " SMTPUTF8" and fool the look-ahead above: check the result.
  if (!params.value.smtputf8 && wantsUtf8 && /[^\x00-\x7f]/.test(line.slice(start, scanned.value.end))) {
    return refused(Replies.nonAsciiAddress);
  }
  return { ok: true, value: { verb: 'MAIL', path, params: params.value } };
}

function parseRcpt(line: string, verbEnd: number, options: CommandOptions): ReplyResult<RcptCommand> {
  const strict = options.strict821AddressSyntax === true;
  const start = afterKeyword(line, verbEnd, 'TO', strict);
  if (start < 0) return refused(Replies.badArguments('expected RCPT TO:<address>'));
  const smtputf8 = options.smtputf8 === true;
  const scanned = scanPath(line, start, 'recipient', { strict821AddressSyntax: strict, smtputf8 });
  if (!scanned.ok) return scanned;
  const rest = line.slice(scanned.value.end);
  if (rest !== '' && rest.charCodeAt(0) !== 32) {
    return refused(Replies.badRecipientSyntax('unexpected text after the address'));
  }
  const params = parseRcptParameters(rest, options.extensions ?? {}, smtputf8);
  if (!params.ok) return params;
  return { ok: true, value: { verb: 'RCPT', path: scanned.value.path as ForwardPath, params: params.value } };
}

function parseBdat(arg: string): ReplyResult<BdatCommand> {
  const m = /^(\d{1,15})(?: +(LAST))? *$/i.exec(arg);
  if (m === null) return refused(Replies.badArguments('expected BDAT <size> [LAST]'));
  return { ok: true, value: { verb: 'BDAT', size: Number(m[1]), last: m[2] !== undefined } };
}

function parseAuth(arg: string): ReplyResult<AuthCommand> {
  // SASL mechanism names: 1-20 of [A-Z0-9-_] (RFC 4422 3.1); initial response is base64 or "=".
  const m = /^([A-Za-z0-9_-]{1,20})(?: +([A-Za-z0-9+/]+={0,2}|=))? *$/.exec(arg);
  if (m === null) return refused(Replies.badArguments('expected AUTH <mechanism> [initial-response]'));
  return { ok: true, value: { verb: 'AUTH', mechanism: m[1].toUpperCase(), initialResponse: m[2] } };
}

function parseEtrn(arg: string): ReplyResult<EtrnCommand> {
  const node = arg.trim();
  if (node === '' || node.includes(' ')) return refused(Replies.badArguments('expected ETRN <node>'));
  const body = node.startsWith('@') || node.startsWith('#') ? node.slice(1) : node;
  if (node.startsWith('#')) {
    if (!/^[\x21-\x7e]+$/.test(body)) return refused(Replies.badArguments('invalid ETRN queue name'));
  } else if (!parseDomain(body).ok) {
    return refused(Replies.badArguments('invalid ETRN domain'));
  }
  return { ok: true, value: { verb: 'ETRN', node } };
}
