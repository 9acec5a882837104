/**
 * Bcc recipients stay invisible to the others. A copy going to a To/Cc recipient (or on to another
 * server) carries no Bcc field at all; a copy delivered to a Bcc recipient shows only that
 * recipient's own address in Bcc, never the other blind copies (RFC 5322 §3.6.3, the second of
 * its ways, which is what Domino's BlindCopyTo does for a delivered copy).
 */
import { formatMailbox, parseAddressList } from '@mailroute/itemizer';
import { headerEnd, type RawField, rewriteFields } from './header-block.js';

const BCC_FIELDS = new Set(['bcc', 'resent-bcc']);

function isBcc(field: RawField): boolean {
  return BCC_FIELDS.has(field.name.toLowerCase());
}

/**
 * A Bcc or Resent-Bcc field name at the start of a line of the header block, with the white
 * space `headerFields` trims from names around it (a superset: a false match only costs the
 * full rewrite).
 */
const BCC_LINE = /(?:^|\n)\s*(?:resent-)?bcc\s*:/i;

/**
 * Whether the header block may hold a Bcc field: one pass of a regular expression over its text,
 * so the common message without one is sent as it is, without splitting every field.
 */
function mayHaveBcc(message: Uint8Array): boolean {
  const end = headerEnd(message);
  return BCC_LINE.test(Buffer.from(message.buffer, message.byteOffset, end).toString('latin1'));
}

/** The message with every Bcc and Resent-Bcc field removed. */
export function withoutBcc(message: Uint8Array): Uint8Array {
  if (!mayHaveBcc(message)) return message;
  return rewriteFields(message, (f) => (isBcc(f) ? '' : undefined));
}

/**
 * The copy for the mailbox owner whose envelope addresses are `viewers`: Bcc fields keep only
 * the viewers' own addresses, or go when none of them is listed there.
 */
export function bccViewFor(message: Uint8Array, viewers: readonly string[]): Uint8Array {
  const wanted = new Set(viewers.map((v) => v.toLowerCase()));
  return rewriteFields(message, (f) => {
    if (!isBcc(f)) return undefined;
    const own = parseAddressList(f.value).mailboxes.filter((m) => wanted.has(m.address.toLowerCase()));
    if (own.length === 0) return '';
    return `${f.name}: ${own.map((m) => formatMailbox({ name: '', address: m.address })).join(', ')}\r\n`;
  });
}

/** Lower-cased addresses listed in the message's Bcc fields. */
export function bccAddresses(fields: readonly RawField[]): Set<string> {
  const out = new Set<string>();
  for (const f of fields)
    if (isBcc(f)) for (const m of parseAddressList(f.value).mailboxes) out.add(m.address.toLowerCase());
  return out;
}
