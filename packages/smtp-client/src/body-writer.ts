/**
 * Sending the message: DATA with the envelope's encoder (dot-stuffing, CRLF, the terminator) or
 * BDAT chunks (RFC 3030). Both stream from the message source with backpressure: a slice is
 * written, and the next is read only when the socket has taken it, so a 50 MB message is never
 * whole in memory.
 */
import { createDataEncoder, type SmtpReply } from '@mailroute/envelope';
import { createCrlfNormalizer, messageBytes, needsNoStuffing, openMessage } from './message.js';
import type { SmtpTimeouts } from './options.js';
import { reason, replyReason, type SmtpClientReason } from './reasons.js';
import type { OutboundMessage } from './types.js';
import type { SmtpWire } from './wire.js';

/** The final reply, or why the message did not go (and whether any of it was sent). */
export type BodyOutcome =
  | { readonly ok: true; readonly reply: SmtpReply }
  | {
      readonly ok: false;
      readonly reason: SmtpClientReason;
      readonly reply?: SmtpReply;
      /** True when no message octet was sent (the 354 was refused). */
      readonly beforeData: boolean;
    };

/** Messages in memory up to this size go out in one write with their terminator. */
const ONE_WRITE_LIMIT = 256 * 1024;
const DOT_CRLF = Buffer.from('.\r\n');
const CRLF_DOT_CRLF = Buffer.from('\r\n.\r\n');
/** BDAT chunk size: the most octets held at once while streaming with BDAT. */
const BDAT_CHUNK = 512 * 1024;

/** DATA (or the reply to a DATA already sent in a PIPELINING group), 354, the encoded message, the final reply. */
export async function sendData(
  wire: SmtpWire,
  message: OutboundMessage,
  tm: SmtpTimeouts,
  pipelinedDataReply?: SmtpReply,
): Promise<BodyOutcome> {
  let dataReply = pipelinedDataReply;
  if (dataReply === undefined) {
    const w = await wire.writeCommands(['DATA'], tm.mailMs);
    if (!w.ok) return { ok: false, reason: w.reason, beforeData: true };
    const r = await wire.readReply(tm.dataInitiationMs);
    if (!r.ok) return { ok: false, reason: r.reason, beforeData: true };
    dataReply = r.reply;
  }
  if (dataReply.code !== 354)
    return { ok: false, reason: replyReason(dataReply, 'DATA'), reply: dataReply, beforeData: true };

  const encoder = createDataEncoder();
  const inMemory = messageBytes(message);
  let octets = 0;
  if (inMemory !== undefined && needsNoStuffing(inMemory)) {
    // Already canonical: the bytes as they are and the terminator, in one corked batch, no copy.
    const ends = inMemory.byteLength >= 2 && inMemory[inMemory.byteLength - 1] === 10;
    const tail = inMemory.byteLength === 0 || ends ? DOT_CRLF : CRLF_DOT_CRLF;
    octets = inMemory.byteLength + tail.length;
    const wr = await wire.writeAll([inMemory, tail], tm.dataBlockMs);
    if (!wr.ok) return lostAt(wire, wr.reason);
  } else if (inMemory !== undefined && inMemory.byteLength <= ONE_WRITE_LIMIT) {
    // A small message and its terminator in one write: one packet instead of two.
    const out = Buffer.concat([encoder.encode(inMemory), encoder.end()]);
    octets = out.length;
    const wr = await wire.write(out, tm.dataBlockMs);
    if (!wr.ok) return lostAt(wire, wr.reason);
  } else {
    try {
      for await (const chunk of openMessage(message)) {
        const out = encoder.encode(chunk);
        if (out.length === 0) continue;
        octets += out.length;
        const wr = await wire.write(out, tm.dataBlockMs);
        if (!wr.ok) return lostAt(wire, wr.reason);
      }
    } catch (err) {
      return readFailed(wire, err);
    }
    const wr = await wire.write(encoder.end(), tm.dataBlockMs);
    if (!wr.ok) return lostAt(wire, wr.reason);
  }
  wire.log(2, { octets }, 'smtp client message data sent');
  const fin = await wire.readReply(tm.dataTerminationMs);
  if (!fin.ok) return lost(fin.reason);
  if (fin.reply.code >= 300)
    return { ok: false, reason: replyReason(fin.reply, 'end of DATA'), reply: fin.reply, beforeData: false };
  return { ok: true, reply: fin.reply };
}

/**
 * BDAT chunks (RFC 3030). With PIPELINING the chunks go out without waiting for each reply (the
 * replies are checked as they arrive); without it each chunk waits for its 250. BINARYMIME
 * content goes as it is; other content has its line ends made CRLF.
 */
export async function sendBdat(
  wire: SmtpWire,
  message: OutboundMessage,
  tm: SmtpTimeouts,
  binary: boolean,
  pipelining: boolean,
): Promise<BodyOutcome> {
  const normalizer = binary ? undefined : createCrlfNormalizer();
  let held: Buffer[] = [];
  let heldLength = 0;
  let outstanding = 0;
  let refused: SmtpReply | undefined;
  let octets = 0;

  const check = (reply: SmtpReply): void => {
    if (reply.code !== 250 && refused === undefined) refused = reply;
  };
  const flush = async (last: boolean): Promise<SmtpClientReason | undefined> => {
    const data = held.length === 1 ? held[0] : Buffer.concat(held, heldLength);
    held = [];
    heldLength = 0;
    octets += data.length;
    const header = `BDAT ${data.length}${last ? ' LAST' : ''}`;
    wire.log(1, { dir: 'C', line: header }, 'smtp client command');
    let wr =
      data.length <= 64 * 1024
        ? await wire.write(Buffer.concat([Buffer.from(`${header}\r\n`), data]), tm.dataBlockMs)
        : await wire.write(`${header}\r\n`, tm.dataBlockMs);
    if (wr.ok && data.length > 64 * 1024) wr = await wire.write(data, tm.dataBlockMs);
    if (!wr.ok) return wr.reason;
    if (last) return undefined;
    if (pipelining) {
      outstanding++;
      for (let rep = wire.takeReply(); rep !== undefined; rep = wire.takeReply()) {
        outstanding--;
        check(rep);
      }
      return undefined;
    }
    const r = await wire.readReply(tm.dataBlockMs);
    if (!r.ok) return r.reason;
    check(r.reply);
    return undefined;
  };

  try {
    for await (const chunk of openMessage(message)) {
      const out =
        normalizer === undefined
          ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
          : normalizer.push(chunk);
      if (out.length === 0) continue;
      // Copy a view of the source's memory: a source may reuse its buffer for the next slice.
      held.push(out.buffer === chunk.buffer ? Buffer.from(out) : out);
      heldLength += out.length;
      if (heldLength >= BDAT_CHUNK) {
        const problem = await flush(false);
        if (problem !== undefined) return lostAt(wire, problem);
        if (refused !== undefined) break;
      }
    }
  } catch (err) {
    return readFailed(wire, err);
  }
  if (refused === undefined) {
    if (normalizer !== undefined) {
      const tail = normalizer.end();
      if (tail.length > 0) {
        held.push(tail);
        heldLength += tail.length;
      }
    }
    const problem = await flush(true);
    if (problem !== undefined) return lostAt(wire, problem);
    outstanding++;
  }
  wire.log(2, { octets }, 'smtp client message data sent');
  let final: SmtpReply | undefined;
  for (; outstanding > 0; outstanding--) {
    const r = await wire.readReply(outstanding === 1 ? tm.dataTerminationMs : tm.dataBlockMs);
    if (!r.ok) return lost(r.reason);
    if (outstanding === 1 && refused === undefined) final = r.reply;
    else check(r.reply);
  }
  const decisive = refused ?? final;
  if (decisive === undefined) return lost(reason('SMTP_PROTOCOL', 'no reply to BDAT LAST', true));
  if (decisive.code >= 300)
    return { ok: false, reason: replyReason(decisive, 'BDAT'), reply: decisive, beforeData: false };
  return { ok: true, reply: decisive };
}

/**
 * The session broke while sending: if the server said something first (a 552 before closing),
 * that reply decides; otherwise it is transient.
 */
function lostAt(wire: SmtpWire, why: SmtpClientReason): BodyOutcome {
  for (let rep = wire.takeReply(); rep !== undefined; rep = wire.takeReply()) {
    if (rep.code >= 400)
      return {
        ok: false,
        reason: replyReason(rep, 'during the message data'),
        reply: rep,
        beforeData: false,
      };
  }
  return lost(why);
}

function lost(why: SmtpClientReason): BodyOutcome {
  // Whatever broke, the message was not acknowledged: it is not delivered, try again later.
  return { ok: false, reason: why.temporary ? why : { ...why, temporary: true }, beforeData: false };
}

function readFailed(wire: SmtpWire, err: unknown): BodyOutcome {
  // The only safe way out of DATA without a complete message is to drop the connection.
  const why = reason('SMTP_MESSAGE_READ_FAILED', `the message could not be read: ${String(err)}`, true);
  wire.fail(why);
  return { ok: false, reason: why, beforeData: false };
}
