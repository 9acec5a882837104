/**
 * The two header fields the relay policy reads at the end of data (Sender and From, for its
 * authenticated-sender check), read from the header block's raw fields. Itemizing the header
 * block for them was the gateway's largest JavaScript cost per message after the Router's own;
 * the Router's mail rules itemize the message when they read its content.
 */
import { parseHeaderBlock } from '@mailroute/dkim/canonical';
import { parseAddressList } from '@mailroute/itemizer';

/** The addresses of the first Sender and From fields; undefined for a field that is absent. */
export interface PolicyHeaders {
  readonly sender: string[] | undefined;
  readonly from: string[] | undefined;
}

/** Reads Sender and From from the header block of `raw`. */
export function policyHeaders(raw: Uint8Array): PolicyHeaders {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const end = buf.indexOf('\r\n\r\n');
  // UTF-8: RFC 6532 allows it in address fields.
  const fields = parseHeaderBlock(buf.subarray(0, end < 0 ? buf.length : end + 2).toString('utf8'));
  const value = (key: string): string | undefined => {
    const field = fields.find((f) => f.key === key);
    return field?.raw
      .slice(field.raw.indexOf(':') + 1)
      .replace(/\r?\n(?=[ \t])/g, '')
      .trim();
  };
  return { sender: addresses(value('sender')), from: addresses(value('from')) };
}

/** The addresses of an address field, as the policy's authenticated-sender check wants them. */
function addresses(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  return parseAddressList(text)
    .mailboxes.map((m) => m.address)
    .filter((a) => a !== '');
}
