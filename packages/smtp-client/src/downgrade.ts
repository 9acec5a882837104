/**
 * RFC 6152 3: a message with 8-bit content for a server without 8BITMIME is converted to 7 bit,
 * never sent raw. The conversion is the itemizer's round trip: the message is read into a note
 * and built again, and the builder writes every non-ASCII part as quoted-printable or base64
 * and every non-ASCII header as RFC 2047 words, keeping each part's decoded bytes. The result is
 * checked to be 7-bit before it is used. Held in memory: bounded by `maxBytes`.
 */
import { buildMessage, parseMessage } from '@mailroute/itemizer';
import { hasEightBit, openMessage } from './message.js';
import type { OutboundMessage } from './types.js';

/** The 7-bit message, or why there is none. */
export type Downgrade =
  | { readonly ok: true; readonly message: Buffer }
  | { readonly ok: false; readonly problem: string };

/** Converts `message` to 7 bit; messages over `maxBytes` are not converted. Never throws. */
export async function downgradeTo7Bit(message: OutboundMessage, maxBytes: number): Promise<Downgrade> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of openMessage(message)) {
      size += chunk.byteLength;
      if (size > maxBytes)
        return { ok: false, problem: `message over ${maxBytes} octets is not converted to 7 bit` };
      chunks.push(Buffer.from(chunk));
    }
    // No envelope is given: the note must not gain a BlindCopyTo from the recipients (no Bcc exposure).
    const note = await parseMessage(Buffer.concat(chunks, size));
    const out = buildMessage(note);
    if (hasEightBit(out)) return { ok: false, problem: 'the converted message still has 8-bit octets' };
    return { ok: true, message: out };
  } catch (err) {
    return { ok: false, problem: `conversion to 7 bit failed: ${String(err)}` };
  }
}
