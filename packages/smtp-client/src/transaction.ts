/**
 * One mail transaction on an open session: the checks before MAIL (SMTPUTF8, 8BITMIME, SIZE),
 * MAIL and RCPT (pipelined per RFC 2920 when offered), then DATA (RFC 5321) or BDAT (RFC 3030),
 * and a result per recipient. The session's bytes go through {@link SmtpWire}; this file decides.
 */
import { encodeXtext, SmtpReply as Reply, type SmtpReply } from '@mailroute/envelope';
import { sendBdat, sendData } from './body-writer.js';
import type { Capabilities } from './capabilities.js';
import { downgradeTo7Bit } from './downgrade.js';
import { inspectMessage, isNonAscii, type MessageFacts } from './message.js';
import type { SmtpTimeouts } from './options.js';
import { reason, replyReason, type SmtpClientReason } from './reasons.js';
import type { DeliveryResult, OutboundEnvelope, OutboundMessage, RecipientResult } from './types.js';
import type { SmtpWire } from './wire.js';

/** Inputs of {@link runTransaction}. */
export interface TransactionInput {
  readonly wire: SmtpWire;
  readonly caps: Capabilities;
  readonly timeouts: SmtpTimeouts;
  readonly remoteMta: string;
  /** Send RSET first (an earlier transaction on this session was left open). */
  readonly reset: boolean;
  readonly envelope: OutboundEnvelope;
  readonly message: OutboundMessage;
  /** Largest message converted to 7 bit for a server without 8BITMIME; 0: never convert. */
  readonly downgradeMaxBytes: number;
  /** DATA in the MAIL/RCPT group when PIPELINING is offered and CHUNKING is not (RFC 2920 3.1). */
  readonly pipelineData?: boolean;
}

/** The outcome, with what the session and the transfer agent need to know. */
export interface TransactionOutcome {
  readonly result: DeliveryResult;
  /** The session must RSET before the next transaction. */
  readonly needsReset: boolean;
  /** The server said 421: the session is over. */
  readonly closing: boolean;
  /**
   * Set when the whole session failed before any message data was sent (connection lost, 421,
   * timeout, protocol error, transient MAIL): recipients without a decision may go to the next host.
   */
  readonly sessionFailure?: SmtpClientReason;
}

/** Runs one transaction. Never throws for anything the peer does. */
export async function runTransaction(t: TransactionInput): Promise<TransactionOutcome> {
  const { wire, caps, envelope, remoteMta } = t;
  const recipients = envelope.recipients;
  const decided: (RecipientResult | undefined)[] = recipients.map(() => undefined);
  const all = (why: SmtpClientReason, reply?: SmtpReply): DeliveryResult => ({
    recipients: recipients.map((r, i) => decided[i] ?? failure(r.address, why, remoteMta, reply)),
    remoteMta,
  });
  const local = (why: SmtpClientReason): TransactionOutcome => ({
    result: all(why),
    needsReset: t.reset,
    closing: false,
  });

  // A path with a line break, a space, a control character or angle brackets would break the
  // command line (and could inject commands): refused here, never written.
  if (!isSafePath(envelope.mailFrom)) {
    const rep = Reply.of(553, '5.1.7', 'the sender address cannot be written as an SMTP path');
    return local(reason('SMTP_BAD_ADDRESS', rep.text, false, rep));
  }
  const send: number[] = [];
  recipients.forEach((r, i) => {
    if (isSafePath(r.address) && r.address !== '') send.push(i);
    else {
      const rep = Reply.of(553, '5.1.3', 'the recipient address cannot be written as an SMTP path');
      decided[i] = failure(r.address, reason('SMTP_BAD_ADDRESS', rep.text, false, rep), remoteMta);
    }
  });
  if (send.length === 0)
    return local(reason('SMTP_BAD_ADDRESS', 'no recipient address can be written', false));

  // Checks that need no command: they would fail the same way on the server, later and vaguer.
  const smtputf8 =
    envelope.smtputf8 === true ||
    isNonAscii(envelope.mailFrom) ||
    recipients.some((r) => isNonAscii(r.address));
  if (smtputf8 && !caps.smtputf8) {
    const rep = Reply.of(553, '5.6.7', `${remoteMta} does not offer SMTPUTF8, which this message needs`);
    return local(reason('SMTP_UTF8_UNSUPPORTED', rep.text, false, rep));
  }
  let facts: MessageFacts;
  try {
    facts = await inspectMessage(t.message, envelope.body === undefined);
  } catch (err) {
    return local(reason('SMTP_MESSAGE_READ_FAILED', `the message could not be read: ${String(err)}`, true));
  }
  let body = envelope.body ?? (facts.eightBit ? '8BITMIME' : '7BIT');
  let message = t.message;
  if (body === 'BINARYMIME' && !(caps.binaryMime && caps.chunking)) {
    const rep = Reply.of(
      451,
      '4.6.3',
      `${remoteMta} does not offer BINARYMIME and CHUNKING; conversion is not done`,
    );
    return local(reason('SMTP_BINARY_UNSUPPORTED', rep.text, true, rep));
  }
  if (body === '8BITMIME' && !caps.eightBitMime) {
    // RFC 6152 3: convert to 7 bit or do not send; raw 8-bit octets are never sent to such a server.
    const converted =
      t.downgradeMaxBytes > 0 ? await downgradeTo7Bit(message, t.downgradeMaxBytes) : undefined;
    if (converted === undefined || !converted.ok) {
      const why = converted === undefined ? 'conversion is off' : converted.problem;
      const rep = Reply.of(
        451,
        '4.6.3',
        `${remoteMta} does not offer 8BITMIME and the message was not converted: ${why}`,
      );
      return local(reason('SMTP_8BIT_UNSUPPORTED', rep.text, true, rep));
    }
    message = converted.message;
    body = '7BIT';
    facts = { sizeBytes: converted.message.length, eightBit: false };
  }
  const max = caps.maxSizeBytes;
  if (facts.sizeBytes !== undefined && max !== undefined && max > 0 && facts.sizeBytes > max) {
    const rep = Reply.of(
      552,
      '5.3.4',
      `message of ${facts.sizeBytes} octets exceeds ${remoteMta}'s maximum of ${max}`,
    );
    return local(reason('SMTP_SIZE_EXCEEDED', rep.text, false, rep));
  }

  // MAIL and RCPT.
  const mail = mailCommand(envelope, caps, body, smtputf8, facts.sizeBytes);
  const dsnRelayed = !caps.dsn;
  const rcpts = send.map((i) => rcptCommand(recipients[i], caps));
  const commands = t.reset ? ['RSET', mail, ...rcpts] : [mail, ...rcpts];
  const replies: (SmtpReply | undefined)[] = [];
  const tm = t.timeouts;
  const pipeData = caps.pipelining && !caps.chunking && t.pipelineData === true;
  /** The reply to a pipelined DATA (354 or a refusal). */
  let dataReply: SmtpReply | undefined;
  if (caps.pipelining) {
    const w = await wire.writeCommands(pipeData ? [...commands, 'DATA'] : commands, tm.mailMs);
    if (!w.ok) return session(all(w.reason), w.reason);
    for (let i = 0; i < commands.length; i++) {
      const r = await wire.readReply(i === 0 || (t.reset && i === 1) ? tm.mailMs : tm.rcptMs);
      if (!r.ok) return session(all(r.reason), r.reason);
      replies.push(r.reply);
    }
    if (pipeData) {
      const r = await wire.readReply(tm.dataInitiationMs);
      if (!r.ok) return session(all(r.reason), r.reason);
      dataReply = r.reply;
    }
  } else {
    for (let i = 0; i < commands.length; i++) {
      const w = await wire.writeCommands([commands[i]], tm.mailMs);
      if (!w.ok) return session(all(w.reason), w.reason);
      const r = await wire.readReply(i === 0 || (t.reset && i === 1) ? tm.mailMs : tm.rcptMs);
      if (!r.ok) return session(all(r.reason), r.reason);
      replies.push(r.reply);
      const isMail = i === (t.reset ? 1 : 0);
      if (((t.reset && i === 0) || isMail) && !isPositive(r.reply)) break;
    }
  }
  const off = t.reset ? 1 : 0;
  if (t.reset && !isPositive(replies[0])) {
    const rep = replies[0] as SmtpReply;
    const why = replyReason(rep, `RSET at ${remoteMta}`);
    return { ...session(all(why, rep), why), closing: rep.code === 421 };
  }
  const mailReply = replies[off] as SmtpReply;
  if (!isPositive(mailReply)) {
    const why = replyReason(mailReply, `MAIL FROM at ${remoteMta}`);
    const closing = mailReply.code === 421 || replies.some((r) => r?.code === 421);
    // A transient MAIL refusal is about this server or session, not the recipients: another host may take it.
    const out: TransactionOutcome = { result: all(why, mailReply), needsReset: true, closing };
    return mailReply.isTransient ? { ...out, sessionFailure: why } : out;
  }
  let accepted = 0;
  let closing = false;
  for (let k = 0; k < send.length; k++) {
    const i = send[k];
    const rep = replies[off + 1 + k] as SmtpReply;
    if (rep.code === 421) closing = true;
    if (isPositive(rep)) accepted++;
    else
      decided[i] = failure(
        recipients[i].address,
        replyReason(rep, `RCPT TO at ${remoteMta}`),
        remoteMta,
        rep,
      );
  }
  if (closing) {
    // 421 in the middle: the session is gone; undecided recipients were not delivered.
    const rep421 = replies.find((r) => r?.code === 421);
    const why = reason('SMTP_SERVICE_CLOSING', `${remoteMta} closed the session during RCPT`, true, rep421);
    wire.close();
    return { result: all(why), needsReset: true, closing: true, sessionFailure: why };
  }
  if (accepted === 0 && dataReply?.code === 354) {
    // RFC 2920 3.1 forbids this 354; sending nothing and closing leaves the server no message.
    wire.close();
    return {
      result: all(reason('SMTP_NOT_ATTEMPTED', 'no recipient was accepted', true)),
      needsReset: true,
      closing: true,
    };
  }
  if (accepted === 0)
    return {
      result: all(reason('SMTP_NOT_ATTEMPTED', 'no recipient was accepted', true)),
      needsReset: true,
      closing: false,
    };

  // The message.
  const sent = caps.chunking
    ? await sendBdat(wire, message, tm, body === 'BINARYMIME', caps.pipelining)
    : await sendData(wire, message, tm, dataReply);
  if (!sent.ok) {
    // Before the data went out (the 354 refused), another host may still take it; after, never.
    const reply = sent.reply;
    return {
      result: all(sent.reason, reply),
      needsReset: true,
      closing: reply?.code === 421 || wire.broken !== undefined,
      ...(sent.beforeData && (reply === undefined || reply.code === 421)
        ? { sessionFailure: sent.reason }
        : {}),
    };
  }
  const final = sent.reply;
  const queueId = parseQueueId(final);
  const delivered: SmtpClientReason = reason(
    'DELIVERED',
    `delivered to ${remoteMta}: ${final.code} ${final.text}`,
    false,
  );
  const results = recipients.map(
    (r, i): RecipientResult =>
      decided[i] ?? {
        address: r.address,
        outcome: 'delivered',
        reply: final,
        reason: delivered,
        remoteMta,
        ...(dsnRelayed && wantsNotify(r.notify) ? { dsnRelayed: true } : {}),
      },
  );
  return {
    result: { recipients: results, remoteMta, ...(queueId === undefined ? {} : { queueId }) },
    needsReset: false,
    closing: false,
  };

  function session(result: DeliveryResult, why: SmtpClientReason): TransactionOutcome {
    return { result, needsReset: true, closing: true, sessionFailure: why };
  }
}

/** True when `path` can stand between `<` and `>` on a command line. */
function isSafePath(path: string): boolean {
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c <= 32 || c === 127 || c === 60 || c === 62) return false;
  }
  return true;
}

/** Any 2xx: 250 and 251 usually, but a 252 or another 2xx to RCPT is an acceptance too. */
function isPositive(reply: SmtpReply | undefined): boolean {
  return reply !== undefined && reply.code >= 200 && reply.code < 300;
}

function failure(
  address: string,
  why: SmtpClientReason,
  remoteMta: string,
  reply?: SmtpReply,
): RecipientResult {
  const rep = reply ?? why.reply;
  return {
    address,
    outcome: why.temporary ? 'transient' : 'permanent',
    ...(reply === undefined ? {} : { reply }),
    reason: rep === undefined || why.reply !== undefined ? why : { ...why, reply: rep },
    remoteMta,
  };
}

function wantsNotify(notify: readonly string[] | undefined): boolean {
  return notify !== undefined && notify.length > 0 && !notify.includes('NEVER');
}

/** The MAIL FROM line with the parameters the server offers (RFC 1870, 6152, 3030, 6531, 3461). */
export function mailCommand(
  envelope: OutboundEnvelope,
  caps: Capabilities,
  body: '7BIT' | '8BITMIME' | 'BINARYMIME',
  smtputf8: boolean,
  sizeBytes: number | undefined,
): string {
  let line = `MAIL FROM:<${envelope.mailFrom}>`;
  if (!caps.esmtp) return line;
  if (caps.size && sizeBytes !== undefined) line += ` SIZE=${sizeBytes}`;
  if (body === '8BITMIME' && caps.eightBitMime) line += ' BODY=8BITMIME';
  else if (body === 'BINARYMIME') line += ' BODY=BINARYMIME';
  if (smtputf8 && caps.smtputf8) line += ' SMTPUTF8';
  if (caps.dsn) {
    if (envelope.ret === 'FULL' || envelope.ret === 'HDRS') line += ` RET=${envelope.ret}`;
    if (envelope.envid !== undefined) line += ` ENVID=${encodeXtext(envelope.envid)}`;
  }
  return line;
}

const NOTIFY_WORDS = new Set(['SUCCESS', 'FAILURE', 'DELAY', 'NEVER']);

/** The RCPT TO line, with NOTIFY and ORCPT when the server offers DSN. */
export function rcptCommand(r: OutboundEnvelope['recipients'][number], caps: Capabilities): string {
  let line = `RCPT TO:<${r.address}>`;
  if (!caps.dsn) return line;
  const notify = (r.notify ?? []).filter((n) => NOTIFY_WORDS.has(n));
  if (notify.length > 0) line += ` NOTIFY=${notify.includes('NEVER') ? 'NEVER' : notify.join(',')}`;
  if (r.orcpt !== undefined) {
    const semi = r.orcpt.indexOf(';');
    if (semi > 0) line += ` ORCPT=${r.orcpt.slice(0, semi)};${encodeXtext(r.orcpt.slice(semi + 1))}`;
  }
  return line;
}

/** The remote queue id in a final 250, in the forms Postfix, Exim, Sendmail, Domino and others use. */
export function parseQueueId(reply: SmtpReply): string | undefined {
  const text = reply.text;
  const m =
    /queued as ([A-Za-z0-9._-]+)/i.exec(text) ??
    /\bid[=: ]+<?([A-Za-z0-9._@-]+)>?/i.exec(text) ??
    /^(?:OK|Ok)[: ]+([A-Za-z0-9]{6,}(?:-[A-Za-z0-9]+)*)\b/.exec(text) ??
    /Message accepted for delivery[, ]+([A-Za-z0-9._-]+)$/i.exec(text);
  return m?.[1];
}
